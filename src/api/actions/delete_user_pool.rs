//! DeleteUserPool (refused while DeletionProtection is ACTIVE).

use crate::domain::AuthError;
use crate::services::Services;
use crate::services::admin::pools;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    pools::delete_pool(svc, &req.user_pool_id).await?;
    Ok(json!({}))
}
