//! Sign-in through the JSON API (reference §3): InitiateAuth / AdminInitiateAuth start a flow,
//! RespondToAuthChallenge / AdminRespondToAuthChallenge answer its challenges, and a flow ends
//! in tokens. The same rules serve the public and the admin door; `Door` says which one asked.
//!
//! - `initiate`: flow gating per client, USER_PASSWORD_AUTH / ADMIN_USER_PASSWORD_AUTH,
//!   USER_SRP_AUTH (first step), REFRESH_TOKEN_AUTH.
//! - `respond`: PASSWORD_VERIFIER (SRP second step), NEW_PASSWORD_REQUIRED, MFA answers.
//! - `second_factor`: which MFA challenge follows a password, and its answers.
//! - `gate`: what happens after a proven password — lockout, status and enabled checks,
//!   expired temporary passwords, the NEW_PASSWORD_REQUIRED challenge, or tokens.
//! - `choice`: USER_AUTH (choice-based sign-in): the first factor, chosen or preferred.
//! - `passkey`: USER_AUTH's WEB_AUTHN factor (a passkey's assertion).
//! - `session`: the single-use, short-lived `Session` strings.

pub mod choice;
pub mod custom;
pub mod device;
pub(crate) mod gate;
pub mod hosted;
pub mod initiate;
pub mod passkey;
pub mod respond;
pub mod second_factor;
pub mod session;

pub use gate::unknown_failures_bucket;

use crate::domain::AuthError;
use crate::domain::client::UserPoolClient;
use crate::domain::pool::UserPool;
use crate::domain::user::User;
use crate::services::Services;
use crate::services::client_cache::ClientContext;
use crate::services::tokens::AuthenticationResult;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Which front door started the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Door {
    /// InitiateAuth / RespondToAuthChallenge (no signature; the client id identifies the app).
    Public,
    /// AdminInitiateAuth / AdminRespondToAuthChallenge (SigV4; names the pool too).
    Admin { pool_id: String },
}

/// The end of a step: tokens, or the next challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Tokens(AuthenticationResult),
    Challenge(Challenge),
}

/// A challenge for the client to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub name: String,
    pub parameters: BTreeMap<String, String>,
    pub session: Option<String>,
    /// `AvailableChallenges` (USER_AUTH's first factors), when the client is to choose.
    pub available: Vec<String>,
}

/// Every challenge RespondToAuthChallenge answers (the metrics' `flow` of an answer).
const CHALLENGES: &[&str] = &[
    "PASSWORD_VERIFIER",
    "NEW_PASSWORD_REQUIRED",
    "SOFTWARE_TOKEN_MFA",
    "SMS_MFA",
    "EMAIL_OTP",
    "SMS_OTP",
    "SELECT_MFA_TYPE",
    "MFA_SETUP",
    "SELECT_CHALLENGE",
    "DEVICE_SRP_AUTH",
    "DEVICE_PASSWORD_VERIFIER",
    "CUSTOM_CHALLENGE",
    "WEB_AUTHN",
];

/// Where a sign-in step's pool is found: the pool itself (hosted pages) or the client the
/// request named (the API).
pub(crate) enum StepOf<'a> {
    Pool(&'a UserPool),
    Client(&'a str),
}

/// Counts a sign-in step in the metrics and the audit trail: `flow` (an AuthFlow, a challenge
/// name, or a door's own name such as `HOSTED_UI`; anything else is `unknown`) ended in tokens,
/// a challenge (`challenge(&value)` names it), or an error. The audit record (not for
/// refreshes) names the pool's user `username` gave, or the name alone when none (also when
/// the step's session was not valid: a name sent with a made-up session is not that user's
/// event). Finding the pool and the user happens after the answer, off the request's path.
pub(crate) fn count<T>(
    svc: &Services,
    flow: &str,
    of: StepOf<'_>,
    username: Option<&str>,
    result: &Result<T, AuthError>,
    challenge: impl Fn(&T) -> Option<String>,
) {
    let known = initiate::AUTH_FLOWS.contains(&flow)
        || CHALLENGES.contains(&flow)
        || ["HOSTED_UI", "FEDERATED"].contains(&flow);
    let flow = if known { flow } else { "unknown" };
    let (outcome, reason) = match result {
        Ok(v) => match challenge(v) {
            Some(name) => ("challenge", name),
            None => ("success", flow.to_string()),
        },
        Err(e) => ("failure", e.type_name().to_string()),
    };
    crate::metrics::sign_in(flow, outcome);
    if flow == "REFRESH_TOKEN_AUTH" || flow == "REFRESH_TOKEN" {
        return;
    }
    let bogus_session = matches!(
        result,
        Err(AuthError::NotAuthorized(
            crate::domain::Reason::InvalidSession(_)
        ))
    );
    let username = username
        .filter(|u| !u.is_empty())
        .map(crate::services::audit::clean);
    let (pool, client_id) = match of {
        StepOf::Pool(pool) => (Some(pool.clone()), None),
        StepOf::Client(id) => (None, Some(id.to_string())),
    };
    let svc = svc.clone();
    let at = svc.now();
    let outcome = outcome.to_string();
    let audit = svc.audit.clone();
    audit.later(async move {
        let pool = match (pool, client_id) {
            (Some(pool), _) => pool,
            (None, Some(id)) => {
                match crate::services::client_cache::client_context(&svc, &id).await {
                    Ok(ctx) => ctx.pool.clone(),
                    Err(_) => return,
                }
            }
            (None, None) => return,
        };
        let user = match &username {
            Some(name) if !bogus_session => lookup(&svc, &pool, name).await.ok().flatten(),
            _ => None,
        };
        let mut record = crate::domain::audit::AuditEvent::new(
            crate::domain::audit::SECURITY,
            "SignIn",
            &outcome,
        );
        record.pool_id = Some(pool.id.clone());
        record.user_sub = user.as_ref().map(|u| u.sub.clone());
        record.target = username;
        record.reason = Some(reason);
        svc.audit.record(record, at);
    });
}

/// Loads the client (and its pool) an auth request names; through the admin door the client
/// must belong to the named pool.
pub(crate) async fn client_for(
    svc: &Services,
    client_id: &str,
    door: &Door,
) -> Result<Arc<ClientContext>, AuthError> {
    if let Door::Admin { pool_id } = door {
        svc.require_pool(pool_id).await?;
    }
    let ctx = crate::services::client_cache::client_context(svc, client_id).await?;
    if let Door::Admin { pool_id } = door
        && *pool_id != ctx.pool.id
    {
        return Err(AuthError::client_not_found(client_id));
    }
    Ok(ctx)
}

/// A user by what they typed (username, sign-in alias, or sub), or None.
pub(crate) async fn lookup(
    svc: &Services,
    pool: &UserPool,
    username: &str,
) -> Result<Option<User>, AuthError> {
    match crate::services::admin::users::find_user(svc, pool, username).await {
        Ok(u) => Ok(Some(u)),
        Err(AuthError::UserNotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether the client hides which users exist (PreventUserExistenceErrors=ENABLED).
pub(crate) fn hides_users(client: &UserPoolClient) -> bool {
    client.settings.prevent_user_existence_errors == "ENABLED"
}

/// The error for an unknown user: UserNotFoundException, or, when the client hides which users
/// exist, the same error a wrong password gets.
pub(crate) fn unknown_user(client: &UserPoolClient) -> AuthError {
    if hides_users(client) {
        AuthError::incorrect_credentials()
    } else {
        AuthError::user_not_found()
    }
}

/// A required AuthParameters / ChallengeResponses entry.
pub(crate) fn required<'a>(
    map: &'a BTreeMap<String, String>,
    key: &str,
) -> Result<&'a str, AuthError> {
    map.get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            AuthError::InvalidParameter(format!("Missing required parameter {key}").into())
        })
}
