//! The configuration counter of each pool (`config_versions`, migration 0005): bumped by
//! triggers with every change to the pool, its app clients or its signing keys. What is kept
//! in memory is tagged with the number it was read under (see `services::client_cache`).

use super::{Store, StoreResult, map_err};
use crate::db_run;

const SQL: &str = "SELECT version FROM config_versions WHERE pool_id = $1";

impl Store {
    /// The pool's configuration counter now: 0 for a pool changed by nothing since the
    /// counter was introduced (or never stored).
    pub async fn config_version(&self, pool_id: &str) -> StoreResult<i64> {
        if let Some(found) = self.sqlite_row::<i64>(SQL, pool_id) {
            return Ok(found.unwrap_or(0));
        }
        let found: Option<i64> = db_run!(self, |db| {
            sqlx::query_scalar(SQL)
                .bind(pool_id)
                .fetch_optional(db)
                .await
                .map_err(map_err)?
        });
        Ok(found.unwrap_or(0))
    }
}
