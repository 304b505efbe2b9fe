//! DeleteResourceServer (its scopes leave the pool's clients in the same transaction).

use crate::domain::AuthError;
use crate::services::Services;
use crate::services::admin::resource_servers;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub identifier: String,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    resource_servers::delete_resource_server(svc, &req.user_pool_id, &req.identifier).await?;
    Ok(json!({}))
}
