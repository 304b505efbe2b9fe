//! ListGroups: `Limit` 0–60 (0 or absent: 60), `NextToken`; groups in name order.

use super::shapes::{group_type, with_token};
use crate::domain::AuthError;
use crate::services::admin::groups;
use crate::services::{Services, page_size};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub limit: Option<i64>,
    pub next_token: Option<String>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let limit = page_size(req.limit, "Limit", 60)?;
    let (found, next) =
        groups::list_groups(svc, &req.user_pool_id, limit, req.next_token.as_deref()).await?;
    let out = json!({ "Groups": found.iter().map(group_type).collect::<Vec<_>>() });
    Ok(with_token(out, "NextToken", next))
}
