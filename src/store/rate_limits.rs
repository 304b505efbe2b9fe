//! Fixed-window counters (`rate_limits`) shared by every node: one atomic upsert per hit
//! returns the count in the current window.

use super::{Store, StoreResult, map_err};
use crate::db_run;

impl Store {
    /// Counts a hit on `bucket` in the window starting at `window_start` (a new window resets
    /// the count) and returns the hits so far in that window, this one included. Opening a
    /// new window also sweeps buckets whose window ended long ago (`stale_before`).
    pub async fn hit_rate_limit(
        &self,
        bucket: &str,
        window_start: i64,
        stale_before: i64,
    ) -> StoreResult<i64> {
        let hits = db_run!(self, |db| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
                 ON CONFLICT (bucket) DO UPDATE SET \
                 hits = CASE WHEN rate_limits.window_start < $2 THEN 1 \
                 ELSE rate_limits.hits + 1 END, \
                 window_start = CASE WHEN rate_limits.window_start < $2 THEN $2 \
                 ELSE rate_limits.window_start END \
                 RETURNING hits",
            )
            .bind(bucket)
            .bind(window_start)
            .fetch_one(db)
            .await
            .map_err(map_err)?
        });
        if hits == 1 {
            db_run!(self, |db| {
                sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
                    .bind(stale_before)
                    .execute(db)
                    .await
                    .map_err(map_err)?;
            });
        }
        Ok(hits)
    }
}
