//! Authorization codes (`oauth_codes`): stored as the SHA-256 of the code, used once (an
//! atomic `used_at` update decides which of two racing exchanges gets it), swept a day after
//! expiry. A used code remembers the sign-in it was exchanged for, so a replay can revoke it.

use super::{Store, StoreResult, map_err, sql};
use crate::db_run;

/// A stored authorization code and everything it is bound to.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CodeRow {
    pub code_hash: String,
    pub pool_id: String,
    pub client_id: String,
    /// The user's `sub`.
    pub user_id: String,
    pub redirect_uri: String,
    /// Space-separated granted scopes.
    pub scopes: String,
    pub nonce: Option<String>,
    /// PKCE S256 challenge (base64url of SHA-256 of the verifier), when one was sent.
    pub code_challenge: Option<String>,
    pub auth_time: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub origin_jti: Option<String>,
}

/// What [`Store::take_code`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TakenCode {
    /// The code, now marked used by this call.
    Fresh(CodeRow),
    /// Used before: the row as it is (its `origin_jti` is what the first exchange issued).
    Replayed(CodeRow),
    /// Never issued, or swept.
    Missing,
}

const COLUMNS: &str = "code_hash, pool_id, client_id, user_id, redirect_uri, scopes, nonce, \
                       code_challenge, auth_time, created_at, expires_at, used_at, origin_jti";

impl Store {
    /// Stores a new code; also sweeps codes that expired more than a day before.
    pub async fn insert_code(&self, row: &CodeRow) -> StoreResult<()> {
        db_run!(self, |db| {
            sqlx::query("DELETE FROM oauth_codes WHERE expires_at < $1")
                .bind(row.created_at - 24 * 60 * 60 * 1000)
                .execute(db)
                .await
                .map_err(map_err)?;
            sqlx::query(
                "INSERT INTO oauth_codes (code_hash, pool_id, client_id, user_id, redirect_uri, \
                 scopes, nonce, code_challenge, auth_time, created_at, expires_at, used_at, \
                 origin_jti) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL)",
            )
            .bind(&row.code_hash)
            .bind(&row.pool_id)
            .bind(&row.client_id)
            .bind(&row.user_id)
            .bind(&row.redirect_uri)
            .bind(&row.scopes)
            .bind(&row.nonce)
            .bind(&row.code_challenge)
            .bind(row.auth_time)
            .bind(row.created_at)
            .bind(row.expires_at)
            .execute(db)
            .await
            .map_err(map_err)?;
        });
        Ok(())
    }

    /// Marks the code used and returns it, when it was issued to this client of this pool; a
    /// code used before comes back as `Replayed`. Another client's code is `Missing` and stays
    /// untouched (it can neither burn nor revoke it). Expiry and the other bindings are the
    /// caller's checks.
    pub async fn take_code(
        &self,
        code_hash: &str,
        pool_id: &str,
        client_id: &str,
        now: i64,
    ) -> StoreResult<TakenCode> {
        let taken = db_run!(self, |db| {
            sqlx::query_as::<_, CodeRow>(sql(format!(
                "UPDATE oauth_codes SET used_at = $1 WHERE code_hash = $2 AND pool_id = $3 \
                 AND client_id = $4 AND used_at IS NULL RETURNING {COLUMNS}"
            )))
            .bind(now)
            .bind(code_hash)
            .bind(pool_id)
            .bind(client_id)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        if let Some(row) = taken {
            return Ok(TakenCode::Fresh(row));
        }
        let existing = db_run!(self, |db| {
            sqlx::query_as::<_, CodeRow>(sql(format!(
                "SELECT {COLUMNS} FROM oauth_codes WHERE code_hash = $1 AND pool_id = $2 \
                 AND client_id = $3"
            )))
            .bind(code_hash)
            .bind(pool_id)
            .bind(client_id)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        Ok(match existing {
            Some(row) => TakenCode::Replayed(row),
            None => TakenCode::Missing,
        })
    }

    /// Records the sign-in a code was exchanged for; true when a replay has meanwhile marked
    /// the code ([`Store::mark_code_replayed`]), and the sign-in must then be revoked. One row
    /// update each, so whichever of the two comes second sees the other.
    pub async fn set_code_origin(&self, code_hash: &str, origin_jti: &str) -> StoreResult<bool> {
        let replayed = db_run!(self, |db| {
            sqlx::query_scalar::<_, Option<i64>>(
                "UPDATE oauth_codes SET origin_jti = $1 WHERE code_hash = $2 RETURNING replayed_at",
            )
            .bind(origin_jti)
            .bind(code_hash)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        Ok(replayed.flatten().is_some())
    }

    /// Marks a code as replayed and returns the sign-in its first exchange issued, if that
    /// exchange has recorded it yet.
    pub async fn mark_code_replayed(
        &self,
        code_hash: &str,
        now: i64,
    ) -> StoreResult<Option<String>> {
        let origin = db_run!(self, |db| {
            sqlx::query_scalar::<_, Option<String>>(
                "UPDATE oauth_codes SET replayed_at = $1 WHERE code_hash = $2 RETURNING origin_jti",
            )
            .bind(now)
            .bind(code_hash)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        Ok(origin.flatten())
    }
}
