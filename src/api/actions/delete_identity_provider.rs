//! DeleteIdentityProvider: the provider leaves the pool's clients too.

use crate::domain::AuthError;
use crate::services::Services;
use crate::services::admin::identity_providers;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub provider_name: String,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    identity_providers::delete(svc, &req.user_pool_id, &req.provider_name).await?;
    Ok(json!({}))
}
