//! UpdateGroup: only the members given change.

use super::shapes::group_type;
use crate::domain::AuthError;
use crate::domain::group::GroupInput;
use crate::services::Services;
use crate::services::admin::groups;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub group_name: String,
    pub description: Option<String>,
    pub role_arn: Option<String>,
    pub precedence: Option<i64>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let input = GroupInput {
        description: req.description,
        role_arn: req.role_arn,
        precedence: req.precedence,
    };
    let g = groups::update_group(svc, &req.user_pool_id, &req.group_name, input).await?;
    Ok(json!({ "Group": group_type(&g) }))
}
