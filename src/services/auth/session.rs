//! `Session` strings: 64 random bytes (base64), stored as their SHA-256 in `auth_sessions`
//! with the flow's state, valid for the client's AuthSessionValidity (3 minutes by default),
//! and usable once. Any node can continue a flow another node started.

use crate::crypto::random;
use crate::domain::AuthError;
use crate::domain::client::UserPoolClient;
use crate::domain::error::{Reason, SessionFault};
use crate::services::Services;
use crate::store::sessions::{SessionRow, Taken};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a flow remembers between its steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum State {
    /// SRP after InitiateAuth: the server's ephemeral values for this attempt. `user_sub` is
    /// None for a user that does not exist (the flow then fails at the second step).
    PasswordVerifier {
        user_sub: Option<String>,
        srp_username: String,
        a: String,
        b_secret: String,
        b_public: String,
        /// Set when this step is part of a CUSTOM_AUTH sign-in ("SRP then custom
        /// challenges"): the challenges so far, PASSWORD_VERIFIER last.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        custom: Option<Vec<crate::services::triggers::ChallengeResult>>,
    },
    /// A FORCE_CHANGE_PASSWORD user proved the temporary password.
    NewPasswordRequired { user_sub: String },
    /// The password was right; the user's software token code is asked next.
    SoftwareTokenMfa { user_sub: String },
    /// MFA ON and no factor yet: the user sets up a software token with this session
    /// (AssociateSoftwareToken gives `secret`, VerifySoftwareToken sets `verified`), then
    /// answers MFA_SETUP.
    MfaSetup {
        user_sub: String,
        secret: Option<String>,
        verified: bool,
    },
    /// A code was sent by SMS (`factor` = SMS_MFA) or email (EMAIL_OTP); its salted SHA-256
    /// is kept with the wrong answers so far. `setup_email` is the address an MFA_SETUP
    /// answer named: email MFA is enabled for it once the code is proven.
    CodeMfa {
        user_sub: String,
        factor: String,
        salt: String,
        code_hash: String,
        attempts: u32,
        setup_email: Option<String>,
    },
    /// Several factors are enabled and none is preferred: the user chooses one.
    SelectMfaType {
        user_sub: String,
        choices: Vec<String>,
    },
    /// USER_AUTH without a (usable) preferred challenge: the client chooses one of
    /// `available`. `user_sub` is None for a user that does not exist.
    SelectChallenge {
        user_sub: Option<String>,
        username: String,
        available: Vec<String>,
    },
    /// ConfirmSignUp just confirmed this user: USER_AUTH may sign them in with the session.
    SignUpConfirmed { user_sub: String },
    /// A remembered device stands in for MFA: the client proves the device's secret.
    DeviceSrpAuth {
        user_sub: String,
        device_key: String,
    },
    /// DEVICE_SRP_AUTH answered: the server's ephemeral values for the device's proof.
    DevicePasswordVerifier {
        user_sub: String,
        device_key: String,
        a: String,
        b_secret: String,
        b_public: String,
    },
    /// USER_AUTH's passkey challenge: webauthn-rs's state of the ceremony (the challenge and
    /// the passkeys allowed). Both None for a user that does not exist or has no passkey.
    WebAuthn {
        user_sub: Option<String>,
        state: Option<String>,
        /// The request options the challenge gave (`CREDENTIAL_REQUEST_OPTIONS`), for the
        /// hosted passkey page.
        #[serde(default)]
        options: String,
    },
    /// CUSTOM_AUTH: the challenges so far (the last one unanswered) and the private
    /// parameters of the last, for VerifyAuthChallengeResponse.
    CustomChallenge {
        user_sub: String,
        history: Vec<crate::services::triggers::ChallengeResult>,
        private: std::collections::BTreeMap<String, String>,
    },
}

impl State {
    /// The challenge this state answers.
    pub fn challenge(&self) -> &'static str {
        match self {
            State::PasswordVerifier { .. } => "PASSWORD_VERIFIER",
            State::NewPasswordRequired { .. } => "NEW_PASSWORD_REQUIRED",
            State::SoftwareTokenMfa { .. } => "SOFTWARE_TOKEN_MFA",
            State::MfaSetup { .. } => "MFA_SETUP",
            State::CodeMfa { factor, .. } if factor == "SMS_MFA" => "SMS_MFA",
            State::CodeMfa { factor, .. } if factor == "SMS_OTP" => "SMS_OTP",
            State::CodeMfa { .. } => "EMAIL_OTP",
            State::SelectMfaType { .. } => "SELECT_MFA_TYPE",
            State::SelectChallenge { .. } => "SELECT_CHALLENGE",
            State::DeviceSrpAuth { .. } => "DEVICE_SRP_AUTH",
            State::SignUpConfirmed { .. } => "USER_AUTH",
            State::DevicePasswordVerifier { .. } => "DEVICE_PASSWORD_VERIFIER",
            State::CustomChallenge { .. } => "CUSTOM_CHALLENGE",
            State::WebAuthn { .. } => "WEB_AUTHN",
        }
    }
}

/// A fresh session string.
pub fn new_token() -> String {
    random::base64_token(64)
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Stores `state` under `token` for the client's session validity.
pub async fn save(
    svc: &Services,
    client: &UserPoolClient,
    token: &str,
    state: &State,
) -> Result<(), AuthError> {
    let now = svc.now();
    let state_json =
        serde_json::to_string(state).map_err(|e| AuthError::Internal(e.to_string()))?;
    let row = SessionRow {
        id_hash: hash(token),
        pool_id: client.pool_id.clone(),
        client_id: client.id.clone(),
        challenge: state.challenge().to_string(),
        state: state_json,
        created_at: now,
        expires_at: now + client.settings.auth_session_validity * 60 * 1000,
        used_at: None,
    };
    svc.store.insert_session(&row).await?;
    Ok(())
}

fn invalid(fault: SessionFault) -> AuthError {
    AuthError::NotAuthorized(Reason::InvalidSession(fault))
}

/// Uses a session sent without a ClientId (AssociateSoftwareToken, VerifySoftwareToken): like
/// [`take`], and the client it was issued to is returned with its state.
pub async fn take_any_client(
    svc: &Services,
    token: &str,
    challenge: &str,
) -> Result<(State, UserPoolClient), AuthError> {
    let now = svc.now();
    let row = match svc.store.take_session(&hash(token), now).await? {
        Taken::Fresh(row) => row,
        Taken::Used => return Err(invalid(SessionFault::Used)),
        Taken::Missing => return Err(invalid(SessionFault::Invalid)),
    };
    if row.expires_at <= now {
        return Err(invalid(SessionFault::Expired));
    }
    if row.challenge != challenge {
        return Err(invalid(SessionFault::Invalid));
    }
    let client = crate::services::admin::clients::find_client(svc, &row.client_id)
        .await
        .map_err(|_| invalid(SessionFault::Invalid))?;
    let state = serde_json::from_str(&row.state).map_err(|e| AuthError::Internal(e.to_string()))?;
    Ok((state, client))
}

/// Uses the session: it must exist, be unused, unexpired, belong to `client` and answer
/// `challenge`. It cannot be used again whatever the outcome.
pub async fn take(
    svc: &Services,
    client: &UserPoolClient,
    token: &str,
    challenge: &str,
) -> Result<State, AuthError> {
    let now = svc.now();
    let row = match svc.store.take_session(&hash(token), now).await? {
        Taken::Fresh(row) => row,
        Taken::Used => return Err(invalid(SessionFault::Used)),
        Taken::Missing => return Err(invalid(SessionFault::Invalid)),
    };
    if row.expires_at <= now {
        return Err(invalid(SessionFault::Expired));
    }
    // A session sent with the wrong client or challenge stays usable for the right one.
    if row.client_id != client.id {
        release(svc, token).await?;
        return Err(invalid(SessionFault::Invalid));
    }
    if row.challenge != challenge {
        release(svc, token).await?;
        return Err(AuthError::InvalidParameter(
            format!(
                "The session is for the {} challenge, not {challenge}.",
                row.challenge
            )
            .into(),
        ));
    }
    serde_json::from_str(&row.state).map_err(|e| AuthError::Internal(e.to_string()))
}

/// The state of an unused, unexpired session of `client` answering `challenge`, without using
/// it (a page showing what the challenge needs).
pub async fn peek(
    svc: &Services,
    client: &UserPoolClient,
    token: &str,
    challenge: &str,
) -> Result<Option<State>, AuthError> {
    let Some(row) = svc.store.peek_session(&hash(token)).await? else {
        return Ok(None);
    };
    if row.expires_at <= svc.now() || row.client_id != client.id || row.challenge != challenge {
        return Ok(None);
    }
    serde_json::from_str(&row.state)
        .map(Some)
        .map_err(|e| AuthError::Internal(e.to_string()))
}

/// Makes a session the caller used with [`take`] usable again (a wrong MFA code: Cognito lets
/// the user retry with the same session until it expires).
pub async fn release(svc: &Services, token: &str) -> Result<(), AuthError> {
    svc.store.release_session(&hash(token)).await?;
    Ok(())
}

/// As [`release`], keeping `state` as the session's new state (a wrong code counted).
pub async fn release_with(svc: &Services, token: &str, state: &State) -> Result<(), AuthError> {
    let state_json =
        serde_json::to_string(state).map_err(|e| AuthError::Internal(e.to_string()))?;
    svc.store
        .release_session_with_state(&hash(token), &state_json)
        .await?;
    Ok(())
}
