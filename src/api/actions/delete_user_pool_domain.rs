//! DeleteUserPoolDomain.

use crate::domain::AuthError;
use crate::services::Services;
use crate::services::admin::domains;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub domain: String,
    pub user_pool_id: String,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    domains::delete_domain(svc, &req.user_pool_id, &req.domain).await?;
    Ok(json!({}))
}
