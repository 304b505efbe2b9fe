//! ListUsers: `Filter`, `AttributesToGet`, `Limit` 0–60 (0 or absent: 60), `PaginationToken`.

use super::shapes::{user_type, with_token};
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::admin::list_users;
use crate::services::{Services, page_size};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub attributes_to_get: Option<Vec<String>>,
    pub limit: Option<i64>,
    pub pagination_token: Option<String>,
    pub filter: Option<String>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    v.length("Filter", req.filter.as_deref(), 0, 256);
    v.finish()?;
    let limit = page_size(req.limit, "Limit", 60)?;
    let page = list_users::list_users(
        svc,
        &req.user_pool_id,
        req.filter.as_deref(),
        limit,
        req.pagination_token.as_deref(),
    )
    .await?;
    let only = req.attributes_to_get.as_deref();
    let users: Vec<Value> = page.users.iter().map(|u| user_type(u, only)).collect();
    Ok(with_token(
        json!({ "Users": users }),
        "PaginationToken",
        page.next,
    ))
}
