//! USER_AUTH, choice-based sign-in (reference §3.1, §3.2): the client names a
//! `PREFERRED_CHALLENGE` (with the password or SRP_A inline), or is offered the first factors
//! the pool allows and the user can use (`SELECT_CHALLENGE`, `AvailableChallenges`) and
//! answers with one. Each factor is the existing flow, not a copy: `PASSWORD` is
//! USER_PASSWORD_AUTH, `PASSWORD_SRP` is USER_SRP_AUTH (MFA follows both as usual), and a
//! one-time code by email or SMS is the MFA code's challenge, which proven is the whole
//! sign-in. A user that does not exist, in a client that hides which users exist, is offered
//! the same choices and fails as a wrong answer.

use super::session::{self, State};
use super::{Challenge, Outcome, gate, initiate, lookup, required, second_factor, unknown_user};
use crate::domain::AuthError;
use crate::domain::client::UserPoolClient;
use crate::domain::first_factors::{self, EMAIL_OTP, PASSWORD, PASSWORD_SRP, SMS_OTP, WEB_AUTHN};
use crate::domain::pool::UserPool;
use crate::domain::user::User;
use crate::services::Services;
use crate::services::client_auth::check_secret_hash;
use crate::services::tokens::TokenSource;
use crate::services::triggers::{self, Caller, Metadata};
use std::collections::BTreeMap;

/// InitiateAuth / AdminInitiateAuth with USER_AUTH.
pub async fn start(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    params: &BTreeMap<String, String>,
    client_metadata: &Metadata,
) -> Result<Outcome, AuthError> {
    let username = required(params, "USERNAME")?;
    let user = lookup(svc, pool, username).await?;
    let internal = user.as_ref().map_or(username, |u| u.username.as_str());
    check_secret_hash(
        client,
        &[username, internal],
        params.get("SECRET_HASH").map(String::as_str),
    )?;
    if user.is_none() && !super::hides_users(client) {
        return Err(unknown_user(client));
    }
    let hide = super::hides_users(client);
    let has_passkey = crate::services::passkeys::has_passkey(svc, pool, user.as_ref()).await?;
    let available = first_factors::available(&pool.settings, user.as_ref(), hide, has_passkey);
    match params
        .get("PREFERRED_CHALLENGE")
        .map(String::as_str)
        .filter(|p| available.contains(p))
    {
        Some(chosen) => {
            let user = user.as_ref();
            go(
                svc,
                pool,
                client,
                chosen,
                user,
                username,
                params,
                client_metadata,
            )
            .await
        }
        None => select_challenge(svc, pool, client, user.as_ref(), username, &available).await,
    }
}

/// USER_AUTH with the `Session` ConfirmSignUp gave: the user it confirmed is signed in
/// without the password (MFA still applies), once.
pub async fn after_sign_up(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    params: &BTreeMap<String, String>,
    token: &str,
    client_metadata: &Metadata,
) -> Result<Outcome, AuthError> {
    let username = required(params, "USERNAME")?;
    let state = session::take(svc, client, token, "USER_AUTH").await?;
    let State::SignUpConfirmed { user_sub } = state else {
        return Err(AuthError::invalid_session());
    };
    let user = lookup(svc, pool, username)
        .await?
        .filter(|u| u.sub == user_sub)
        .ok_or_else(AuthError::invalid_session)?;
    check_secret_hash(
        client,
        &[username, user.username.as_str()],
        params.get("SECRET_HASH").map(String::as_str),
    )?;
    let device = params.get("DEVICE_KEY").map(String::as_str);
    let step = gate::password_proven(svc, pool, client, &user, device).await?;
    gate::finish(
        svc,
        pool,
        client,
        step,
        TokenSource::Authentication,
        client_metadata,
        device,
    )
    .await
}

/// SELECT_CHALLENGE with the choices and a session to answer in.
async fn select_challenge(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    user: Option<&User>,
    username: &str,
    available: &[&str],
) -> Result<Outcome, AuthError> {
    let state = State::SelectChallenge {
        user_sub: user.map(|u| u.sub.clone()),
        username: username.to_string(),
        available: available.iter().map(|a| a.to_string()).collect(),
    };
    let token = session::new_token();
    session::save(svc, client, &token, &state).await?;
    let shown = shown_username(svc, pool, user, username).await?;
    Ok(Outcome::Challenge(Challenge {
        name: "SELECT_CHALLENGE".into(),
        parameters: BTreeMap::from([("USERNAME".to_string(), shown)]),
        session: Some(token),
        available: available.iter().map(|a| a.to_string()).collect(),
    }))
}

/// The username challenges show: the internal one; for a user that does not exist, what a
/// real user of the pool would show (a UUID-like name in email or phone pools).
async fn shown_username(
    svc: &Services,
    pool: &UserPool,
    user: Option<&User>,
    typed: &str,
) -> Result<String, AuthError> {
    Ok(match user {
        Some(u) => u.username.clone(),
        None if pool.settings.username_attributes.is_empty() => typed.to_string(),
        None => {
            let key = crate::services::pool_secret::key(svc, pool).await?;
            initiate::fake_user_id(&key, typed)
        }
    })
}

/// RespondToAuthChallenge SELECT_CHALLENGE: `ANSWER` names one of the choices, with
/// `PASSWORD` or `SRP_A` inline for the password factors. A choice not offered, or a password
/// factor without its value, keeps the session for another answer.
pub async fn answer(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    session: Option<&str>,
    responses: &BTreeMap<String, String>,
    client_metadata: &Metadata,
) -> Result<Outcome, AuthError> {
    let chosen = required(responses, "ANSWER")?;
    let token = session
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AuthError::InvalidParameter("Missing required parameter Session".into()))?;
    let state = session::take(svc, client, token, "SELECT_CHALLENGE").await?;
    let State::SelectChallenge {
        user_sub,
        username,
        available,
    } = &state
    else {
        return Err(AuthError::invalid_session());
    };
    let inline = match chosen {
        PASSWORD => "PASSWORD",
        PASSWORD_SRP => "SRP_A",
        _ => "",
    };
    let usable = available.iter().any(|a| a == chosen)
        && (inline.is_empty() || responses.get(inline).is_some_and(|v| !v.is_empty()));
    if !usable {
        session::release_with(svc, token, &state).await?;
        return Err(AuthError::InvalidParameter(
            format!(
                "{chosen} is not one of the available challenges ({}), or misses its {}.",
                available.join(", "),
                if inline.is_empty() { "value" } else { inline }
            )
            .into(),
        ));
    }
    let user = match user_sub {
        Some(sub) => Some(
            svc.store
                .get_user_by(&pool.id, crate::store::users::UserKey::Sub, sub)
                .await?
                .ok_or_else(AuthError::invalid_session)?,
        ),
        None => None,
    };
    // The inline values and SECRET_HASH, under the name the sign-in started with.
    let mut params = responses.clone();
    params.insert("USERNAME".into(), username.clone());
    go(
        svc,
        pool,
        client,
        chosen,
        user.as_ref(),
        username,
        &params,
        client_metadata,
    )
    .await
}

/// Goes on with the chosen first factor.
#[allow(clippy::too_many_arguments)]
async fn go(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    chosen: &str,
    user: Option<&User>,
    username: &str,
    params: &BTreeMap<String, String>,
    client_metadata: &Metadata,
) -> Result<Outcome, AuthError> {
    match chosen {
        PASSWORD => {
            let step = initiate::check_password(svc, pool, client, params, client_metadata).await?;
            gate::finish(
                svc,
                pool,
                client,
                step,
                TokenSource::Authentication,
                client_metadata,
                params.get("DEVICE_KEY").map(String::as_str),
            )
            .await
        }
        PASSWORD_SRP => {
            initiate::srp_first_step(svc, pool, client, params, client_metadata, None).await
        }
        EMAIL_OTP | SMS_OTP => {
            let caller = Caller {
                client_id: Some(&client.id),
                client_metadata: Some(client_metadata),
            };
            let hide = super::hides_users(client);
            let Some(user) = user else {
                let unknown = Err(username);
                triggers::pre_authentication(svc, pool, unknown, caller, Some(client_metadata))
                    .await?;
                let shown = shown_username(svc, pool, None, username).await?;
                let c = second_factor::first_factor_code_for_nobody(
                    svc, pool, client, username, &shown, chosen,
                )
                .await?;
                return Ok(Outcome::Challenge(c));
            };
            gate::check_not_locked(svc, user).await?;
            // Before any proof, a client that hides users must not tell a disabled or
            // unconfirmed user from one that does not exist.
            let usable = gate::check_state(user);
            if !hide {
                usable.clone()?;
            }
            triggers::pre_authentication(svc, pool, Ok(user), caller, Some(client_metadata))
                .await?;
            if usable.is_err() || !first_factors::can_receive(user, chosen) {
                // Only a client that hides users offers what this user cannot receive.
                let c = second_factor::first_factor_code_for_nobody(
                    svc,
                    pool,
                    client,
                    username,
                    &user.username,
                    chosen,
                )
                .await?;
                return Ok(Outcome::Challenge(c));
            }
            let c = second_factor::first_factor_code(svc, pool, client, user, chosen, hide).await?;
            Ok(Outcome::Challenge(c))
        }
        WEB_AUTHN => {
            let caller = Caller {
                client_id: Some(&client.id),
                client_metadata: Some(client_metadata),
            };
            let hide = super::hides_users(client);
            let shown = shown_username(svc, pool, user, username).await?;
            let Some(user) = user else {
                let unknown = Err(username);
                triggers::pre_authentication(svc, pool, unknown, caller, Some(client_metadata))
                    .await?;
                let c =
                    super::passkey::challenge(svc, pool, client, None, username, &shown).await?;
                return Ok(Outcome::Challenge(c));
            };
            gate::check_not_locked(svc, user).await?;
            let usable = gate::check_state(user);
            if !hide {
                usable.clone()?;
            }
            triggers::pre_authentication(svc, pool, Ok(user), caller, Some(client_metadata))
                .await?;
            // A user who cannot sign in gets the challenge of one without passkeys.
            let user = usable.is_ok().then_some(user);
            let c = super::passkey::challenge(svc, pool, client, user, username, &shown).await?;
            Ok(Outcome::Challenge(c))
        }
        other => Err(AuthError::InvalidParameter(
            format!("The challenge {other} is not available.").into(),
        )),
    }
}
