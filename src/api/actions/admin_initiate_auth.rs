//! AdminInitiateAuth: starts a sign-in from a trusted back end (ADMIN_USER_PASSWORD_AUTH,
//! USER_SRP_AUTH, REFRESH_TOKEN_AUTH).

use super::auth_result::{check, outcome};
use super::shapes::check_pool_id;
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
    pub user_pool_id: String,
    pub client_id: String,
    pub auth_flow: String,
    #[serde(default)]
    pub auth_parameters: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub session: Option<String>,
    /// For the triggers.
    #[serde(default)]
    pub client_metadata: crate::services::triggers::Metadata,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    check(&req.client_id, req.session.as_deref(), |v| {
        v.one_of("AuthFlow", Some(&req.auth_flow), AUTH_FLOWS);
        check_pool_id(v, &req.user_pool_id);
    })?;
    let result = initiate(
        svc,
        InitiateInput {
            client_id: req.client_id,
            door: Door::Admin {
                pool_id: req.user_pool_id,
            },
            auth_flow: req.auth_flow,
            parameters: req.auth_parameters.unwrap_or_default(),
            client_metadata: req.client_metadata,
            session: req.session,
        },
    )
    .await?;
    Ok(outcome(result))
}
