//! AdminSetUserPassword: `Permanent` true → CONFIRMED, false (default) → FORCE_CHANGE_PASSWORD.

use super::shapes::check_user_ref;
use crate::domain::AuthError;
use crate::domain::validate::{Violations, patterns};
use crate::services::Services;
use crate::services::admin::users;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub permanent: bool,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    check_user_ref(&req.user_pool_id, &req.username)?;
    let mut v = Violations::new();
    v.length("Password", Some(&req.password), 1, 256);
    v.pattern(
        "Password",
        Some(&req.password),
        &patterns::PASSWORD,
        r"[\S]+(.*[\S]+)?",
    );
    v.finish()?;
    users::set_password(
        svc,
        &req.user_pool_id,
        &req.username,
        &req.password,
        req.permanent,
    )
    .await?;
    Ok(json!({}))
}
