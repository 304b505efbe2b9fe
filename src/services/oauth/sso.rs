//! Hosted-UI sign-in sessions (single sign-on): after a sign-in on the hosted pages, a second
//! authorization request from any client of the pool completes without the form for an hour
//! (Cognito's hosted-UI cookie lifetime, reference §1.0). The cookie carries a random id; the
//! `sso_sessions` row says whose session it is, so `/logout` and GlobalSignOut end it on every
//! node at once.

use crate::clock::Millis;
use crate::crypto::random;
use crate::domain::AuthError;
use crate::domain::pool::UserPool;
use crate::domain::user::{User, UserStatus};
use crate::services::Services;
use crate::store::sso_sessions::SsoRow;
use crate::store::users::UserKey;
use sha2::{Digest, Sha256};

/// How long a hosted-UI session lasts.
pub const LIFETIME_MS: i64 = 60 * 60 * 1000;

/// A live session: who is signed in, and since when.
#[derive(Debug, Clone)]
pub struct SsoSession {
    pub user: User,
    /// When the user proved their password (epoch ms); becomes `auth_time`.
    pub auth_time: Millis,
    /// The identity provider the user signed in through, if any.
    pub provider: Option<String>,
}

fn hash(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

/// Starts a session for a user who has just signed in (through `provider`, if any); returns
/// the id for the cookie.
pub async fn start(
    svc: &Services,
    pool: &UserPool,
    user: &User,
    auth_time: Millis,
    provider: Option<&str>,
) -> Result<String, AuthError> {
    let id = random::base64_token(32);
    let now = svc.now();
    svc.store
        .insert_sso_session(&SsoRow {
            id_hash: hash(&id),
            pool_id: pool.id.clone(),
            user_id: user.sub.clone(),
            auth_time,
            created_at: now,
            expires_at: now + LIFETIME_MS,
            ended_at: None,
            provider: provider.map(str::to_string),
        })
        .await?;
    Ok(id)
}

/// The live session with this id in this pool: not ended, not expired, and its user still
/// exists, is enabled and confirmed (or federated). Anything else is no session.
pub async fn current(
    svc: &Services,
    pool_id: &str,
    id: &str,
) -> Result<Option<SsoSession>, AuthError> {
    let Some(row) = svc.store.get_sso_session(&hash(id)).await? else {
        return Ok(None);
    };
    if row.pool_id != pool_id || row.ended_at.is_some() || row.expires_at <= svc.now() {
        return Ok(None);
    }
    let user = svc
        .store
        .get_user_by(pool_id, UserKey::Sub, &row.user_id)
        .await?;
    Ok(user
        .filter(|u| {
            u.enabled
                && matches!(
                    u.status,
                    UserStatus::Confirmed | UserStatus::ExternalProvider
                )
        })
        .map(|user| SsoSession {
            user,
            auth_time: row.auth_time,
            provider: row.provider,
        }))
}

/// Ends a session (`/logout`). Unknown ids are fine.
pub async fn end(svc: &Services, id: &str) -> Result<(), AuthError> {
    svc.store.end_sso_session(&hash(id), svc.now()).await?;
    Ok(())
}

/// The key that signs and encrypts hosted-UI cookies: generated on the first start and kept in
/// the database, so every node of a cluster shares it (64 bytes).
pub async fn cookie_key(svc: &Services) -> Result<Vec<u8>, AuthError> {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let candidate = engine.encode(rand::random::<[u8; 64]>());
    let stored = svc
        .store
        .server_secret_or_insert("hosted_ui_cookie_key", &candidate, svc.now())
        .await?;
    engine
        .decode(stored.as_bytes())
        .ok()
        .filter(|k| k.len() == 64)
        .ok_or_else(|| AuthError::Internal("server_secrets.hosted_ui_cookie_key is corrupt".into()))
}
