//! DescribeIdentityProvider: `ProviderDetails` as Cognito shows them (the client secret
//! included, Apple's private key never).

use super::shapes::identity_provider_type;
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
    let p = identity_providers::require(svc, &req.user_pool_id, &req.provider_name).await?;
    Ok(json!({ "IdentityProvider": identity_provider_type(&p) }))
}
