//! AdminLinkProviderForUser: an upstream account (`SourceUser`, by `Cognito_Subject`) will
//! sign in as an existing user of the pool (`DestinationUser`, provider `Cognito`).

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
    pub destination_user: ProviderUser,
    pub source_user: ProviderUser,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let pool = svc.require_pool(&req.user_pool_id).await?;
    let username = req.destination_user.native_username()?;
    let (provider, subject) = req.source_user.upstream(svc, &pool.id).await?;
    users::link_provider_for_user(svc, &pool, &username, &provider, &subject).await?;
    Ok(json!({}))
}
