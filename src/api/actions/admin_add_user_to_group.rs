//! AdminAddUserToGroup: adds a user to a group (adding again changes nothing).

use super::shapes::check_user_ref;
use crate::domain::AuthError;
use crate::services::Services;
use crate::services::admin::groups;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub username: String,
    pub group_name: String,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    check_user_ref(&req.user_pool_id, &req.username)?;
    groups::add_user_to_group(svc, &req.user_pool_id, &req.username, &req.group_name).await?;
    Ok(json!({}))
}
