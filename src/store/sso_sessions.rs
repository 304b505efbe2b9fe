//! Hosted-UI sign-in sessions (`sso_sessions`): the server side of the SSO cookie. Keyed by
//! the SHA-256 of the id the cookie carries; ended rows stay until swept so that an old cookie
//! finds its session ended rather than missing.

use super::{Store, StoreResult, map_err, sql};
use crate::db_run;

/// A stored hosted-UI session.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SsoRow {
    pub id_hash: String,
    pub pool_id: String,
    /// The user's `sub`.
    pub user_id: String,
    pub auth_time: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub ended_at: Option<i64>,
    /// The identity provider the user signed in through, if any.
    pub provider: Option<String>,
}

const COLUMNS: &str =
    "id_hash, pool_id, user_id, auth_time, created_at, expires_at, ended_at, provider";

impl Store {
    /// Stores a new session; also sweeps sessions that ended or expired a day before.
    pub async fn insert_sso_session(&self, row: &SsoRow) -> StoreResult<()> {
        db_run!(self, |db| {
            sqlx::query("DELETE FROM sso_sessions WHERE expires_at < $1")
                .bind(row.created_at - 24 * 60 * 60 * 1000)
                .execute(db)
                .await
                .map_err(map_err)?;
            sqlx::query(
                "INSERT INTO sso_sessions (id_hash, pool_id, user_id, auth_time, created_at, \
                 expires_at, ended_at, provider) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7)",
            )
            .bind(&row.id_hash)
            .bind(&row.pool_id)
            .bind(&row.user_id)
            .bind(row.auth_time)
            .bind(row.created_at)
            .bind(row.expires_at)
            .bind(&row.provider)
            .execute(db)
            .await
            .map_err(map_err)?;
        });
        Ok(())
    }

    /// The session with this id hash, ended or not.
    pub async fn get_sso_session(&self, id_hash: &str) -> StoreResult<Option<SsoRow>> {
        Ok(db_run!(self, |db| {
            sqlx::query_as::<_, SsoRow>(sql(format!(
                "SELECT {COLUMNS} FROM sso_sessions WHERE id_hash = $1"
            )))
            .bind(id_hash)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        }))
    }

    /// Ends one session (sign-out).
    pub async fn end_sso_session(&self, id_hash: &str, now: i64) -> StoreResult<()> {
        db_run!(self, |db| {
            sqlx::query(
                "UPDATE sso_sessions SET ended_at = $1 WHERE id_hash = $2 AND ended_at IS NULL",
            )
            .bind(now)
            .bind(id_hash)
            .execute(db)
            .await
            .map_err(map_err)?;
        });
        Ok(())
    }
}
