//! After the password: lockout bookkeeping, the checks on the user's state, and what the
//! sign-in leads to (NEW_PASSWORD_REQUIRED, or tokens). Shared by every password flow.

use super::session::{self, State};
use super::{Challenge, Outcome};
use crate::domain::client::UserPoolClient;
use crate::domain::pool::UserPool;
use crate::domain::user::{User, UserStatus};
use crate::domain::{AuthError, Reason};
use crate::services::Services;
use crate::services::tokens::{self, SignIn, TokenSource, USER_ADMIN_SCOPE};
use crate::services::triggers::Metadata;
use std::collections::BTreeMap;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn attempts_exceeded() -> AuthError {
    AuthError::NotAuthorized(Reason::PasswordAttemptsExceeded)
}

/// Refuses a locked-out user ("Password attempts exceeded"), without counting the attempt.
pub async fn check_not_locked(svc: &Services, user: &User) -> Result<(), AuthError> {
    if let Some(f) = svc.store.sign_in_failures(&user.sub).await?
        && f.is_locked(svc.now())
    {
        return Err(attempts_exceeded());
    }
    Ok(())
}

/// Counts a wrong password and returns the error to answer with. A user locked meanwhile (by
/// parallel attempts that failed while this one was being hashed) gets "Password attempts
/// exceeded", uncounted.
pub async fn wrong_password(svc: &Services, user: &User) -> AuthError {
    match svc.store.record_sign_in_failure(&user.sub, svc.now()).await {
        Ok(Some(f)) => {
            tracing::info!(pool_id = %user.pool_id, sub = %user.sub, failures = f.failures, "wrong password");
            if f.is_locked(svc.now()) {
                crate::metrics::lockout();
                crate::services::audit::security(
                    svc,
                    &user.pool_id,
                    "Lockout",
                    "success",
                    Some(user),
                    None,
                    None,
                );
            }
            AuthError::incorrect_credentials()
        }
        Ok(None) => attempts_exceeded(),
        Err(e) => e.into(),
    }
}

/// The failure count a name that does not exist stands on: a hit counter per pool and name
/// (`rate_limits`), kept for the [`RESET_AFTER_MS`] a real user's count lasts.
///
/// [`RESET_AFTER_MS`]: crate::domain::lockout::RESET_AFTER_MS
pub fn unknown_failures_bucket(pool: &UserPool, username: &str) -> String {
    use sha2::{Digest, Sha256};
    let key = hex::encode(Sha256::digest(pool.username_key(username).as_bytes()));
    format!("unknown:{}:{key}:sign_in", pool.id)
}

/// For a name that does not exist, asked through a client that hides users: the read
/// [`check_not_locked`] makes for a real user (one row by its key), so that both cost the same
/// round trip before the hash. Refuses nothing: unknown names are never locked.
pub async fn check_unknown_not_locked(
    svc: &Services,
    pool: &UserPool,
    username: &str,
) -> Result<(), AuthError> {
    let bucket = unknown_failures_bucket(pool, username);
    let window = crate::domain::lockout::RESET_AFTER_MS;
    svc.store.peek_hits(&bucket, svc.now(), window).await?;
    Ok(())
}

/// For a name that does not exist: the write [`wrong_password`] makes for a real user (one
/// upsert that counts the failure), then `error`, the answer the name gets.
pub async fn unknown_failed(
    svc: &Services,
    pool: &UserPool,
    username: &str,
    error: AuthError,
) -> AuthError {
    let bucket = unknown_failures_bucket(pool, username);
    let window = crate::domain::lockout::RESET_AFTER_MS;
    match svc.store.count_hit(&bucket, svc.now(), window).await {
        Ok(_) => error,
        Err(e) => e.into(),
    }
}

/// Where a proven password leads.
#[derive(Debug, Clone)]
pub enum Step {
    /// Nothing more to prove, every factor the pool and the user require included: the user
    /// is signed in (the door decides what to issue). Only `second_factor`, `device`,
    /// `passkey` and [`custom_auth_proven`] make one.
    Proven(User),
    /// A further challenge (NEW_PASSWORD_REQUIRED, an MFA challenge).
    Challenge(Challenge),
}

/// The end of an API sign-in step: for a proven user the PostAuthentication trigger, then
/// tokens; else the challenge.
/// `device` is the DEVICE_KEY the request named: the sign-in is bound to it when it is the
/// user's, and a pool that tracks devices gives a new one otherwise.
pub async fn finish(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    step: Step,
    source: TokenSource,
    client_metadata: &Metadata,
    device: Option<&str>,
) -> Result<Outcome, AuthError> {
    match step {
        Step::Proven(user) => {
            let caller = crate::services::triggers::Caller {
                client_id: Some(&client.id),
                client_metadata: Some(client_metadata),
            };
            crate::services::triggers::post_authentication(svc, pool, &user, caller).await?;
            let (bound, new_device) =
                crate::services::devices::for_sign_in(svc, pool, &user, device).await?;
            let mut outcome =
                issue(svc, pool, client, &user, source, client_metadata, bound).await?;
            if let Outcome::Tokens(result) = &mut outcome {
                result.new_device = new_device;
            }
            Ok(outcome)
        }
        Step::Challenge(c) => Ok(Outcome::Challenge(c)),
    }
}

/// The password was right: check the user's state, go on to the next challenge or to a
/// signed-in user, and clear the failure count — unless a second factor is still to be proven:
/// wrong codes add to the count, and a new sign-in with the password must not reset it (else
/// codes could be guessed without end); `second_factor` clears it once the factor is proven.
/// The lock is checked again first: parallel guesses all pass the check made before hashing,
/// and one of them being right must not get through a lock the others' failures set meanwhile.
/// A remembered `device` (DEVICE_KEY) may stand in for MFA (`services::devices`).
pub async fn password_proven(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    user: &User,
    device: Option<&str>,
) -> Result<Step, AuthError> {
    check_not_locked(svc, user).await?;
    let step = after_proof(svc, pool, client, user, device).await;
    let factor_pending =
        matches!(&step, Ok(Step::Challenge(c)) if c.name != "NEW_PASSWORD_REQUIRED");
    if !factor_pending {
        svc.store.clear_sign_in_failures(&user.sub).await?;
    }
    step
}

async fn after_proof(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    user: &User,
    device: Option<&str>,
) -> Result<Step, AuthError> {
    if !user.enabled {
        return Err(AuthError::NotAuthorized(Reason::UserDisabled));
    }
    match user.status {
        UserStatus::Unconfirmed => {
            Err(AuthError::UserNotConfirmed("User is not confirmed.".into()))
        }
        UserStatus::ResetRequired => Err(AuthError::PasswordResetRequired(
            "Password reset required for the user".into(),
        )),
        UserStatus::ForceChangePassword => {
            let days = match pool
                .settings
                .password_policy
                .temporary_password_validity_days
            {
                0 => 7,
                d => d,
            };
            let set_at = user.password_changed_at.unwrap_or(user.created_at);
            if svc.now() > set_at + days * DAY_MS {
                return Err(AuthError::NotAuthorized(
                    "Temporary password has expired and must be reset by an administrator.".into(),
                ));
            }
            new_password_challenge(svc, pool, client, user)
                .await
                .map(Step::Challenge)
        }
        UserStatus::Confirmed => {
            if pool.settings.mfa_configuration != "OFF"
                && let Some(d) =
                    crate::services::devices::remembered_for_mfa(svc, pool, user, device).await?
            {
                return super::device::challenge(svc, client, user, &d)
                    .await
                    .map(Step::Challenge);
            }
            super::second_factor::after_password(svc, pool, client, user).await
        }
        UserStatus::ExternalProvider => Err(AuthError::incorrect_credentials()),
    }
}

/// Tokens for a completed API sign-in: only for a [`Step::Proven`] user, whose every factor
/// was proven (see `second_factor`).
async fn issue(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    user: &User,
    source: TokenSource,
    client_metadata: &Metadata,
    device_key: Option<String>,
) -> Result<Outcome, AuthError> {
    let result = tokens::issue(
        svc,
        SignIn {
            pool,
            client,
            user,
            auth_time: svc.now(),
            scopes: vec![USER_ADMIN_SCOPE.to_string()],
            nonce: None,
            at_hash: false,
            // A password or a second factor was just checked: one more read is nothing.
            config_version: None,
            source,
            client_metadata: Some(client_metadata),
            device_key,
        },
    )
    .await?;
    tracing::info!(pool_id = %pool.id, client_id = %client.id, sub = %user.sub, "signed in");
    Ok(Outcome::Tokens(result))
}

/// CUSTOM_AUTH ended with DefineAuthChallenge's `issueTokens`: the user's state is checked,
/// and the user is signed in.
pub fn custom_auth_proven(user: &User) -> Result<Step, AuthError> {
    check_state(user)?;
    Ok(Step::Proven(user.clone()))
}

/// Refuses a user who cannot sign in without a password step first: disabled, unconfirmed,
/// or whose password must be reset (CUSTOM_AUTH's end, USER_AUTH's one-time codes).
pub fn check_state(user: &User) -> Result<(), AuthError> {
    if !user.enabled {
        return Err(AuthError::NotAuthorized(Reason::UserDisabled));
    }
    match user.status {
        UserStatus::Unconfirmed => {
            Err(AuthError::UserNotConfirmed("User is not confirmed.".into()))
        }
        UserStatus::ResetRequired => Err(AuthError::PasswordResetRequired(
            "Password reset required for the user".into(),
        )),
        _ => Ok(()),
    }
}

/// NEW_PASSWORD_REQUIRED: the user's current attributes (as a JSON string) and the required
/// attributes still missing (`userAttributes.<name>`), with a session to answer in.
async fn new_password_challenge(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    user: &User,
) -> Result<Challenge, AuthError> {
    let current: BTreeMap<&str, &str> = user
        .attributes
        .iter()
        .filter(|(k, v)| k.as_str() != "sub" && !v.is_empty())
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let missing: Vec<String> = crate::domain::attributes::required_names(&pool.settings.schema)
        .into_iter()
        .filter(|name| user.attribute(name).is_none())
        .map(|name| format!("userAttributes.{name}"))
        .collect();
    let to_json = |v: serde_json::Result<String>| v.map_err(|e| AuthError::Internal(e.to_string()));
    let mut parameters = BTreeMap::new();
    parameters.insert("USER_ID_FOR_SRP".to_string(), user.username.clone());
    parameters.insert(
        "userAttributes".to_string(),
        to_json(serde_json::to_string(&current))?,
    );
    parameters.insert(
        "requiredAttributes".to_string(),
        to_json(serde_json::to_string(&missing))?,
    );
    let token = session::new_token();
    session::save(
        svc,
        client,
        &token,
        &State::NewPasswordRequired {
            user_sub: user.sub.clone(),
        },
    )
    .await?;
    Ok(Challenge {
        name: "NEW_PASSWORD_REQUIRED".into(),
        parameters,
        session: Some(token),
        available: Vec::new(),
    })
}
