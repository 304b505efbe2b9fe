//! Challenge sessions (`auth_sessions`): the server side of the `Session` string and of SRP's
//! SECRET_BLOCK. Rows are keyed by the SHA-256 of the string, used once (an atomic
//! `used_at` update decides which of two racing requests gets it) and swept after expiry.

use super::{Store, StoreResult, map_err, sql};
use crate::db_run;

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub pool_id: String,
    pub client_id: String,
    pub challenge: String,
    pub state: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// What [`Store::take_session`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// The session, now marked used by this call.
    Fresh(SessionRow),
    /// Someone already used it.
    Used,
    /// No such session (never issued, or swept).
    Missing,
}

const COLUMNS: &str =
    "id_hash, pool_id, client_id, challenge, state, created_at, expires_at, used_at";

impl Store {
    /// Stores a new session; also sweeps sessions that expired more than an hour before.
    pub async fn insert_session(&self, row: &SessionRow) -> StoreResult<()> {
        db_run!(self, |db| {
            sqlx::query("DELETE FROM auth_sessions WHERE expires_at < $1")
                .bind(row.created_at - 60 * 60 * 1000)
                .execute(db)
                .await
                .map_err(map_err)?;
            sqlx::query(
                "INSERT INTO auth_sessions (id_hash, pool_id, client_id, challenge, state, \
                 created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
            )
            .bind(&row.id_hash)
            .bind(&row.pool_id)
            .bind(&row.client_id)
            .bind(&row.challenge)
            .bind(&row.state)
            .bind(row.created_at)
            .bind(row.expires_at)
            .execute(db)
            .await
            .map_err(map_err)?;
        });
        Ok(())
    }

    /// Makes a used session usable again (a wrong MFA code may be retried with the same session
    /// until it expires). Only the request holding it calls this: while it is used, nobody else
    /// can have taken it.
    pub async fn release_session(&self, id_hash: &str) -> StoreResult<()> {
        db_run!(self, |db| {
            sqlx::query("UPDATE auth_sessions SET used_at = NULL WHERE id_hash = $1")
                .bind(id_hash)
                .execute(db)
                .await
                .map_err(map_err)?;
        });
        Ok(())
    }

    /// As [`Self::release_session`], storing a new state with it (an MFA code's attempt count).
    pub async fn release_session_with_state(&self, id_hash: &str, state: &str) -> StoreResult<()> {
        db_run!(self, |db| {
            sqlx::query("UPDATE auth_sessions SET used_at = NULL, state = $1 WHERE id_hash = $2")
                .bind(state)
                .bind(id_hash)
                .execute(db)
                .await
                .map_err(map_err)?;
        });
        Ok(())
    }

    /// The session, if it is still unused (without using it).
    pub async fn peek_session(&self, id_hash: &str) -> StoreResult<Option<SessionRow>> {
        db_run!(self, |db| {
            sqlx::query_as::<_, SessionRow>(sql(format!(
                "SELECT {COLUMNS} FROM auth_sessions WHERE id_hash = $1 AND used_at IS NULL"
            )))
            .bind(id_hash)
            .fetch_optional(db)
            .await
            .map_err(map_err)
        })
    }

    /// Marks the session used and returns it, unless it was used before or does not exist.
    /// Expiry is the caller's check (it knows the clock).
    pub async fn take_session(&self, id_hash: &str, now: i64) -> StoreResult<Taken> {
        let taken = db_run!(self, |db| {
            sqlx::query_as::<_, SessionRow>(sql(format!(
                "UPDATE auth_sessions SET used_at = $1 WHERE id_hash = $2 AND used_at IS NULL \
                 RETURNING {COLUMNS}"
            )))
            .bind(now)
            .bind(id_hash)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        if let Some(row) = taken {
            return Ok(Taken::Fresh(row));
        }
        let exists = db_run!(self, |db| {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM auth_sessions WHERE id_hash = $1")
                .bind(id_hash)
                .fetch_one(db)
                .await
                .map_err(map_err)?
        });
        Ok(if exists > 0 {
            Taken::Used
        } else {
            Taken::Missing
        })
    }
}
