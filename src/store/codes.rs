//! One-time codes (`user_codes`: one live code per user and purpose, stored as a hash) and the
//! per-user attempt counters in `rate_limits`. Attempts are reserved by the same statement that
//! checks the limit, so parallel guesses cannot exceed it on either backend.

use super::{Store, StoreResult, map_err};
use crate::db_run;

/// The outcome of reserving one attempt at a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeAttempt {
    /// No code was issued (or it was used).
    Missing,
    /// The code's time is up.
    Expired,
    /// Every allowed attempt has been spent.
    Exhausted,
    /// An attempt was counted; compare against this hash.
    Ready {
        code_hash: String,
        /// The value the code verifies, when the attribute keeps its old value until then.
        pending_value: Option<String>,
    },
}

impl Store {
    /// Stores the code for (user, purpose), replacing any earlier one (attempts reset).
    pub async fn put_code(
        &self,
        user_id: &str,
        purpose: &str,
        code_hash: &str,
        expires_at: i64,
        created_at: i64,
        pending_value: Option<&str>,
    ) -> StoreResult<()> {
        db_run!(self, |db| {
            sqlx::query(
                "INSERT INTO user_codes (user_id, purpose, code_hash, expires_at, attempts, \
                 created_at, pending_value) VALUES ($1, $2, $3, $4, 0, $5, $6) \
                 ON CONFLICT (user_id, purpose) DO UPDATE SET code_hash = excluded.code_hash, \
                 expires_at = excluded.expires_at, attempts = 0, \
                 created_at = excluded.created_at, pending_value = excluded.pending_value",
            )
            .bind(user_id)
            .bind(purpose)
            .bind(code_hash)
            .bind(expires_at)
            .bind(created_at)
            .bind(pending_value)
            .execute(db)
            .await
            .map_err(map_err)?;
        });
        Ok(())
    }

    /// Counts one attempt at the live code for (user, purpose) unless it is missing, expired
    /// at `now`, or already tried `max_attempts` times.
    pub async fn attempt_code(
        &self,
        user_id: &str,
        purpose: &str,
        now: i64,
        max_attempts: i64,
    ) -> StoreResult<CodeAttempt> {
        let reserved = db_run!(self, |db| {
            sqlx::query_as::<_, (String, Option<String>)>(
                "UPDATE user_codes SET attempts = attempts + 1 WHERE user_id = $1 \
                 AND purpose = $2 AND expires_at > $3 AND attempts < $4 \
                 RETURNING code_hash, pending_value",
            )
            .bind(user_id)
            .bind(purpose)
            .bind(now)
            .bind(max_attempts)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        if let Some((code_hash, pending_value)) = reserved {
            return Ok(CodeAttempt::Ready {
                code_hash,
                pending_value,
            });
        }
        let row = db_run!(self, |db| {
            sqlx::query_as::<_, (i64, i64)>(
                "SELECT expires_at, attempts FROM user_codes WHERE user_id = $1 AND purpose = $2",
            )
            .bind(user_id)
            .bind(purpose)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        Ok(match row {
            None => CodeAttempt::Missing,
            Some((expires_at, _)) if expires_at <= now => CodeAttempt::Expired,
            Some(_) => CodeAttempt::Exhausted,
        })
    }

    /// Deletes the code for (user, purpose) if it is still the one with `code_hash`; false
    /// when another request used or replaced it first.
    pub async fn consume_code(
        &self,
        user_id: &str,
        purpose: &str,
        code_hash: &str,
    ) -> StoreResult<bool> {
        db_run!(self, |db| {
            let done = sqlx::query(
                "DELETE FROM user_codes WHERE user_id = $1 AND purpose = $2 AND code_hash = $3",
            )
            .bind(user_id)
            .bind(purpose)
            .bind(code_hash)
            .execute(db)
            .await
            .map_err(map_err)?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// Deletes the code for (user, purpose), whatever it is.
    pub async fn delete_code(&self, user_id: &str, purpose: &str) -> StoreResult<()> {
        db_run!(self, |db| {
            sqlx::query("DELETE FROM user_codes WHERE user_id = $1 AND purpose = $2")
                .bind(user_id)
                .bind(purpose)
                .execute(db)
                .await
                .map_err(map_err)?;
        });
        Ok(())
    }
}
