//! ListDevices: the user's confirmed devices (`Limit` 0–60, `PaginationToken`).

use super::self_service::access_token;
use super::shapes::device_type;
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::devices::{self, Owner};
use crate::services::{Services, page_size};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub access_token: String,
    pub limit: Option<i64>,
    pub pagination_token: Option<String>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    access_token(&mut v, &req.access_token);
    v.finish()?;
    let limit = page_size(req.limit, "Limit", 60)?;
    let (found, next) = devices::list(
        svc,
        Owner::Token(&req.access_token),
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
