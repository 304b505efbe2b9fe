//! The states of answered federated sign-ins (`federation_states`), so each is used once.

use super::{Store, StoreResult, map_err};
use crate::db_run;

impl Store {
    /// Records that the sign-in with this state hash was answered; false when it already was.
    /// Also forgets states that expired before `now`.
    pub async fn use_federation_state(
        &self,
        state_hash: &str,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<bool> {
        db_run!(self, |db| {
            sqlx::query("DELETE FROM federation_states WHERE expires_at < $1")
                .bind(now)
                .execute(db)
                .await
                .map_err(map_err)?;
            let done = sqlx::query(
                "INSERT INTO federation_states (state_hash, expires_at) VALUES ($1, $2) \
                 ON CONFLICT (state_hash) DO NOTHING",
            )
            .bind(state_hash)
            .bind(expires_at)
            .execute(db)
            .await
            .map_err(map_err)?;
            Ok(done.rows_affected() == 1)
        })
    }
}
