//! AdminUserGlobalSignOut: signs a user out everywhere (every refresh token and access token of
//! the user is refused from now on).

use super::shapes::check_user_ref;
use crate::domain::AuthError;
use crate::services::Services;
use crate::services::admin::users;
use crate::services::tokens;
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
    let (_, user) = users::load(svc, &req.user_pool_id, &req.username).await?;
    tokens::global_sign_out(svc, &user).await?;
    Ok(json!({}))
}
