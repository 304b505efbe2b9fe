//! InitiateAuth: starts a sign-in (USER_SRP_AUTH, USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH).

use super::auth_result::{check, outcome};
use crate::domain::AuthError;
use crate::services::Services;
use crate::services::auth::Door;
use crate::services::auth::initiate::{AUTH_FLOWS, InitiateInput, initiate};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub auth_flow: String,
    #[serde(default)]
    pub auth_parameters: Option<BTreeMap<String, String>>,
    pub client_id: String,
    #[serde(default)]
    pub session: Option<String>,
    /// For the triggers. AnalyticsMetadata and UserContextData are accepted and not used.
    #[serde(default)]
    pub client_metadata: crate::services::triggers::Metadata,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    check(&req.client_id, req.session.as_deref(), |v| {
        v.one_of("AuthFlow", Some(&req.auth_flow), AUTH_FLOWS);
    })?;
    let result = initiate(
        svc,
        InitiateInput {
            client_id: req.client_id,
            door: Door::Public,
            auth_flow: req.auth_flow,
            parameters: req.auth_parameters.unwrap_or_default(),
            client_metadata: req.client_metadata,
            session: req.session,
        },
    )
    .await?;
    Ok(outcome(result))
}
