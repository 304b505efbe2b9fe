//! ConfirmForgotPassword: the reset code and a new password.

use super::self_service::{code, password, user_ref};
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::Services;
use crate::services::recovery;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub client_id: String,
    pub secret_hash: Option<String>,
    pub username: String,
    pub confirmation_code: String,
    pub password: String,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    let r = user_ref(&mut v, req.client_id, req.username, req.secret_hash);
    code(&mut v, "ConfirmationCode", &req.confirmation_code);
    password(&mut v, "Password", Some(&req.password));
    v.finish()?;
    recovery::confirm_forgot_password(svc, r, &req.confirmation_code, &req.password).await?;
    Ok(json!({}))
}
