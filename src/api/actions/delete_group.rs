//! DeleteGroup: the group and its memberships.

use crate::domain::AuthError;
use crate::services::Services;
use crate::services::admin::groups;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub group_name: String,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    groups::delete_group(svc, &req.user_pool_id, &req.group_name).await?;
    Ok(json!({}))
}
