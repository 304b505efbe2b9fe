//! AdminListGroupsForUser: `Limit` 0–60, `NextToken`; the user's groups in name order.

use super::shapes::{check_user_ref, group_type, with_token};
use crate::domain::AuthError;
use crate::services::admin::groups;
use crate::services::{Services, page_size};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub username: String,
    pub limit: Option<i64>,
    pub next_token: Option<String>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    check_user_ref(&req.user_pool_id, &req.username)?;
    let limit = page_size(req.limit, "Limit", 60)?;
    let (found, next) = groups::list_groups_for_user(
        svc,
        &req.user_pool_id,
        &req.username,
        limit,
        req.next_token.as_deref(),
    )
    .await?;
    let out = json!({ "Groups": found.iter().map(group_type).collect::<Vec<_>>() });
    Ok(with_token(out, "NextToken", next))
}
