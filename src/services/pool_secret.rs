//! The per-pool secret that keys simulated answers for unknown users (PreventUserExistence-
//! Errors): a fake SRP salt or delivery destination must be the same each time a name is
//! tried, and must not be computable by the caller.

use crate::crypto::random;
use crate::domain::AuthError;
use crate::domain::pool::UserPool;
use crate::services::Services;
use base64::Engine;

/// The pool's secret key (32 random bytes, made on first use).
pub async fn key(svc: &Services, pool: &UserPool) -> Result<Vec<u8>, AuthError> {
    let stored = svc
        .store
        .pool_secret(&pool.id, &random::base64_token(32))
        .await?;
    base64::engine::general_purpose::STANDARD
        .decode(stored)
        .map_err(|e| AuthError::Internal(format!("pool secret: {e}")))
}
