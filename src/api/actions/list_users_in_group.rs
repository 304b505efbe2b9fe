//! ListUsersInGroup: `Limit` 0–60, `NextToken`; members in username order as `UserType`.

use super::shapes::{user_type, with_token};
use crate::domain::AuthError;
use crate::services::admin::groups;
use crate::services::{Services, page_size};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub group_name: String,
    pub limit: Option<i64>,
    pub next_token: Option<String>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let limit = page_size(req.limit, "Limit", 60)?;
    let (found, next) = groups::list_users_in_group(
        svc,
        &req.user_pool_id,
        &req.group_name,
        limit,
        req.next_token.as_deref(),
    )
    .await?;
    let users: Vec<Value> = found.iter().map(|u| user_type(u, None)).collect();
    Ok(with_token(json!({ "Users": users }), "NextToken", next))
}
