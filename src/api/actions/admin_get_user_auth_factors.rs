//! AdminGetUserAuthFactors: GetUserAuthFactors for a user an administrator names.

use super::shapes::check_user_ref;
use crate::domain::AuthError;
use crate::domain::first_factors;
use crate::services::admin::users;
use crate::services::{Services, mfa};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub username: String,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    check_user_ref(&req.user_pool_id, &req.username)?;
    let pool = svc.require_pool(&req.user_pool_id).await?;
    let user = users::get_user(svc, &req.user_pool_id, &req.username).await?;
    let has_passkey = crate::services::passkeys::has_passkey(svc, &pool, Some(&user)).await?;
    let mut out = json!({
        "Username": user.username,
        "ConfiguredUserAuthFactors": first_factors::configured(&pool.settings, &user, has_passkey),
    });
    super::shapes::add_mfa_settings(&mut out, &mfa::user_mfa(svc, &user).await?);
    Ok(out)
}
