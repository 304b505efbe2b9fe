//! Token issuing and checking (DESIGN §2 Tokens, reference §4): RS256 ID and access tokens
//! signed with the pool's two keys (see `keys`), opaque refresh tokens stored hashed, one
//! `token_origins` row per sign-in (its `origin_jti`), refresh, revocation and global sign-out.
//!
//! Revocation is enforced where Tessera itself checks tokens ([`authenticate`], refresh), as
//! Cognito does: a revoked token still verifies cryptographically for third parties.

use crate::clock::Millis;
use crate::crypto::jwt::{UnverifiedToken, looks_like_jwt};
use crate::crypto::{constant_time_eq, random};
use crate::domain::client::UserPoolClient;
use crate::domain::group::{self, Group};
use crate::domain::mfa::UserMfa;
use crate::domain::pool::UserPool;
use crate::domain::token_claims::{self, TokenFacts};
use crate::domain::token_validity::unit_seconds;
use crate::domain::triggers::Trigger;
use crate::domain::user::User;
use crate::domain::{AuthError, Reason};
use crate::services::Services;
use crate::services::admin::groups::groups_for_claims;
use crate::services::client_cache::{self, ClientContext};
use crate::services::keys;
pub use crate::services::triggers::TokenSource;
use crate::services::triggers::{self, Caller, Metadata};
use crate::store::tokens::{RefreshTokenRecord, TokenOrigin};
use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The scope every token issued through the JSON API carries; the self-service actions
/// (GetUser, ChangePassword, …) require it.
pub const USER_ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// Cognito's `AuthenticationResultType`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticationResult {
    pub access_token: String,
    pub id_token: String,
    /// Absent on a refresh without rotation.
    pub refresh_token: Option<String>,
    /// Lifetime of the access token, in seconds.
    pub expires_in: i64,
    /// A sign-in on a device the pool did not know yet: the device to confirm.
    pub new_device: Option<crate::services::devices::NewDeviceMetadata>,
}

/// What a completed sign-in is issued tokens for.
#[derive(Debug, Clone)]
pub struct SignIn<'a> {
    pub pool: &'a UserPool,
    pub client: &'a UserPoolClient,
    pub user: &'a User,
    /// When the user authenticated (epoch ms); becomes `auth_time`.
    pub auth_time: Millis,
    /// Scopes of the access token (`[USER_ADMIN_SCOPE]` for the JSON API).
    pub scopes: Vec<String>,
    /// OIDC nonce (authorize flows only).
    pub nonce: Option<String>,
    /// Whether the ID token carries `at_hash` (tokens issued through the OAuth endpoints).
    pub at_hash: bool,
    /// The pool's configuration counter the request confirmed with its client (a
    /// `client_cache::ClientContext`): the signing keys come from memory under it. None reads
    /// them.
    pub config_version: Option<i64>,
    /// What the PreTokenGeneration trigger is told about this issue.
    pub source: TokenSource,
    /// The request's `ClientMetadata`, for the PreTokenGeneration trigger.
    pub client_metadata: Option<&'a Metadata>,
    /// The remembered device the sign-in is made on (its refresh tokens are bound to it).
    pub device_key: Option<String>,
}

/// An access token that passed every check, with what it names.
#[derive(Debug, Clone)]
pub struct AccessContext {
    pub pool: UserPool,
    pub user: User,
    /// The user's MFA settings, read with the token's checks.
    pub mfa: UserMfa,
    /// The client the token was issued to (from the client cache, current at this request).
    pub client: UserPoolClient,
    pub client_id: String,
    pub origin_jti: String,
    pub scopes: Vec<String>,
    /// `auth_time` of the sign-in (epoch seconds).
    pub auth_time: i64,
}

/// Token lifetimes of a client, in seconds.
struct Lifetimes {
    id: i64,
    access: i64,
    refresh: i64,
}

fn lifetimes(client: &UserPoolClient) -> Lifetimes {
    let s = &client.settings;
    let u = &s.token_validity_units;
    Lifetimes {
        id: s.id_token_validity * unit_seconds(&u.id_token),
        access: s.access_token_validity * unit_seconds(&u.access_token),
        refresh: s.refresh_token_validity * unit_seconds(&u.refresh_token),
    }
}

/// A new opaque refresh token: 48 random bytes, base64url (`[A-Za-z0-9-_]`, 64 characters).
fn new_refresh_token() -> String {
    let bytes: [u8; 48] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// How a refresh token is stored: its SHA-256, hex.
fn refresh_token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Signs the ID and access tokens of one issue.
#[allow(clippy::too_many_arguments)]
async fn sign_pair(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    user: &User,
    origin_jti: &str,
    auth_time_ms: Millis,
    scopes: &[String],
    nonce: Option<&str>,
    at_hash: bool,
    config_version: Option<i64>,
    groups: Option<Vec<Group>>,
    source: TokenSource,
    client_metadata: Option<&Metadata>,
    device_key: Option<&str>,
) -> Result<(String, String, i64), AuthError> {
    let signing = match config_version {
        Some(version) => keys::signing_keys_at(svc, &pool.id, version).await?,
        None => keys::signing_keys(svc, &pool.id).await?,
    };
    let groups = match groups {
        Some(mut groups) => {
            group::sort_by_precedence(&mut groups);
            groups
        }
        None => groups_for_claims(svc, user).await?,
    };
    let life = lifetimes(client);
    let now = svc.now() / 1000;
    let issuer = keys::issuer(svc, &pool.id);
    let event_id = random::uuid();
    let facts = TokenFacts {
        issuer: &issuer,
        client_id: &client.id,
        user,
        groups: &groups,
        auth_time: auth_time_ms / 1000,
        issued_at: now,
        origin_jti,
        event_id: &event_id,
        device_key,
    };
    let mut id_claims = token_claims::id_token(
        &facts,
        &client.settings.read_attributes,
        now + life.id,
        &random::uuid(),
        nonce,
    );
    let mut access_claims =
        token_claims::access_token(&facts, scopes, now + life.access, &random::uuid());
    if triggers::is_set(pool, Trigger::PreTokenGeneration) {
        let names: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
        let caller = Caller {
            client_id: Some(&client.id),
            client_metadata,
        };
        let overrides =
            triggers::pre_token_generation(svc, pool, user, &names, scopes, source, caller).await?;
        if let Some(o) = overrides {
            o.apply_to_id(&mut id_claims);
            o.apply_to_access(&mut access_claims);
        }
    }
    let sign_err = |e: crate::crypto::jwt::JwtError| AuthError::Internal(e.to_string());
    let access_token = signing.access.sign(&access_claims).map_err(sign_err)?;
    if at_hash {
        id_claims.insert(
            "at_hash".into(),
            token_claims::at_hash(&access_token).into(),
        );
    }
    let id_token = signing.id.sign(&id_claims).map_err(sign_err)?;
    crate::metrics::tokens_issued(match source {
        TokenSource::HostedAuth => "hosted",
        TokenSource::Authentication | TokenSource::NewPasswordChallenge => "sign_in",
        TokenSource::RefreshTokens => "refresh_token",
    });
    Ok((id_token, access_token, life.access))
}

/// Issues ID, access and refresh tokens for a sign-in (one new `origin_jti`).
pub async fn issue(svc: &Services, sign_in: SignIn<'_>) -> Result<AuthenticationResult, AuthError> {
    issue_with_origin(svc, sign_in)
        .await
        .map(|(result, _)| result)
}

/// As [`issue`], also returning the new sign-in's `origin_jti` (the code grant records it, so
/// that a replayed code can revoke what it issued).
pub async fn issue_with_origin(
    svc: &Services,
    sign_in: SignIn<'_>,
) -> Result<(AuthenticationResult, String), AuthError> {
    let now = svc.now();
    let origin = TokenOrigin {
        origin_jti: random::uuid(),
        pool_id: sign_in.pool.id.clone(),
        client_id: sign_in.client.id.clone(),
        user_id: sign_in.user.sub.clone(),
        auth_time: sign_in.auth_time,
        scopes: sign_in.scopes.join(" "),
        created_at: now,
        expires_at: now + lifetimes(sign_in.client).refresh * 1000,
        revoked_at: None,
        device_key: sign_in.device_key.clone(),
    };
    let (id_token, access_token, expires_in) = sign_pair(
        svc,
        sign_in.pool,
        sign_in.client,
        sign_in.user,
        &origin.origin_jti,
        sign_in.auth_time,
        &sign_in.scopes,
        sign_in.nonce.as_deref(),
        sign_in.at_hash,
        sign_in.config_version,
        None,
        sign_in.source,
        sign_in.client_metadata,
        sign_in.device_key.as_deref(),
    )
    .await?;
    let refresh_token = new_refresh_token();
    svc.store
        .insert_token_origin(&origin, &refresh_token_hash(&refresh_token))
        .await?;
    let result = AuthenticationResult {
        access_token,
        id_token,
        refresh_token: Some(refresh_token),
        expires_in,
        new_device: None,
    };
    Ok((result, origin.origin_jti))
}

/// A machine-to-machine access token for the client_credentials grant (reference §4.3): signed
/// with the pool's access key from [`keys::signing_keys_at`], valid for the client's
/// access-token validity; nothing is stored (there is no sign-in to revoke). Returns the token
/// and its lifetime in seconds.
pub async fn client_credentials_token(
    svc: &Services,
    ctx: &ClientContext,
    scopes: &[String],
) -> Result<(String, i64), AuthError> {
    let client = &ctx.client;
    let signing = keys::signing_keys_at(svc, &client.pool_id, ctx.version).await?;
    let lifetime = lifetimes(client).access;
    let now = svc.now() / 1000;
    let mut claims = token_claims::client_credentials_access_token(
        &keys::issuer(svc, &client.pool_id),
        &client.id,
        scopes,
        now,
        now + lifetime,
        &random::uuid(),
    );
    if triggers::is_set(&ctx.pool, Trigger::PreTokenGeneration)
        && let Some(o) =
            triggers::pre_token_generation_for_client(svc, &ctx.pool, &client.id, scopes).await?
    {
        o.apply_to_access(&mut claims);
    }
    let token = signing
        .access
        .sign(&claims)
        .map_err(|e| AuthError::Internal(e.to_string()))?;
    crate::metrics::tokens_issued("client_credentials");
    Ok((token, lifetime))
}

fn invalid_refresh_token() -> AuthError {
    AuthError::NotAuthorized("Invalid Refresh Token".into())
}

fn rotates(client: &UserPoolClient) -> Option<i64> {
    client
        .settings
        .refresh_token_rotation
        .as_ref()
        .filter(|r| r.feature == "ENABLED")
        .map(|r| r.retry_grace_period_seconds.unwrap_or(0))
}

/// REFRESH_TOKEN_AUTH / GetTokensFromRefreshToken: new ID and access tokens for a valid,
/// unrevoked refresh token of this client; a new refresh token only when the client rotates
/// (`rotate` says whether the caller's action allows rotation). The user must still exist and
/// be enabled.
///
/// With rotation, a replaced refresh token keeps working for the client's
/// `RetryGracePeriodSeconds`; used after that it is a replay, and the whole family is revoked
/// (RefreshTokenReuseException). The family's expiry is fixed at sign-in (no sliding window).
pub async fn refresh(
    svc: &Services,
    ctx: &ClientContext,
    refresh_token: &str,
    rotate: bool,
    client_metadata: Option<&Metadata>,
    device_key: Option<&str>,
) -> Result<AuthenticationResult, AuthError> {
    let found = find_refresh(svc, refresh_token).await?;
    refresh_found(svc, ctx, found, rotate, client_metadata, device_key).await
}

/// A refresh token as read, once, by [`find_refresh`]: its hash and, when it is known, its
/// family, user and the user's groups.
pub struct FoundRefresh {
    hash: String,
    found: Option<(RefreshTokenRecord, User, Vec<Group>)>,
}

impl FoundRefresh {
    /// The internal username of the user the token was issued to, if it is a token of this
    /// client (REFRESH_TOKEN_AUTH's SECRET_HASH is computed over it).
    pub fn username_for(&self, client: &UserPoolClient) -> Option<&str> {
        self.found
            .as_ref()
            .filter(|(r, _, _)| {
                r.origin.client_id == client.id && r.origin.pool_id == client.pool_id
            })
            .map(|(_, user, _)| user.username.as_str())
    }
}

/// Reads a refresh token (one query), to check the client's SECRET_HASH against its owner
/// before [`refresh_found`] uses it.
pub async fn find_refresh(svc: &Services, refresh_token: &str) -> Result<FoundRefresh, AuthError> {
    let hash = refresh_token_hash(refresh_token);
    let found = svc.store.refresh_token_with_user(&hash).await?;
    Ok(FoundRefresh { hash, found })
}

/// [`refresh`] with the token already read.
pub async fn refresh_found(
    svc: &Services,
    ctx: &ClientContext,
    found: FoundRefresh,
    rotate: bool,
    client_metadata: Option<&Metadata>,
    device_key: Option<&str>,
) -> Result<AuthenticationResult, AuthError> {
    let (pool, client) = (&ctx.pool, &ctx.client);
    let now = svc.now();
    let hash = found.hash;
    let (record, user, groups) = found.found.ok_or_else(invalid_refresh_token)?;
    let origin = record.origin;
    let same_client = constant_time_eq(origin.client_id.as_bytes(), client.id.as_bytes());
    if !same_client || origin.pool_id != pool.id {
        return Err(invalid_refresh_token());
    }
    if origin.revoked_at.is_some() {
        return Err(AuthError::NotAuthorized(
            "Refresh Token has been revoked".into(),
        ));
    }
    if now >= origin.expires_at {
        return Err(AuthError::NotAuthorized("Refresh Token has expired".into()));
    }
    // A sign-in made on a device refreshes only with that device's key, while the device is
    // remembered by the pool (ForgetDevice ends its refreshes; its access tokens run out).
    if let Some(bound) = &origin.device_key {
        let given = device_key.is_some_and(|g| constant_time_eq(g.as_bytes(), bound.as_bytes()));
        if !given || svc.store.get_device(bound).await?.is_none() {
            return Err(invalid_refresh_token());
        }
    }
    let rotation = rotates(client);
    if let Some(superseded_at) = record.superseded_at {
        let grace_ms = rotation.unwrap_or(0) * 1000;
        // No grace period: any use after the replacement is a replay, even in the same ms.
        if grace_ms == 0 || now > superseded_at + grace_ms {
            return Err(reused(svc, pool, client, &origin.origin_jti, now).await);
        }
    }
    if !user.enabled {
        return Err(AuthError::NotAuthorized(Reason::UserDisabled));
    }
    // An administrator reset the password: the user must set a new one before going on.
    if user.status == crate::domain::user::UserStatus::ResetRequired {
        return Err(AuthError::PasswordResetRequired(
            "Password reset required for the user".into(),
        ));
    }
    let scopes: Vec<String> = origin
        .scopes
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let (id_token, access_token, expires_in) = sign_pair(
        svc,
        pool,
        client,
        &user,
        &origin.origin_jti,
        origin.auth_time,
        &scopes,
        None,
        false,
        Some(ctx.version),
        Some(groups),
        TokenSource::RefreshTokens,
        client_metadata,
        origin.device_key.as_deref(),
    )
    .await?;
    let new_refresh = match rotation {
        Some(grace_seconds) if rotate => {
            let token = new_refresh_token();
            // Without a grace period, a token that a parallel request has just rotated is a
            // replay like any later use: only one of them gets a successor.
            let only_if_current = grace_seconds == 0;
            let rotated = svc
                .store
                .rotate_refresh_token(
                    &hash,
                    &refresh_token_hash(&token),
                    &origin.origin_jti,
                    now,
                    only_if_current,
                )
                .await?;
            if !rotated {
                return Err(reused(svc, pool, client, &origin.origin_jti, now).await);
            }
            Some(token)
        }
        _ => None,
    };
    Ok(AuthenticationResult {
        access_token,
        id_token,
        refresh_token: new_refresh,
        expires_in,
        new_device: None,
    })
}

/// A replaced refresh token was used again: its whole sign-in is revoked.
async fn reused(
    svc: &Services,
    pool: &UserPool,
    client: &UserPoolClient,
    origin_jti: &str,
    now: Millis,
) -> AuthError {
    if let Err(e) = svc.store.revoke_token_origin(origin_jti, now).await {
        return e.into();
    }
    tracing::warn!(pool_id = %pool.id, client_id = %client.id, "replaced refresh token reused; its sign-in is revoked");
    AuthError::RefreshTokenReuse("Refresh Token has been reused; the sign-in is revoked.".into())
}

/// The access-token claims [`authenticate`] reads.
#[derive(Deserialize)]
struct AccessClaims {
    iss: String,
    token_use: String,
    exp: i64,
    origin_jti: String,
    client_id: String,
    #[serde(default)]
    scope: String,
    auth_time: i64,
    sub: String,
}

fn invalid_access_token() -> AuthError {
    AuthError::NotAuthorized("Invalid Access Token".into())
}

/// Checks an access token: signature with the pool's key, `token_use=access`, not expired,
/// issuer, origin not revoked, user still present. Failures are NotAuthorizedException with
/// Cognito's messages ("Invalid Access Token", "Access Token has expired", "Access Token has
/// been revoked").
///
/// The key is found by `kid` among Tessera's keys and must belong to the pool named by `iss`;
/// only RS256 is accepted. A token of a deleted user is "Access Token has been revoked" (the
/// user's sign-ins went with it); of a disabled user, "User is disabled.". After the signature
/// (no query once the kid is cached) it costs one query by primary keys joining the sign-in,
/// the user and the user's MFA settings; the client and its pool come from memory while the
/// pool's configuration counter stands ([`client_cache`]), so GetUser and userInfo need nothing
/// more. A token whose client is gone is revoked (deleting a client ends its sign-ins).
pub async fn authenticate(svc: &Services, access_token: &str) -> Result<AccessContext, AuthError> {
    let token = UnverifiedToken::parse(access_token).map_err(|_| invalid_access_token())?;
    if token.header.alg != "RS256" {
        return Err(invalid_access_token());
    }
    let kid = token
        .header
        .kid
        .as_deref()
        .ok_or_else(invalid_access_token)?;
    let key = keys::trusted_key(svc, kid)
        .await?
        .ok_or_else(invalid_access_token)?;
    let verified = key.key.verify(&token).map_err(|_| invalid_access_token())?;
    let claims: AccessClaims = verified.claims().map_err(|_| invalid_access_token())?;
    if claims.token_use != "access" || claims.iss != keys::issuer(svc, &key.pool_id) {
        return Err(invalid_access_token());
    }
    if svc.now() / 1000 >= claims.exp {
        return Err(AuthError::NotAuthorized("Access Token has expired".into()));
    }
    let revoked = || AuthError::NotAuthorized("Access Token has been revoked".into());
    let record = svc
        .store
        .access_record(&claims.origin_jti)
        .await?
        .ok_or_else(revoked)?;
    if record.origin_pool_id != key.pool_id
        || record.client_id != claims.client_id
        || record.user.sub != claims.sub
    {
        return Err(invalid_access_token());
    }
    if record.revoked_at.is_some() {
        return Err(revoked());
    }
    if !record.user.enabled {
        return Err(AuthError::NotAuthorized(Reason::UserDisabled));
    }
    let context = client_cache::client_context_at(
        svc,
        &record.client_id,
        &record.origin_pool_id,
        record.config_version,
    );
    let (pool, client) = match context.await {
        // A family's client is in its pool; anything else is not a token Tessera issued.
        Ok(ctx) if ctx.pool.id == record.origin_pool_id => (ctx.pool.clone(), ctx.client.clone()),
        Ok(_) => return Err(invalid_access_token()),
        // The client was deleted between the two reads (deleting a client ends its
        // sign-ins): as if the first read had seen it gone.
        Err(AuthError::ResourceNotFound(_)) => return Err(revoked()),
        Err(e) => return Err(e),
    };
    Ok(AccessContext {
        pool,
        user: record.user,
        mfa: record.mfa,
        client,
        client_id: claims.client_id,
        origin_jti: claims.origin_jti,
        scopes: claims
            .scope
            .split_whitespace()
            .map(str::to_string)
            .collect(),
        auth_time: claims.auth_time,
    })
}

/// As [`authenticate`], and the token must carry [`USER_ADMIN_SCOPE`] (the self-service
/// actions).
pub async fn authenticate_user(
    svc: &Services,
    access_token: &str,
) -> Result<AccessContext, AuthError> {
    let ctx = authenticate(svc, access_token).await?;
    if !ctx.scopes.iter().any(|s| s == USER_ADMIN_SCOPE) {
        return Err(AuthError::NotAuthorized(
            "Access Token does not have required scopes".into(),
        ));
    }
    Ok(ctx)
}

/// RevokeToken: revokes a refresh token of this client and every token of its sign-in.
///
/// The client must allow revocation (UnsupportedOperationException); only refresh tokens are
/// revocable (an ID or access token is UnsupportedTokenTypeException); a token of another
/// client is UnauthorizedException (RFC 7009 §2.1); an unknown token is accepted silently
/// (RFC 7009 §2.2). The caller has authenticated the client (ClientSecret).
pub async fn revoke(svc: &Services, client: &UserPoolClient, token: &str) -> Result<(), AuthError> {
    if !client.settings.enable_token_revocation {
        return Err(AuthError::UnsupportedOperation(
            "Token revocation is not enabled for this client.".into(),
        ));
    }
    if looks_like_jwt(token) {
        return Err(AuthError::UnsupportedTokenType(
            "Only refresh tokens can be revoked.".into(),
        ));
    }
    let Some(record) = svc
        .store
        .find_refresh_token(&refresh_token_hash(token))
        .await?
    else {
        return Ok(());
    };
    if !constant_time_eq(record.origin.client_id.as_bytes(), client.id.as_bytes()) {
        return Err(AuthError::Unauthorized(
            "The token was not issued to this client.".into(),
        ));
    }
    svc.store
        .revoke_token_origin(&record.origin.origin_jti, svc.now())
        .await?;
    let mut event = crate::domain::audit::AuditEvent::new(
        crate::domain::audit::SECURITY,
        "TokenRevoked",
        "success",
    );
    event.pool_id = Some(record.origin.pool_id.clone());
    event.user_sub = Some(record.origin.user_id.clone());
    event.reason = Some(client.id.clone());
    svc.audit.record(event, svc.now());
    Ok(())
}

/// GlobalSignOut / AdminUserGlobalSignOut: revokes every sign-in of the user, ends their
/// hosted-UI sessions and uses up their unexchanged authorization codes.
pub async fn global_sign_out(svc: &Services, user: &User) -> Result<(), AuthError> {
    let now = svc.now();
    // The hosted-UI sessions end too, so no authorize request signs the user in silently, and
    // codes not yet exchanged, which would start new sign-ins, are used up: all in one
    // transaction.
    let (revoked, sessions) = svc.store.sign_out_user(&user.sub, now).await?;
    tracing::info!(pool_id = %user.pool_id, revoked, sessions, "global sign-out");
    crate::services::audit::security(
        svc,
        &user.pool_id,
        "GlobalSignOut",
        "success",
        Some(user),
        None,
        None,
    );
    Ok(())
}
