//! The pools' signing keys: made on first need, kept parsed in memory, published as JWKS,
//! rotated by `tessera keys rotate`.
//!
//! - **Lazily made.** A pool gets its two RSA-2048 keys (purpose `id` and `access`, as Cognito
//!   signs ID and access tokens with different keys) the first time it signs a token or serves
//!   its JWKS, not at CreateUserPool: generating a key costs tens of milliseconds of CPU, and
//!   most pools of the test suite (and many real ones: staging, tooling) never issue a token.
//!   Concurrent first uses each generate a pair, but the insert runs under the pool's row lock
//!   and only stores a pair when the pool has none, so all nodes agree on one pair.
//! - **Cached by `kid`.** A key's material never changes under its `kid`, so parsed keys are
//!   kept in memory for good. Which kids *sign* is re-read on every issue with one indexed
//!   query (`signing_keys_pool_idx`), so a rotation by another node or by the CLI takes effect
//!   at the next sign-in everywhere. Verifying an access token needs no query for the key once
//!   its kid has been seen.
//! - **JWKS and discovery documents** are rendered once and served from memory for
//!   [`DOCUMENT_TTL`] (monotonic time, a cache policy and not a domain time). A node that signs
//!   with a kid its cached JWKS lacks drops that JWKS at once; another node's copy may lag by
//!   at most the TTL. Changing a pool's domain drops its discovery document on this node.
//! - **The token paths of a known client** (refresh, client_credentials, the code grant) sign
//!   with [`signing_keys_at`]: the pool's signing keys kept in memory under the pool's
//!   configuration counter, which the request has just confirmed while loading its client
//!   (`client_cache`). A rotation bumps the counter, so it takes effect at the next request on
//!   every node, with no query for the keys in between.

use crate::crypto::jwt::{self, Jwk, SigningKey, VerifyingKey};
use crate::domain::AuthError;
use crate::services::Services;
use crate::services::tokens::USER_ADMIN_SCOPE;
use crate::store::signing_keys::{Retirement, SigningKeyRow};
use crate::telemetry::spawn_blocking_in_span;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long a rendered JWKS or discovery document is served from memory.
pub const DOCUMENT_TTL: Duration = Duration::from_secs(5);

/// How long past the longest token lifetime of its pool's clients a retired key stays in the
/// JWKS (clock skew, relying parties' caches).
pub const PUBLISH_MARGIN_MS: i64 = 3_600_000;

/// The purposes of a pool's two active keys.
pub const PURPOSE_ID: &str = "id";
pub const PURPOSE_ACCESS: &str = "access";

/// A public key trusted for the tokens of one pool.
#[derive(Debug)]
pub struct TrustedKey {
    pub pool_id: String,
    pub key: VerifyingKey,
}

/// The keys a pool signs with now.
#[derive(Debug, Clone)]
pub struct PoolSigningKeys {
    pub id: Arc<SigningKey>,
    pub access: Arc<SigningKey>,
}

#[derive(Debug)]
struct CachedSigners {
    keys: PoolSigningKeys,
    /// The pool's configuration counter, read before the keys were.
    version: i64,
}

#[derive(Debug)]
struct CachedDocument {
    body: Arc<str>,
    kids: Vec<String>,
    rendered: Instant,
}

/// Parsed keys and rendered documents, shared by every clone of [`Services`].
#[derive(Default)]
pub struct KeyCache {
    signing: RwLock<HashMap<String, Arc<SigningKey>>>,
    trusted: RwLock<HashMap<String, Arc<TrustedKey>>>,
    jwks: RwLock<HashMap<String, CachedDocument>>,
    discovery: RwLock<HashMap<String, CachedDocument>>,
    signers: RwLock<HashMap<String, CachedSigners>>,
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyCache")
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

fn internal(e: impl std::fmt::Display) -> AuthError {
    AuthError::Internal(e.to_string())
}

impl KeyCache {
    fn signing_key(&self, row: &SigningKeyRow) -> Result<Arc<SigningKey>, AuthError> {
        if let Some(key) = read(&self.signing).get(&row.kid) {
            return Ok(key.clone());
        }
        let key =
            Arc::new(SigningKey::from_pkcs8_base64(&row.kid, &row.private_key).map_err(internal)?);
        let trusted = Arc::new(TrustedKey {
            pool_id: row.pool_id.clone(),
            key: key.verifying_key().map_err(internal)?,
        });
        write(&self.trusted).insert(row.kid.clone(), trusted);
        write(&self.signing).insert(row.kid.clone(), key.clone());
        Ok(key)
    }

    /// Forgets the rendered documents of a pool (after a rotation or a domain change on this
    /// node).
    pub fn forget_documents(&self, pool_id: &str) {
        write(&self.jwks).remove(pool_id);
        write(&self.discovery).remove(pool_id);
    }

    fn fresh(map: &RwLock<HashMap<String, CachedDocument>>, pool_id: &str) -> Option<Arc<str>> {
        read(map)
            .get(pool_id)
            .filter(|d| d.rendered.elapsed() < DOCUMENT_TTL)
            .map(|d| d.body.clone())
    }
}

/// Generates a pair of keys (id, access) on the blocking pool.
async fn generate_pair(pool_id: &str, now: i64) -> Result<Vec<SigningKeyRow>, AuthError> {
    let keys = spawn_blocking_in_span(|| -> Result<_, jwt::JwtError> {
        Ok([jwt::generate_key()?, jwt::generate_key()?])
    })
    .await
    .map_err(internal)?
    .map_err(internal)?;
    let mut rows = Vec::with_capacity(2);
    for (key, purpose) in keys.into_iter().zip([PURPOSE_ID, PURPOSE_ACCESS]) {
        rows.push(SigningKeyRow {
            kid: key.kid.clone(),
            pool_id: pool_id.to_string(),
            purpose: purpose.to_string(),
            public_jwk: serde_json::to_string(&key.public_jwk).map_err(internal)?,
            private_key: key.private_pkcs8,
            created_at: now,
            retired_at: None,
            publish_until: None,
        });
    }
    Ok(rows)
}

fn pick<'a>(rows: &'a [SigningKeyRow], purpose: &str) -> Option<&'a SigningKeyRow> {
    rows.iter().rev().find(|r| r.purpose == purpose)
}

/// The keys `pool_id` signs with now, made on first need. The pool must exist.
pub async fn signing_keys(svc: &Services, pool_id: &str) -> Result<PoolSigningKeys, AuthError> {
    let mut rows = svc.store.active_signing_keys(pool_id).await?;
    if pick(&rows, PURPOSE_ID).is_none() || pick(&rows, PURPOSE_ACCESS).is_none() {
        let fresh = generate_pair(pool_id, svc.now()).await?;
        rows = svc.store.insert_first_signing_keys(pool_id, &fresh).await?;
        tracing::info!(pool_id, "signing keys created");
    }
    let (Some(id), Some(access)) = (pick(&rows, PURPOSE_ID), pick(&rows, PURPOSE_ACCESS)) else {
        return Err(AuthError::Internal(format!(
            "pool {pool_id} has no active signing keys"
        )));
    };
    let keys = PoolSigningKeys {
        id: svc.keys.signing_key(id)?,
        access: svc.keys.signing_key(access)?,
    };
    forget_jwks_without(svc, pool_id, &keys);
    Ok(keys)
}

/// Drops this node's JWKS of the pool when it lacks a kid about to sign (a document rendered
/// from a read that raced a rotation): relying parties must find every key in use.
fn forget_jwks_without(svc: &Services, pool_id: &str, keys: &PoolSigningKeys) {
    let stale = read(&svc.keys.jwks)
        .get(pool_id)
        .is_some_and(|d| !d.kids.contains(&keys.id.kid) || !d.kids.contains(&keys.access.kid));
    if stale {
        svc.keys.forget_documents(pool_id);
    }
}

/// As [`signing_keys`], from memory when they were read under configuration counter
/// `version` of the pool, which the caller has just found current (see `client_cache`).
pub async fn signing_keys_at(
    svc: &Services,
    pool_id: &str,
    version: i64,
) -> Result<PoolSigningKeys, AuthError> {
    let cached = read(&svc.keys.signers)
        .get(pool_id)
        .filter(|c| c.version == version)
        .map(|c| c.keys.clone());
    if let Some(keys) = cached {
        forget_jwks_without(svc, pool_id, &keys);
        return Ok(keys);
    }
    // The counter first, then the keys: a rotation in between only makes them look older.
    let current = svc.store.config_version(pool_id).await?;
    let keys = signing_keys(svc, pool_id).await?;
    write(&svc.keys.signers).insert(
        pool_id.to_string(),
        CachedSigners {
            keys: keys.clone(),
            version: current,
        },
    );
    Ok(keys)
}

/// The key with this `kid`, if it is one of Tessera's (any pool, any state).
pub async fn trusted_key(svc: &Services, kid: &str) -> Result<Option<Arc<TrustedKey>>, AuthError> {
    if let Some(key) = read(&svc.keys.trusted).get(kid) {
        return Ok(Some(key.clone()));
    }
    let Some(row) = svc.store.get_signing_key(kid).await? else {
        return Ok(None);
    };
    svc.keys.signing_key(&row)?;
    Ok(read(&svc.keys.trusted).get(kid).cloned())
}

/// `{iss}`: the issuer of a pool's tokens.
pub fn issuer(svc: &Services, pool_id: &str) -> String {
    format!("{}/{pool_id}", svc.public_url)
}

/// The pool's JWKS document (`{"keys":[…]}`): active keys and retired ones still published.
pub async fn jwks(svc: &Services, pool_id: &str) -> Result<Arc<str>, AuthError> {
    if let Some(body) = KeyCache::fresh(&svc.keys.jwks, pool_id) {
        return Ok(body);
    }
    svc.require_pool(pool_id).await?;
    let mut rows = svc.store.published_signing_keys(pool_id, svc.now()).await?;
    if !rows.iter().any(|r| r.retired_at.is_none()) {
        signing_keys(svc, pool_id).await?;
        rows = svc.store.published_signing_keys(pool_id, svc.now()).await?;
    }
    let mut keys: Vec<Jwk> = Vec::with_capacity(rows.len());
    for row in &rows {
        keys.push(serde_json::from_str(&row.public_jwk).map_err(internal)?);
    }
    let body: Arc<str> = serde_json::json!({ "keys": keys }).to_string().into();
    write(&svc.keys.jwks).insert(
        pool_id.to_string(),
        CachedDocument {
            body: body.clone(),
            kids: rows.into_iter().map(|r| r.kid).collect(),
            rendered: Instant::now(),
        },
    );
    Ok(body)
}

/// The claims ID tokens and userInfo may carry (`claims_supported`).
const CLAIMS_SUPPORTED: &[&str] = &[
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "at_hash",
    "token_use",
    "cognito:username",
    "cognito:groups",
    "username",
    "email",
    "email_verified",
    "phone_number",
    "phone_number_verified",
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "updated_at",
    "address",
];

/// The pool's OpenID Provider metadata (`/.well-known/openid-configuration`): Cognito's shape
/// (reference §1.8) plus what spec-following relying parties look for (revocation and
/// end-session endpoints, PKCE methods, grant types, response modes, claims). `issuer` and
/// `jwks_uri` are `{PUBLIC_URL}/{poolId}`; the endpoints are on the pool's domain when it has
/// one, else under `{PUBLIC_URL}/{poolId}` too (`site::public_base`). `scopes_supported` names
/// the pool's custom scopes as well (a resource-server change shows within [`DOCUMENT_TTL`]).
pub async fn discovery(svc: &Services, pool_id: &str) -> Result<Arc<str>, AuthError> {
    if let Some(body) = KeyCache::fresh(&svc.keys.discovery, pool_id) {
        return Ok(body);
    }
    svc.require_pool(pool_id).await?;
    let iss = issuer(svc, pool_id);
    let base = crate::services::oauth::site::public_base(svc, pool_id).await?;
    let standard = ["openid", "email", "phone", "profile", USER_ADMIN_SCOPE];
    let mut scopes: Vec<String> = standard.iter().map(|s| s.to_string()).collect();
    for server in svc.store.resource_servers_of_pool(pool_id).await? {
        scopes.extend(server.full_scopes());
    }
    let auth_methods = ["client_secret_basic", "client_secret_post", "none"];
    let body: Arc<str> = serde_json::json!({
        "authorization_endpoint": format!("{base}/oauth2/authorize"),
        "claims_supported": CLAIMS_SUPPORTED,
        "code_challenge_methods_supported": ["S256"],
        "end_session_endpoint": format!("{base}/logout"),
        "grant_types_supported": [
            "authorization_code",
            "implicit",
            "refresh_token",
            "client_credentials"
        ],
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": iss,
        "jwks_uri": format!("{iss}/.well-known/jwks.json"),
        "response_modes_supported": ["query", "fragment"],
        "response_types_supported": ["code", "token"],
        "revocation_endpoint": format!("{base}/oauth2/revoke"),
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "scopes_supported": scopes,
        "subject_types_supported": ["public"],
        "token_endpoint": format!("{base}/oauth2/token"),
        "token_endpoint_auth_methods_supported": auth_methods,
        "userinfo_endpoint": format!("{base}/oauth2/userInfo"),
    })
    .to_string()
    .into();
    write(&svc.keys.discovery).insert(
        pool_id.to_string(),
        CachedDocument {
            body: body.clone(),
            kids: Vec::new(),
            rendered: Instant::now(),
        },
    );
    Ok(body)
}

/// What a rotation did to one pool.
#[derive(Debug, Clone)]
pub struct Rotation {
    pub pool_id: String,
    pub new_kids: Vec<String>,
    /// Until when the retired keys stay in the JWKS (epoch ms).
    pub publish_until: i64,
}

/// The longest ID or access token lifetime of the pool's clients, in ms (1 hour, Cognito's
/// default, when it has none).
async fn longest_token_lifetime(svc: &Services, pool_id: &str) -> Result<i64, AuthError> {
    use crate::domain::token_validity::unit_seconds;
    let mut longest = 3_600;
    let mut after: Option<String> = None;
    loop {
        let page = svc
            .store
            .list_clients(pool_id, after.as_deref(), 500)
            .await?;
        for c in &page {
            let s = &c.settings;
            let units = &s.token_validity_units;
            longest = longest
                .max(s.id_token_validity * unit_seconds(&units.id_token))
                .max(s.access_token_validity * unit_seconds(&units.access_token));
        }
        match page.last() {
            Some(last) if page.len() == 500 => after = Some(last.id.clone()),
            _ => break,
        }
    }
    Ok(longest * 1000)
}

/// `tessera keys rotate`: new id and access keys sign from now on; the old ones stop signing
/// and stay published until every token they signed has expired (the pool's longest token
/// lifetime plus [`PUBLISH_MARGIN_MS`]); retired keys past that are deleted.
pub async fn rotate(svc: &Services, pool_id: &str) -> Result<Rotation, AuthError> {
    svc.require_pool(pool_id).await?;
    let now = svc.now();
    let publish_until = now + longest_token_lifetime(svc, pool_id).await? + PUBLISH_MARGIN_MS;
    let rows = generate_pair(pool_id, now).await?;
    svc.store
        .rotate_signing_keys(pool_id, &rows, Retirement { now, publish_until })
        .await?;
    svc.keys.forget_documents(pool_id);
    write(&svc.keys.signers).remove(pool_id);
    tracing::info!(pool_id, "signing keys rotated");
    Ok(Rotation {
        pool_id: pool_id.to_string(),
        new_kids: rows.into_iter().map(|r| r.kid).collect(),
        publish_until,
    })
}

/// Rotates every pool's keys.
pub async fn rotate_all(svc: &Services) -> Result<Vec<Rotation>, AuthError> {
    let mut done = Vec::new();
    for pool_id in svc.store.all_pool_ids().await? {
        done.push(rotate(svc, &pool_id).await?);
    }
    Ok(done)
}
