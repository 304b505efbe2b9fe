//! AdminDisableUser: the user can no longer sign in; nothing else changes.

use super::shapes::check_user_ref;
use crate::domain::AuthError;
use crate::services::Services;
use crate::services::admin::users;
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
    users::set_enabled(svc, &req.user_pool_id, &req.username, false).await?;
    Ok(json!({}))
}
