//! Passkeys (reference §5.8), with webauthn-rs doing every ceremony: a signed-in user
//! registers one (StartWebAuthnRegistration gives the browser's creation options,
//! CompleteWebAuthnRegistration checks what the authenticator made), lists and deletes them;
//! `auth::passkey` signs in with one. The relying party is the pool's (`domain::passkeys`);
//! the origin, the relying party id hash and the challenge of every ceremony are checked, and
//! the challenge is kept server-side and used once. webauthn-rs requires the user to be
//! verified (a PIN or biometric) for every passkey, whatever `UserVerification` says.

use crate::domain::first_factors::{self, WEB_AUTHN};
use crate::domain::passkeys::{self, CEREMONY_MS, MAX_PER_USER, PasskeyCredential};
use crate::domain::pool::UserPool;
use crate::domain::user::User;
use crate::domain::validate::Violations;
use crate::domain::{AuthError, Reason};
use crate::services::{Services, account, decode_token, encode_token};
use serde_json::Value;
use webauthn_rs::prelude::{
    Passkey, PasskeyRegistration, RegisterPublicKeyCredential, Uuid, Webauthn, WebauthnBuilder,
    WebauthnError,
};

/// The pool's relying party and the webauthn-rs instance for it.
pub(crate) struct RelyingParty {
    pub id: String,
    pub webauthn: Webauthn,
}

/// The relying party of the pool's passkeys, or WebAuthnConfigurationMissingException when
/// the pool has none (no RelyingPartyId, no custom domain, and a server reached by IP).
pub(crate) async fn relying_party(
    svc: &Services,
    pool: &UserPool,
) -> Result<RelyingParty, AuthError> {
    let custom = svc
        .store
        .domains_of_pool(&pool.id)
        .await?
        .into_iter()
        .find(|d| d.kind == "custom")
        .map(|d| d.domain);
    let config = pool.settings.web_authn_configuration.as_ref();
    let id = passkeys::relying_party_id(config, custom.as_deref(), &svc.public_url).ok_or_else(
        || {
            AuthError::WebAuthnConfigurationMissing(
                "The user pool has no relying party id for passkeys: set \
                 WebAuthnConfiguration.RelyingPartyId or give the pool a custom domain."
                    .into(),
            )
        },
    )?;
    let (origins, any_port) = passkeys::origins(&id, &svc.public_url);
    let misconfigured = |e: WebauthnError| {
        AuthError::WebAuthnConfigurationMissing(
            format!("The relying party {id} cannot be used: {e}.").into(),
        )
    };
    let (first, rest) = origins
        .split_first()
        .ok_or_else(|| misconfigured(WebauthnError::Configuration))?;
    let mut builder = WebauthnBuilder::new(&id, first)
        .map_err(misconfigured)?
        .rp_name(&pool.name)
        .allow_subdomains(true)
        .allow_any_port(any_port);
    for origin in rest {
        builder = builder.append_allowed_origin(origin);
    }
    let webauthn = builder.build().map_err(misconfigured)?;
    Ok(RelyingParty { id, webauthn })
}

/// A passkey's credential id as WebAuthn's JSON writes it (base64url, no padding).
pub(crate) fn credential_id(passkey: &Passkey) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(passkey.cred_id().as_ref() as &[u8])
}

/// A stored passkey, as webauthn-rs reads it.
pub(crate) fn parse(credential: &PasskeyCredential) -> Result<Passkey, AuthError> {
    serde_json::from_str(&credential.passkey).map_err(|e| AuthError::Internal(e.to_string()))
}

/// Whether `user` has a passkey of the pool's relying party (None: a user that does not exist
/// has none; a pool without a relying party has none usable).
pub async fn has_passkey(
    svc: &Services,
    pool: &UserPool,
    user: Option<&User>,
) -> Result<bool, AuthError> {
    let Some(user) = user else {
        return Ok(false);
    };
    // Most users have none: no need to work out the relying party then.
    let passkeys = svc.store.passkeys_of_user(&user.sub).await?;
    if passkeys.is_empty() {
        return Ok(false);
    }
    let Ok(rp) = relying_party(svc, pool).await else {
        return Ok(false);
    };
    Ok(passkeys.iter().any(|c| c.relying_party_id == rp.id))
}

/// The user's passkeys of the pool's current relying party (one registered for another, before
/// the pool's relying party changed, can no longer sign in and is not offered).
pub(crate) async fn usable(
    svc: &Services,
    rp: &RelyingParty,
    user: &User,
) -> Result<Vec<PasskeyCredential>, AuthError> {
    let mut all = svc.store.passkeys_of_user(&user.sub).await?;
    all.retain(|c| c.relying_party_id == rp.id);
    Ok(all)
}

/// Whether the hosted pages offer `user`, just signed in, to add a passkey (Cognito's passkey
/// prompt): the pool allows passkey sign-in and has a relying party, and the user has none.
pub async fn prompt_applies(svc: &Services, pool: &UserPool, user: &User) -> bool {
    let allowed = first_factors::available(&pool.settings, Some(user), false, true);
    if !allowed.contains(&WEB_AUTHN) {
        return false;
    }
    // One relying-party lookup: the pool must have one, and the user no passkey of it.
    let Ok(rp) = relying_party(svc, pool).await else {
        return false;
    };
    matches!(usable(svc, &rp, user).await, Ok(list) if list.is_empty())
}

fn not_enabled() -> AuthError {
    AuthError::WebAuthnNotEnabled("Passkey sign-in is not enabled for this user pool.".into())
}

/// Passkeys need the pool to allow `WEB_AUTHN` as a first factor.
fn check_enabled(pool: &UserPool) -> Result<(), AuthError> {
    if first_factors::allowed(&pool.settings)
        .iter()
        .any(|f| f == WEB_AUTHN)
    {
        Ok(())
    } else {
        Err(not_enabled())
    }
}

/// The WebAuthn user handle of `user`: its sub, a UUID.
fn user_handle(user: &User) -> Uuid {
    use sha2::{Digest, Sha256};
    Uuid::parse_str(&user.sub).unwrap_or_else(|_| {
        let digest = Sha256::digest(user.sub.as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        Uuid::from_bytes(bytes)
    })
}

/// StartWebAuthnRegistration: the creation options for the browser
/// (`navigator.credentials.create({publicKey})`), the challenge kept for the user until
/// CompleteWebAuthnRegistration (a newer start replaces it).
pub async fn start_registration(svc: &Services, access_token: &str) -> Result<Value, AuthError> {
    let ctx = account::signed_in(svc, access_token).await?;
    start_registration_for(svc, &ctx.pool, &ctx.user).await
}

/// [`start_registration`] for a user signed in some other way (the hosted pages' prompt).
pub async fn start_registration_for(
    svc: &Services,
    pool: &UserPool,
    user: &User,
) -> Result<Value, AuthError> {
    check_enabled(pool)?;
    let rp = relying_party(svc, pool).await?;
    let existing = svc.store.passkeys_of_user(&user.sub).await?;
    if existing.len() >= MAX_PER_USER {
        return Err(too_many());
    }
    let exclude = existing
        .iter()
        .map(|c| parse(c).map(|p| p.cred_id().clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let display = user
        .attribute("email")
        .or_else(|| user.attribute("phone_number"))
        .unwrap_or(&user.username);
    let (options, state) = rp
        .webauthn
        .start_passkey_registration(user_handle(user), &user.username, display, Some(exclude))
        .map_err(|e| AuthError::Internal(format!("passkey registration: {e}")))?;
    let state = serde_json::to_string(&state).map_err(|e| AuthError::Internal(e.to_string()))?;
    svc.store
        .put_passkey_registration(&user.sub, &state, svc.now() + CEREMONY_MS)
        .await?;
    serde_json::to_value(options.public_key).map_err(|e| AuthError::Internal(e.to_string()))
}

fn too_many() -> AuthError {
    AuthError::LimitExceeded(format!("A user can have at most {MAX_PER_USER} passkeys.").into())
}

/// The error for a ceremony webauthn-rs refused, in Cognito's kinds.
pub(crate) fn refused(e: WebauthnError) -> AuthError {
    use WebauthnError as W;
    let why = || Reason::Text(format!("The passkey was refused: {e}."));
    match e {
        W::MismatchedChallenge | W::ChallengeNotFound => {
            AuthError::WebAuthnChallengeNotFound(why())
        }
        W::InvalidRPOrigin => AuthError::WebAuthnOriginNotAllowed(why()),
        W::InvalidRPIDHash => AuthError::WebAuthnRelyingPartyMismatch(why()),
        W::InvalidClientDataType => AuthError::WebAuthnClientMismatch(why()),
        W::ParseNOMFailure
        | W::ParseCBORFailure(_)
        | W::ParseBase64Failure(_)
        | W::ParseJSONFailure(_)
        | W::ParseInsufficientBytesAvailable => AuthError::InvalidParameter(why()),
        _ => AuthError::WebAuthnCredentialNotSupported(why()),
    }
}

/// CompleteWebAuthnRegistration: `credential` is the browser's RegistrationResponseJSON. The
/// registration started for this user is used once; the new passkey must not be registered
/// already in the pool.
pub async fn complete_registration(
    svc: &Services,
    access_token: &str,
    credential: &Value,
) -> Result<(), AuthError> {
    let ctx = account::signed_in(svc, access_token).await?;
    complete_registration_for(svc, &ctx.pool, &ctx.user, credential).await
}

/// [`complete_registration`] for a user signed in some other way (the hosted pages' prompt).
pub async fn complete_registration_for(
    svc: &Services,
    pool: &UserPool,
    user: &User,
    credential: &Value,
) -> Result<(), AuthError> {
    check_enabled(pool)?;
    let rp = relying_party(svc, pool).await?;
    let response: RegisterPublicKeyCredential = serde_json::from_value(credential.clone())
        .map_err(|e| {
            AuthError::InvalidParameter(
                format!("Credential is not a registration response: {e}").into(),
            )
        })?;
    let state = svc
        .store
        .take_passkey_registration(&user.sub, svc.now())
        .await?
        .ok_or_else(|| {
            AuthError::WebAuthnChallengeNotFound(
                "No passkey registration is under way for the user: call \
                 StartWebAuthnRegistration first."
                    .into(),
            )
        })?;
    let state: PasskeyRegistration =
        serde_json::from_str(&state).map_err(|e| AuthError::Internal(e.to_string()))?;
    let passkey = rp
        .webauthn
        .finish_passkey_registration(&response, &state)
        .map_err(refused)?;
    if svc.store.passkeys_of_user(&user.sub).await?.len() >= MAX_PER_USER {
        return Err(too_many());
    }
    let text = |key: &str| {
        credential
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty() && s.len() <= 64)
            .map(str::to_string)
    };
    let transports = credential
        .pointer("/response/transports")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .filter(|t| t.len() <= 32)
                .take(8)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let record = PasskeyCredential {
        pool_id: pool.id.clone(),
        user_sub: user.sub.clone(),
        credential_id: credential_id(&passkey),
        relying_party_id: rp.id,
        friendly_name: Some(friendly_name(svc.now())),
        attachment: text("authenticatorAttachment")
            .filter(|a| a == "platform" || a == "cross-platform"),
        transports,
        passkey: serde_json::to_string(&passkey).map_err(|e| AuthError::Internal(e.to_string()))?,
        created_at: svc.now(),
        last_used_at: None,
    };
    match svc.store.insert_passkey(&record).await {
        Ok(()) => {}
        Err(e) if e.is_unique_on("webauthn_credentials") => {
            return Err(AuthError::WebAuthnCredentialNotSupported(
                "This passkey is already registered.".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(pool_id = %pool.id, sub = %user.sub, "passkey registered");
    Ok(())
}

/// The name a passkey is listed under (`FriendlyCredentialName`, which Cognito always gives):
/// "Passkey (YYYY-MM-DD)", its registration day.
fn friendly_name(now_ms: i64) -> String {
    let day = time::OffsetDateTime::from_unix_timestamp(now_ms / 1000)
        .map(|t| t.date().to_string())
        .unwrap_or_default();
    format!("Passkey ({day})")
}

/// ListWebAuthnCredentials: a page of the user's passkeys (`MaxResults` 0–20).
pub async fn list(
    svc: &Services,
    access_token: &str,
    max_results: i64,
    next_token: Option<&str>,
) -> Result<(Vec<PasskeyCredential>, Option<String>), AuthError> {
    let ctx = account::signed_in(svc, access_token).await?;
    let all = svc.store.passkeys_of_user(&ctx.user.sub).await?;
    let start = match next_token {
        Some(token) => {
            let after = decode_token(token)?;
            all.iter()
                .position(|c| c.credential_id == after)
                .map(|i| i + 1)
                .ok_or_else(|| AuthError::InvalidParameter("Invalid pagination token.".into()))?
        }
        None => 0,
    };
    let limit = usize::try_from(max_results).unwrap_or(MAX_PER_USER);
    let page: Vec<PasskeyCredential> = all.iter().skip(start).take(limit).cloned().collect();
    let next = (start + page.len() < all.len())
        .then(|| page.last().map(|c| encode_token(&c.credential_id)))
        .flatten();
    Ok((page, next))
}

/// DeleteWebAuthnCredential: ResourceNotFoundException for an id the user has no passkey of.
pub async fn delete(
    svc: &Services,
    access_token: &str,
    credential_id: &str,
) -> Result<(), AuthError> {
    let mut v = Violations::new();
    v.length("CredentialId", Some(credential_id), 1, 1024);
    v.finish()?;
    let ctx = account::signed_in(svc, access_token).await?;
    if !svc
        .store
        .delete_passkey(&ctx.user.sub, credential_id)
        .await?
    {
        return Err(AuthError::ResourceNotFound(
            "The passkey does not exist.".into(),
        ));
    }
    tracing::info!(pool_id = %ctx.pool.id, sub = %ctx.user.sub, "passkey deleted");
    Ok(())
}
