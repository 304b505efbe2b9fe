//! AdminListDevices: the user's confirmed devices (`Limit` 0–60, `PaginationToken`).

use super::shapes::check_user_ref;
use super::shapes::device_type;
use crate::domain::AuthError;
use crate::services::devices::{self, Owner};
use crate::services::{Services, page_size};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub username: String,
    pub limit: Option<i64>,
    pub pagination_token: Option<String>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    check_user_ref(&req.user_pool_id, &req.username)?;
    let limit = page_size(req.limit, "Limit", 60)?;
    let (found, next) = devices::list(
        svc,
        Owner::Admin {
            pool_id: &req.user_pool_id,
            username: &req.username,
        },
        limit,
        req.pagination_token.as_deref(),
    )
    .await?;
    let mut out = json!({ "Devices": found.iter().map(device_type).collect::<Vec<_>>() });
    if let Some(token) = next {
        out["PaginationToken"] = json!(token);
    }
    Ok(out)
}
