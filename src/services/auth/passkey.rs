//! USER_AUTH's `WEB_AUTHN` first factor: the challenge carries the browser's request options
//! (`CREDENTIAL_REQUEST_OPTIONS`, the user's passkeys allowed), the answer is the browser's
//! assertion (`CREDENTIAL`). webauthn-rs checks the origin, the relying party id hash, the
//! challenge kept in the session and the signature; the sign counter must have moved on from
//! the stored one (a replayed or cloned authenticator's assertion is refused). A passkey
//! always verifies the user (webauthn-rs requires it), so it is the whole sign-in.

use super::session::{self, State};
use super::{Challenge, gate, required};
use crate::domain::AuthError;
use crate::domain::client::UserPoolClient;
use crate::domain::passkeys;
use crate::domain::pool::UserPool;
use crate::domain::user::User;
use crate::services::Services;
use crate::services::client_auth::check_secret_hash;
use crate::services::passkeys::{parse, relying_party};
use crate::store::users::UserKey;
use serde_json::json;
use std::collections::BTreeMap;
use webauthn_rs::prelude::{PasskeyAuthentication, PublicKeyCredential};

/// The WEB_AUTHN challenge for `user`, or, in a client that hides which users exist, for a
/// user that does not exist or has no passkey: the same shape, with an allowed credential
/// derived from the name (the same each time), that no answer proves.
pub(crate) async fn challenge(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    user: Option<&User>,
    username: &str,
    shown: &str,
) -> Result<Challenge, AuthError> {
    let rp = relying_party(svc, pool).await?;
    let stored = match user {
        Some(u) => crate::services::passkeys::usable(svc, &rp, u).await?,
        None => Vec::new(),
    };
    let keys = stored.iter().map(parse).collect::<Result<Vec<_>, _>>()?;
    let (mut options, state) = if keys.is_empty() {
        let (options, _) = rp
            .webauthn
            .start_passkey_authentication(&[])
            .map_err(|e| AuthError::Internal(format!("passkey sign-in: {e}")))?;
        let mut options = serde_json::to_value(options.public_key)
            .map_err(|e| AuthError::Internal(e.to_string()))?;
        let key = crate::services::pool_secret::key(svc, pool).await?;
        let name = pool.username_key(username);
        options["allowCredentials"] =
            json!([{ "type": "public-key", "id": fake_credential_id(&key, &name) }]);
        (options, None)
    } else {
        let (options, state) = rp
            .webauthn
            .start_passkey_authentication(&keys)
            .map_err(|e| AuthError::Internal(format!("passkey sign-in: {e}")))?;
        let options = serde_json::to_value(options.public_key)
            .map_err(|e| AuthError::Internal(e.to_string()))?;
        let state =
            serde_json::to_string(&state).map_err(|e| AuthError::Internal(e.to_string()))?;
        (options, Some(state))
    };
    if let Some(map) = options.as_object_mut() {
        map.retain(|_, v| !v.is_null());
    }
    let token = session::new_token();
    let saved = State::WebAuthn {
        user_sub: user.filter(|_| state.is_some()).map(|u| u.sub.clone()),
        state,
        options: options.to_string(),
    };
    session::save(svc, client, &token, &saved).await?;
    Ok(Challenge {
        name: "WEB_AUTHN".into(),
        parameters: BTreeMap::from([
            ("USERNAME".to_string(), shown.to_string()),
            (
                "CREDENTIAL_REQUEST_OPTIONS".to_string(),
                options.to_string(),
            ),
        ]),
        session: Some(token),
        available: Vec::new(),
    })
}

/// The request options of the WEB_AUTHN challenge `session` of `client`, for the hosted
/// passkey page; None when the session is no longer usable.
pub async fn options(
    svc: &Services,
    client: &UserPoolClient,
    session: &str,
) -> Result<Option<String>, AuthError> {
    Ok(
        match session::peek(svc, client, session, "WEB_AUTHN").await? {
            Some(State::WebAuthn { options, .. }) if !options.is_empty() => Some(options),
            _ => None,
        },
    )
}

/// A credential id for a name without passkeys: keyed by the pool's secret, so it is the same
/// on every try and cannot be told from a real one.
fn fake_credential_id(key: &[u8], username: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(key);
    h.update(b"passkey:");
    h.update(username.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h.finalize())
}

/// RespondToAuthChallenge WEB_AUTHN: `CREDENTIAL` is the browser's assertion
/// (AuthenticationResponseJSON, as a JSON string). A refused passkey counts as a wrong
/// password; the session cannot be used again.
pub async fn answer(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    session: Option<&str>,
    responses: &BTreeMap<String, String>,
) -> Result<gate::Step, AuthError> {
    let username = required(responses, "USERNAME")?;
    let credential = required(responses, "CREDENTIAL")?;
    let token = session
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AuthError::InvalidParameter("Missing required parameter Session".into()))?;
    // A malformed answer leaves the session for a good one.
    let assertion: PublicKeyCredential = serde_json::from_str(credential).map_err(|e| {
        AuthError::InvalidParameter(
            format!("CREDENTIAL is not an authentication response: {e}").into(),
        )
    })?;
    let State::WebAuthn {
        user_sub, state, ..
    } = session::take(svc, client, token, "WEB_AUTHN").await?
    else {
        return Err(AuthError::invalid_session());
    };
    let secret_hash = responses.get("SECRET_HASH").map(String::as_str);
    let user = match &user_sub {
        Some(sub) => svc.store.get_user_by(&pool.id, UserKey::Sub, sub).await?,
        None => None,
    };
    let (Some(user), Some(state)) = (user, state) else {
        check_secret_hash(client, &[username], secret_hash)?;
        return Err(AuthError::incorrect_credentials());
    };
    check_secret_hash(client, &[username, user.username.as_str()], secret_hash)?;
    // USERNAME names the user the challenge is for (the internal name or an alias of it).
    if username != user.username
        && super::lookup(svc, pool, username).await?.map(|u| u.sub) != Some(user.sub.clone())
    {
        return Err(AuthError::invalid_session());
    }
    gate::check_not_locked(svc, &user).await?;
    gate::check_state(&user)?;
    // MFA required meanwhile: only a pool counting a passkey as both factors accepts one.
    let allowed = crate::domain::first_factors::available(&pool.settings, Some(&user), false, true);
    if !allowed.contains(&crate::domain::first_factors::WEB_AUTHN) {
        return Err(AuthError::InvalidParameter(
            crate::domain::Reason::PasskeySignInUnavailable,
        ));
    }
    let state: PasskeyAuthentication =
        serde_json::from_str(&state).map_err(|e| AuthError::Internal(e.to_string()))?;
    let rp = relying_party(svc, pool).await?;
    let result = match rp
        .webauthn
        .finish_passkey_authentication(&assertion, &state)
    {
        Ok(result) => result,
        Err(e) => {
            tracing::info!(pool_id = %pool.id, sub = %user.sub, error = %e, "passkey refused");
            return Err(gate::wrong_password(svc, &user).await);
        }
    };
    // The passkey as stored now (another sign-in may have moved its counter meanwhile).
    let used = svc
        .store
        .passkeys_of_user(&user.sub)
        .await?
        .into_iter()
        .find(|c| parse(c).is_ok_and(|p| p.cred_id() == result.cred_id()));
    let Some(mut record) = used else {
        return Err(gate::wrong_password(svc, &user).await);
    };
    let before = record.passkey.clone();
    let stored_counter = passkeys::sign_counter(&before);
    if result.counter() > 0 && result.counter() <= stored_counter {
        tracing::warn!(pool_id = %pool.id, sub = %user.sub, counter = result.counter(), stored_counter, "passkey counter did not move on: replayed or cloned");
        return Err(gate::wrong_password(svc, &user).await);
    }
    let mut passkey = parse(&record)?;
    passkey.update_credential(&result);
    record.passkey =
        serde_json::to_string(&passkey).map_err(|e| AuthError::Internal(e.to_string()))?;
    record.last_used_at = Some(svc.now());
    if !svc.store.update_passkey_use(&record, &before).await? {
        // Another sign-in with this passkey won the race: not a wrong answer, not counted.
        return Err(AuthError::incorrect_credentials());
    }
    svc.store.clear_sign_in_failures(&user.sub).await?;
    tracing::info!(pool_id = %pool.id, sub = %user.sub, "signed in with a passkey");
    Ok(gate::Step::Proven(user))
}
