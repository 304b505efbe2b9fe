//! The pools' signing keys: made on first need, kept parsed in memory, published as JWKS,
//! rotated by `tessera keys rotate`.
//!
//! - **Lazily made.** A pool gets its two RSA-2048 keys (purpose `id` and `access`, as Cognito
//!   signs ID and access tokens with different keys) the first time it signs a token or serves
//!   its JWKS, not at CreateUserPool: generating a key costs tens of milliseconds of CPU, and
//!   most pools of the test suite (and many real ones: staging, tooling) never issue a token.
//!   Concurrent first uses each generate a pair, but the insert runs under the pool's row lock
//!   and only stores a pair when the pool has none, so all nodes agree on one pair.
//! - **Published before they sign.** A rotation stores the new pair at once, so it is in the
//!   JWKS of every node from the next request on, and lets it sign only [`SIGNING_LEAD_MS`]
//!   later; the old pair signs until then. No node ever issues a token whose key another node
//!   does not publish, and relying parties that refresh their JWKS periodically have the key
//!   before they meet it.
//! - **Cached by `kid`.** A key's material never changes under its `kid`, so parsed keys are
//!   kept in memory for good. Verifying an access token needs no query for the key once its kid
//!   has been seen.
//! - **Everything else follows the pool's configuration counter** (`store::config_versions`),
//!   which every change to the pool's keys, clients, domains and resource servers bumps: the
//!   signing keys of the token paths ([`signing_keys_at`]), the JWKS and the discovery document
//!   are kept in memory tagged with the counter they were read under, and used only while it
//!   stands (and until the next moment a key starts or stops signing or leaves the JWKS). The
//!   token paths confirm the counter at every request. A document re-reads it at most every
//!   [`DOCUMENT_RECHECK`]: a counter read per request cost JWKS and discovery 80% of their
//!   throughput (9,100 against 48,800 req/CPU-s on SQLite, 2026-12-07), far below DESIGN §5's
//!   50,000; keys sign [`SIGNING_LEAD_MS`] after they are published, well after every node's
//!   documents have followed.

use crate::crypto::jwt::{self, Jwk, SigningKey, VerifyingKey};
use crate::domain::AuthError;
use crate::services::Services;
use crate::services::tokens::USER_ADMIN_SCOPE;
use crate::store::signing_keys::{Retirement, SigningKeyRow};
use crate::telemetry::spawn_blocking_in_span;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long a node serves a cached JWKS or discovery document before it reads the pool's
/// configuration counter again (monotonic time: a cache policy, not a domain time).
pub const DOCUMENT_RECHECK: Duration = Duration::from_secs(1);

/// How long after a rotation the new keys start signing (they are published at once).
pub const SIGNING_LEAD_MS: i64 = 10_000;

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

/// Something read from the pool's configuration, good while the pool's configuration counter
/// is `version` and the time is before `until` (epoch ms; None: no end).
#[derive(Debug)]
struct Cached<T> {
    value: T,
    /// The pool's configuration counter, read before the value was.
    version: i64,
    until: Option<i64>,
    /// When the counter was last found to be `version`.
    checked: Instant,
}

impl<T: Clone> Cached<T> {
    fn new(value: T, version: i64, until: Option<i64>) -> Self {
        Cached {
            value,
            version,
            until,
            checked: Instant::now(),
        }
    }

    fn get(
        map: &RwLock<HashMap<String, Cached<T>>>,
        pool_id: &str,
        version: i64,
        now: i64,
    ) -> Option<T> {
        read(map)
            .get(pool_id)
            .filter(|c| c.version == version && c.until.is_none_or(|until| now < until))
            .map(|c| c.value.clone())
    }

    fn put(map: &RwLock<HashMap<String, Cached<T>>>, pool_id: &str, cached: Cached<T>) {
        write(map).insert(pool_id.to_string(), cached);
    }
}

/// A document of the pool from `map` while it is current; else the pool's configuration
/// counter, read before rendering the document anew. The counter is read only when the
/// document was last confirmed more than [`DOCUMENT_RECHECK`] ago.
async fn cached_document(
    svc: &Services,
    map: &RwLock<HashMap<String, Cached<Arc<str>>>>,
    pool_id: &str,
    now: i64,
) -> Result<Result<Arc<str>, i64>, AuthError> {
    let recent = read(map)
        .get(pool_id)
        .filter(|c| c.checked.elapsed() < DOCUMENT_RECHECK && c.until.is_none_or(|u| now < u))
        .map(|c| c.value.clone());
    if let Some(body) = recent {
        return Ok(Ok(body));
    }
    let version = svc.store.config_version(pool_id).await?;
    if let Some(cached) = write(map).get_mut(pool_id)
        && cached.version == version
        && cached.until.is_none_or(|u| now < u)
    {
        cached.checked = Instant::now();
        return Ok(Ok(cached.value.clone()));
    }
    Ok(Err(version))
}

/// Parsed keys and rendered documents, shared by every clone of [`Services`].
#[derive(Default)]
pub struct KeyCache {
    signing: RwLock<HashMap<String, Arc<SigningKey>>>,
    trusted: RwLock<HashMap<String, Arc<TrustedKey>>>,
    jwks: RwLock<HashMap<String, Cached<Arc<str>>>>,
    discovery: RwLock<HashMap<String, Cached<Arc<str>>>>,
    signers: RwLock<HashMap<String, Cached<PoolSigningKeys>>>,
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

    /// Forgets the rendered documents of a pool, after a change made on this node (a rotation,
    /// a domain change): this node serves the change at once, the others within
    /// [`DOCUMENT_RECHECK`].
    pub fn forget_documents(&self, pool_id: &str) {
        write(&self.jwks).remove(pool_id);
        write(&self.discovery).remove(pool_id);
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
            // A pool's first keys sign at once, whatever the clock of a concurrent request
            // that reads them says (a rotation sets its own start).
            signs_from: 0,
            retired_at: None,
            publish_until: None,
        });
    }
    Ok(rows)
}

/// The key of `purpose` that signs at `now`: the newest whose signing has begun and not ended.
fn signer_at<'a>(rows: &'a [SigningKeyRow], purpose: &str, now: i64) -> Option<&'a SigningKeyRow> {
    rows.iter()
        .filter(|r| r.purpose == purpose && r.signs_from <= now)
        .filter(|r| r.retired_at.is_none_or(|end| now < end))
        .max_by(|a, b| {
            (a.signs_from, a.created_at, &a.kid).cmp(&(b.signs_from, b.created_at, &b.kid))
        })
}

/// The next moment after `now` when a key starts or stops signing, or leaves the JWKS.
fn next_change(rows: &[SigningKeyRow], now: i64) -> Option<i64> {
    rows.iter()
        .flat_map(|r| [Some(r.signs_from), r.retired_at, r.publish_until])
        .flatten()
        .filter(|&t| t > now)
        .min()
}

/// The keys `pool_id` signs with at `now`, made on first need, and until when that choice
/// holds. The pool must exist.
async fn signing_keys_now(
    svc: &Services,
    pool_id: &str,
    now: i64,
) -> Result<(PoolSigningKeys, Option<i64>), AuthError> {
    let mut rows = svc.store.published_signing_keys(pool_id, now).await?;
    if signer_at(&rows, PURPOSE_ID, now).is_none()
        || signer_at(&rows, PURPOSE_ACCESS, now).is_none()
    {
        let fresh = generate_pair(pool_id, now).await?;
        rows = svc
            .store
            .insert_first_signing_keys(pool_id, &fresh, now)
            .await?;
        tracing::info!(pool_id, "signing keys created");
    }
    let (Some(id), Some(access)) = (
        signer_at(&rows, PURPOSE_ID, now),
        signer_at(&rows, PURPOSE_ACCESS, now),
    ) else {
        return Err(AuthError::Internal(format!(
            "pool {pool_id} has no signing keys at {now}"
        )));
    };
    let keys = PoolSigningKeys {
        id: svc.keys.signing_key(id)?,
        access: svc.keys.signing_key(access)?,
    };
    Ok((keys, next_change(&rows, now)))
}

/// The keys `pool_id` signs with now, made on first need. The pool must exist.
pub async fn signing_keys(svc: &Services, pool_id: &str) -> Result<PoolSigningKeys, AuthError> {
    Ok(signing_keys_now(svc, pool_id, svc.now()).await?.0)
}

/// As [`signing_keys`], from memory when they were read under configuration counter
/// `version` of the pool, which the caller has just found current (see `client_cache`).
pub async fn signing_keys_at(
    svc: &Services,
    pool_id: &str,
    version: i64,
) -> Result<PoolSigningKeys, AuthError> {
    let now = svc.now();
    if let Some(keys) = Cached::get(&svc.keys.signers, pool_id, version, now) {
        return Ok(keys);
    }
    // The counter first, then the keys: a rotation in between only makes them look older.
    let current = svc.store.config_version(pool_id).await?;
    let (keys, until) = signing_keys_now(svc, pool_id, now).await?;
    Cached::put(
        &svc.keys.signers,
        pool_id,
        Cached::new(keys.clone(), current, until),
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
    let now = svc.now();
    let version = match cached_document(svc, &svc.keys.jwks, pool_id, now).await? {
        Ok(body) => return Ok(body),
        Err(version) => version,
    };
    svc.require_pool(pool_id).await?;
    let mut rows = svc.store.published_signing_keys(pool_id, now).await?;
    if !rows.iter().any(|r| r.retired_at.is_none()) {
        signing_keys(svc, pool_id).await?;
        rows = svc.store.published_signing_keys(pool_id, now).await?;
    }
    let mut keys: Vec<Jwk> = Vec::with_capacity(rows.len());
    for row in &rows {
        keys.push(serde_json::from_str(&row.public_jwk).map_err(internal)?);
    }
    let body: Arc<str> = serde_json::json!({ "keys": keys }).to_string().into();
    let cached = Cached::new(body.clone(), version, next_change(&rows, now));
    Cached::put(&svc.keys.jwks, pool_id, cached);
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
/// the pool's custom scopes as well.
pub async fn discovery(svc: &Services, pool_id: &str) -> Result<Arc<str>, AuthError> {
    let version = match cached_document(svc, &svc.keys.discovery, pool_id, svc.now()).await? {
        Ok(body) => return Ok(body),
        Err(version) => version,
    };
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
        "authorization_response_iss_parameter_supported": true,
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
    Cached::put(
        &svc.keys.discovery,
        pool_id,
        Cached::new(body.clone(), version, None),
    );
    Ok(body)
}

/// What a rotation did to one pool.
#[derive(Debug, Clone)]
pub struct Rotation {
    pub pool_id: String,
    pub new_kids: Vec<String>,
    /// From when (epoch ms) the new keys sign.
    pub signs_from: i64,
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

/// `tessera keys rotate`: new id and access keys are published at once and sign from
/// [`SIGNING_LEAD_MS`] later (at once for a pool that had no keys); the old ones sign until
/// then and stay published until every token they signed has expired (the pool's longest
/// token lifetime plus [`PUBLISH_MARGIN_MS`]); retired keys past that are deleted.
pub async fn rotate(svc: &Services, pool_id: &str) -> Result<Rotation, AuthError> {
    svc.require_pool(pool_id).await?;
    let now = svc.now();
    let current = svc.store.published_signing_keys(pool_id, now).await?;
    let signs_from = if signer_at(&current, PURPOSE_ID, now).is_some() {
        now + SIGNING_LEAD_MS
    } else {
        0
    };
    let publish_until =
        now.max(signs_from) + longest_token_lifetime(svc, pool_id).await? + PUBLISH_MARGIN_MS;
    let mut rows = generate_pair(pool_id, now).await?;
    for row in &mut rows {
        row.signs_from = signs_from;
    }
    let retirement = Retirement {
        now,
        retire_at: now.max(signs_from),
        publish_until,
    };
    svc.store
        .rotate_signing_keys(pool_id, &rows, retirement)
        .await?;
    svc.keys.forget_documents(pool_id);
    tracing::info!(pool_id, signs_from, "signing keys rotated");
    Ok(Rotation {
        pool_id: pool_id.to_string(),
        new_kids: rows.into_iter().map(|r| r.kid).collect(),
        signs_from,
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
