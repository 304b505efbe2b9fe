//! Sign-in on the hosted pages (reference §1.3): the same password check, lockout, user-state
//! rules and NEW_PASSWORD_REQUIRED challenge as InitiateAuth, for the hosted UI. The hosted UI
//! is Tessera's own first-party page, so it needs neither a SECRET_HASH nor the client's
//! ExplicitAuthFlows; and its sign-in ends in a signed-in user, not in tokens: the
//! authorization request the user came with decides what is issued.

use super::gate::Step;
use crate::clock::Millis;
use crate::domain::client::UserPoolClient;
use crate::domain::pool::UserPool;
use crate::domain::user::{User, UserStatus};
use crate::domain::{AuthError, Reason};
use crate::services::Services;
use crate::services::client_auth::first_party_secret_hash;
use crate::store::users::UserKey;
use std::collections::BTreeMap;

/// Where a hosted sign-in step leads.
#[derive(Debug, Clone)]
pub enum HostedStep {
    /// The user is signed in.
    SignedIn { user: User, auth_time: Millis },
    /// A FORCE_CHANGE_PASSWORD user must choose a password (and give the required attributes
    /// still missing, named without the `userAttributes.` prefix) to continue.
    NewPasswordRequired {
        session: String,
        username: String,
        required_attributes: Vec<String>,
    },
    /// An MFA challenge: SOFTWARE_TOKEN_MFA, SMS_MFA or EMAIL_OTP (a code to type; the
    /// parameters say where an SMS or email code went), SELECT_MFA_TYPE (`MFAS_CAN_CHOOSE`),
    /// or MFA_SETUP (`MFAS_CAN_SETUP`; see [`start_totp_setup`]). `username` is what the
    /// answers name the user by.
    Mfa {
        challenge: String,
        session: String,
        username: String,
        parameters: BTreeMap<String, String>,
    },
}

/// Signs a user in with what they typed on the sign-in page: the API's password check
/// (lockout, PreventUserExistenceErrors, user state), without ExplicitAuthFlows — the hosted UI
/// is always available to an OAuth client, as in Cognito.
pub async fn sign_in(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    username: &str,
    password: &str,
) -> Result<HostedStep, AuthError> {
    let step = async {
        let mut params = BTreeMap::from([
            ("USERNAME".to_string(), username.to_string()),
            ("PASSWORD".to_string(), password.to_string()),
        ]);
        if let Some(hash) = first_party_secret_hash(client, username) {
            params.insert("SECRET_HASH".to_string(), hash);
        }
        let step = super::initiate::check_password(svc, pool, client, &params, &Default::default())
            .await?;
        hosted_step(svc, pool, client, step).await
    }
    .await;
    counted(svc, pool, username, step)
}

/// Starts a sign-in with a one-time code (`EMAIL_OTP` or `SMS_OTP`, USER_AUTH's passwordless
/// first factors) or a passkey (`WEB_AUTHN`) from the sign-in page: the code goes to the
/// user's verified address and the code page follows (or the passkey page). A user who cannot get one (the pool does not allow it, no verified
/// address) is told to use the password; one that does not exist, for a client that hides
/// users, gets a code page like anyone else.
pub async fn sign_in_with_code(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    username: &str,
    factor: &str,
) -> Result<HostedStep, AuthError> {
    let step = async {
        let mut params = BTreeMap::from([
            ("USERNAME".to_string(), username.to_string()),
            ("PREFERRED_CHALLENGE".to_string(), factor.to_string()),
        ]);
        if let Some(hash) = first_party_secret_hash(client, username) {
            params.insert("SECRET_HASH".to_string(), hash);
        }
        let outcome = super::choice::start(svc, pool, client, &params, &Default::default()).await?;
        match outcome {
            super::Outcome::Challenge(c) if c.name == factor => Ok(HostedStep::Mfa {
                session: c
                    .session
                    .ok_or_else(|| AuthError::Internal("challenge without a session".into()))?,
                username: c
                    .parameters
                    .get("USER_ID_FOR_SRP")
                    .or_else(|| c.parameters.get("USERNAME"))
                    .cloned()
                    .unwrap_or_default(),
                challenge: c.name,
                parameters: c.parameters,
            }),
            _ if factor == crate::domain::first_factors::WEB_AUTHN => Err(
                AuthError::InvalidParameter(Reason::PasskeySignInUnavailable),
            ),
            _ => Err(AuthError::InvalidParameter(Reason::CodeSignInUnavailable)),
        }
    }
    .await;
    counted(svc, pool, username, step)
}

/// The request options of a WEB_AUTHN challenge's `session`, for the passkey page; None when
/// the session can no longer be answered.
pub async fn passkey_options(
    svc: &Services,
    client: &UserPoolClient,
    session: &str,
) -> Result<Option<String>, AuthError> {
    super::passkey::options(svc, client, session).await
}

/// `step`, counted in the metrics and the audit trail as a hosted sign-in step of `username`.
fn counted(
    svc: &Services,
    pool: &UserPool,
    username: &str,
    step: Result<HostedStep, AuthError>,
) -> Result<HostedStep, AuthError> {
    let of = super::StepOf::Pool(pool);
    super::count(
        svc,
        "HOSTED_UI",
        of,
        Some(username),
        &step,
        hosted_challenge,
    );
    step
}

/// The challenge a hosted step asks for, if any.
fn hosted_challenge(step: &HostedStep) -> Option<String> {
    match step {
        HostedStep::SignedIn { .. } => None,
        HostedStep::NewPasswordRequired { .. } => Some("NEW_PASSWORD_REQUIRED".into()),
        HostedStep::Mfa { challenge, .. } => Some(challenge.clone()),
    }
}

/// A challenge parameter that holds a JSON list of names (`requiredAttributes`,
/// `MFAS_CAN_SETUP`, `MFAS_CAN_CHOOSE`), decoded; empty when absent or not a list.
pub fn listed(parameters: &BTreeMap<String, String>, key: &str) -> Vec<String> {
    parameters
        .get(key)
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default()
}

/// A gate step as the hosted pages see it; a signed-in user passes PostAuthentication first.
async fn hosted_step(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    step: Step,
) -> Result<HostedStep, AuthError> {
    let c = match step {
        Step::Proven(user) => {
            let caller = crate::services::triggers::Caller::client(&client.id);
            crate::services::triggers::post_authentication(svc, pool, &user, caller).await?;
            return Ok(HostedStep::SignedIn {
                user,
                auth_time: svc.now(),
            });
        }
        Step::Challenge(c) => c,
    };
    let session = c
        .session
        .ok_or_else(|| AuthError::Internal("challenge without a session".into()))?;
    let username = c
        .parameters
        .get("USER_ID_FOR_SRP")
        .cloned()
        .unwrap_or_default();
    if c.name == "NEW_PASSWORD_REQUIRED" {
        let required_attributes = listed(&c.parameters, "requiredAttributes")
            .into_iter()
            .map(|a| a.trim_start_matches("userAttributes.").to_string())
            .collect();
        return Ok(HostedStep::NewPasswordRequired {
            session,
            username,
            required_attributes,
        });
    }
    Ok(HostedStep::Mfa {
        challenge: c.name,
        session,
        username,
        parameters: c.parameters,
    })
}

/// Answers an MFA challenge from the hosted pages. `responses` are the challenge's own keys
/// (`SOFTWARE_TOKEN_MFA_CODE`, `SMS_MFA_CODE`, `EMAIL_OTP_CODE`, `ANSWER`, `EMAIL`);
/// USERNAME and the first party's SECRET_HASH are added here.
pub async fn answer_mfa(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    challenge: &str,
    session: &str,
    username: &str,
    responses: BTreeMap<String, String>,
) -> Result<HostedStep, AuthError> {
    let step = async {
        let mut responses = responses;
        responses.insert("USERNAME".to_string(), username.to_string());
        if let Some(hash) = first_party_secret_hash(client, username) {
            responses.insert("SECRET_HASH".to_string(), hash);
        }
        let step =
            super::respond::answer_mfa(svc, pool, client, challenge, Some(session), &responses)
                .await?;
        hosted_step(svc, pool, client, step).await
    }
    .await;
    counted(svc, pool, username, step)
}

/// MFA_SETUP on the hosted pages, first half: a new software token secret (base32) for the
/// user of the MFA_SETUP `session`, and the session to finish with.
pub async fn start_totp_setup(
    svc: &Services,
    session: &str,
) -> Result<(String, String), AuthError> {
    crate::services::mfa::associate_with_session(svc, session).await
}

/// MFA_SETUP on the hosted pages, second half: the code from the authenticator verifies the
/// new secret, and the MFA_SETUP challenge is answered. A wrong code leaves `session` usable.
pub async fn finish_totp_setup(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    session: &str,
    username: &str,
    code: &str,
    device_name: Option<&str>,
) -> Result<HostedStep, AuthError> {
    let verified =
        crate::services::mfa::verify_with_session(svc, session, code, device_name).await?;
    answer_mfa(
        svc,
        pool,
        client,
        "MFA_SETUP",
        &verified,
        username,
        BTreeMap::new(),
    )
    .await
}

/// Answers NEW_PASSWORD_REQUIRED from the new-password page: `session` and `username` are
/// what [`sign_in`] returned; `attributes` are the missing required attributes by name.
pub async fn new_password(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    session: &str,
    username: &str,
    new_password: &str,
    attributes: BTreeMap<String, String>,
) -> Result<HostedStep, AuthError> {
    let step = async {
        let mut responses = BTreeMap::from([
            ("USERNAME".to_string(), username.to_string()),
            ("NEW_PASSWORD".to_string(), new_password.to_string()),
        ]);
        for (name, value) in attributes {
            responses.insert(format!("userAttributes.{name}"), value);
        }
        if let Some(hash) = first_party_secret_hash(client, username) {
            responses.insert("SECRET_HASH".to_string(), hash);
        }
        let user =
            super::respond::set_new_password(svc, pool, client, Some(session), &responses).await?;
        let step = super::second_factor::after_password(svc, pool, client, &user).await?;
        hosted_step(svc, pool, client, step).await
    }
    .await;
    counted(svc, pool, username, step)
}

/// The user who has just confirmed their sign-up in this browser, signed in: the hosted UI
/// signs a user in after sign-up and confirmation without asking for the password again (the
/// browser that chose the password proved the code) — or, where the pool requires MFA, goes on
/// to its challenge (MFA_SETUP for a new user). None unless the user is confirmed and enabled.
pub async fn confirmed_user(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    sub: &str,
) -> Result<Option<HostedStep>, AuthError> {
    let user = svc
        .store
        .get_user_by(&pool.id, UserKey::Sub, sub)
        .await?
        .filter(|u| u.enabled && u.status == UserStatus::Confirmed);
    let Some(user) = user else {
        return Ok(None);
    };
    let step = super::second_factor::after_password(svc, pool, client, &user).await?;
    hosted_step(svc, pool, client, step).await.map(Some)
}
