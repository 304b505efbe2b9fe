//! AdminDisableProviderForUser: the upstream account (`User`, by `Cognito_Subject`) no longer
//! signs in as the user it was linked to; a federated user made from it is disabled.

use super::provider_user::ProviderUser;
use crate::domain::AuthError;
use crate::services::Services;
use crate::services::federation::users;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub user: ProviderUser,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let pool = svc.require_pool(&req.user_pool_id).await?;
    let (provider, subject) = req.user.upstream(svc, &pool.id).await?;
    users::disable_provider_for_user(svc, &pool, &provider, &subject).await?;
    Ok(json!({}))
}
