//! One random secret per pool (`pool_secrets`), created on first need by whichever node asks
//! first; the others read the same row.

use super::{Store, StoreResult, map_err, sealed};
use crate::db_run;

impl Store {
    /// The pool's secret, storing `candidate` if it has none yet.
    pub async fn pool_secret(&self, pool_id: &str, candidate: &str) -> StoreResult<String> {
        let candidate = self.seal(sealed::POOL_SECRET, candidate)?;
        let stored = db_run!(self, |db| {
            sqlx::query(
                "INSERT INTO pool_secrets (pool_id, secret) VALUES ($1, $2) \
                 ON CONFLICT (pool_id) DO NOTHING",
            )
            .bind(pool_id)
            .bind(&candidate)
            .execute(db)
            .await
            .map_err(map_err)?;
            sqlx::query_scalar::<_, String>("SELECT secret FROM pool_secrets WHERE pool_id = $1")
                .bind(pool_id)
                .fetch_one(db)
                .await
                .map_err(map_err)?
        });
        self.open(sealed::POOL_SECRET, &stored)
    }
}
