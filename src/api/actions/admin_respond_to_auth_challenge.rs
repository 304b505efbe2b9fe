//! AdminRespondToAuthChallenge: RespondToAuthChallenge from a trusted back end.

use super::auth_result::{check, outcome};
use super::respond_to_auth_challenge::CHALLENGE_NAMES;
use super::shapes::check_pool_id;
use crate::domain::AuthError;
use crate::services::Services;
use crate::services::auth::Door;
use crate::services::auth::respond::{RespondInput, respond};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub client_id: String,
    pub challenge_name: String,
    #[serde(default)]
    pub session: Option<String>,
    #[serde(default)]
    pub challenge_responses: Option<BTreeMap<String, String>>,
    /// For the triggers.
    #[serde(default)]
    pub client_metadata: crate::services::triggers::Metadata,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    check(&req.client_id, req.session.as_deref(), |v| {
        v.one_of("ChallengeName", Some(&req.challenge_name), CHALLENGE_NAMES);
        check_pool_id(v, &req.user_pool_id);
    })?;
    let result = respond(
        svc,
        RespondInput {
            client_id: req.client_id,
            door: Door::Admin {
                pool_id: req.user_pool_id,
            },
            challenge_name: req.challenge_name,
            session: req.session,
            responses: req.challenge_responses.unwrap_or_default(),
            client_metadata: req.client_metadata,
        },
    )
    .await?;
    Ok(outcome(result))
}
