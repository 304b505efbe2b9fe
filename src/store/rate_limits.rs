//! Hit counters (`rate_limits`) shared by every node: one atomic upsert per hit returns the
//! count in the bucket's current window. A window opens with its first hit and lasts
//! `window_ms`; the next hit after that opens a new one.

use super::{Store, StoreResult, map_err};
use crate::db_run;

/// Buckets untouched this long are swept.
const STALE_MS: i64 = 24 * 60 * 60 * 1000;

impl Store {
    /// The hits in `bucket`'s current window at `now`, without counting one (0 when its
    /// window has ended or it has none).
    pub async fn peek_hits(&self, bucket: &str, now: i64, window_ms: i64) -> StoreResult<i64> {
        let hits = db_run!(self, |db| {
            sqlx::query_scalar::<_, i64>(
                "SELECT hits FROM rate_limits WHERE bucket = $1 AND window_start > $2",
            )
            .bind(bucket)
            .bind(now - window_ms)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        Ok(hits.unwrap_or(0))
    }

    /// Counts a hit on `bucket` at `now` and returns the hits in its window, this one
    /// included. Opening a window also sweeps buckets idle for a day, so probing many names
    /// or addresses does not grow the table without end.
    pub async fn count_hit(&self, bucket: &str, now: i64, window_ms: i64) -> StoreResult<i64> {
        let expired_before = now - window_ms;
        let hits = db_run!(self, |db| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
                 ON CONFLICT (bucket) DO UPDATE SET \
                 hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 \
                        ELSE rate_limits.hits + 1 END, \
                 window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 \
                        ELSE rate_limits.window_start END \
                 RETURNING hits",
            )
            .bind(bucket)
            .bind(now)
            .bind(expired_before)
            .fetch_one(db)
            .await
            .map_err(map_err)?
        });
        if hits == 1 {
            db_run!(self, |db| {
                sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
                    .bind(now - STALE_MS)
                    .execute(db)
                    .await
                    .map_err(map_err)?;
            });
        }
        Ok(hits)
    }
}
