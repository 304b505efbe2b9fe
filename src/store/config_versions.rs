//! The configuration counter of each pool (`config_versions`, migration 0005): bumped by
//! triggers in the same transaction as every change to the pool, its app clients, its
//! resource servers or its signing keys. What a node keeps in memory (clients, signing keys,
//! JWKS and discovery documents) is tagged with the number it was read under and served only
//! while the table still holds that number, so a change made on any node, or by the CLI, shows
//! at the next request everywhere. Plain SQL: one primary-key read, on both databases, through
//! the hot reads (`sqlite_reads`, `pg_reads`).

use super::{Store, StoreResult};

/// The counter's query; the access check joins the same table (`store::tokens`).
const SQL: &str = "SELECT version FROM config_versions WHERE pool_id = $1";

impl Store {
    /// The pool's configuration counter now: 0 for a pool changed by nothing since the
    /// counter was introduced (or never stored).
    pub async fn config_version(&self, pool_id: &str) -> StoreResult<i64> {
        let found: Option<(i64,)> = self.hot_row(SQL, pool_id).await?;
        Ok(found.map_or(0, |(version,)| version))
    }
}
