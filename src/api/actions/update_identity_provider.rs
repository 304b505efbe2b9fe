//! UpdateIdentityProvider: the members given replace the saved ones.

use super::shapes::identity_provider_type;
use crate::domain::AuthError;
use crate::domain::identity_provider::IdentityProviderInput;
use crate::services::Services;
use crate::services::admin::identity_providers;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    #[serde(flatten)]
    pub provider: IdentityProviderInput,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let p = identity_providers::update(svc, &req.user_pool_id, req.provider).await?;
    Ok(json!({ "IdentityProvider": identity_provider_type(&p) }))
}
