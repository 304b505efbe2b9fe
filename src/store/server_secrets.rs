//! Secrets the server generates once and every node shares (`server_secrets`), such as the
//! key that signs and encrypts hosted-UI cookies.

use super::{Store, StoreResult, map_err, sealed};
use crate::db_run;

impl Store {
    /// The secret named `name`, if one was stored.
    pub async fn server_secret(&self, name: &str) -> StoreResult<Option<String>> {
        let stored = db_run!(self, |db| {
            sqlx::query_scalar::<_, String>("SELECT value FROM server_secrets WHERE name = $1")
                .bind(name)
                .fetch_optional(db)
                .await
                .map_err(map_err)?
        });
        self.open_opt(sealed::SERVER_SECRET, stored)
    }

    /// The secret named `name`; when there is none yet, stores `candidate` and returns it. Two
    /// nodes starting at once agree: the first insert wins and both read it back.
    pub async fn server_secret_or_insert(
        &self,
        name: &str,
        candidate: &str,
        now: i64,
    ) -> StoreResult<String> {
        let candidate = self.seal(sealed::SERVER_SECRET, candidate)?;
        let stored = db_run!(self, |db| {
            sqlx::query(
                "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(&candidate)
            .bind(now)
            .execute(db)
            .await
            .map_err(map_err)?;
            sqlx::query_scalar::<_, String>("SELECT value FROM server_secrets WHERE name = $1")
                .bind(name)
                .fetch_one(db)
                .await
                .map_err(map_err)?
        });
        self.open(sealed::SERVER_SECRET, &stored)
    }
}
