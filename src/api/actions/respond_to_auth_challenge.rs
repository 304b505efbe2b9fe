//! RespondToAuthChallenge: answers PASSWORD_VERIFIER or NEW_PASSWORD_REQUIRED.

use super::auth_result::{check, outcome};
use crate::domain::AuthError;
use crate::services::Services;
use crate::services::auth::Door;
use crate::services::auth::respond::{RespondInput, respond};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Every `ChallengeNameType` value.
pub const CHALLENGE_NAMES: &[&str] = &[
    "SMS_MFA",
    "EMAIL_OTP",
    "SOFTWARE_TOKEN_MFA",
    "SELECT_MFA_TYPE",
    "MFA_SETUP",
    "PASSWORD_VERIFIER",
    "CUSTOM_CHALLENGE",
    "SELECT_CHALLENGE",
    "DEVICE_SRP_AUTH",
    "DEVICE_PASSWORD_VERIFIER",
    "ADMIN_NO_SRP_AUTH",
    "NEW_PASSWORD_REQUIRED",
    "SMS_OTP",
    "PASSWORD",
    "WEB_AUTHN",
    "PASSWORD_SRP",
];

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
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
    })?;
    let result = respond(
        svc,
        RespondInput {
            client_id: req.client_id,
            door: Door::Public,
            challenge_name: req.challenge_name,
            session: req.session,
            responses: req.challenge_responses.unwrap_or_default(),
            client_metadata: req.client_metadata,
        },
    )
    .await?;
    Ok(outcome(result))
}
