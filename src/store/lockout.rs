//! Failed sign-ins per user (`sign_in_failures`), kept in the database so every node applies
//! the same lockout. The backoff rule itself is in `domain::lockout`.

use super::{Store, StoreResult, map_err};
use crate::db_run;
use crate::domain::lockout::{Failures, RESET_AFTER_MS, lock_until};

impl Store {
    /// The user's failure record, if any.
    pub async fn sign_in_failures(&self, user_id: &str) -> StoreResult<Option<Failures>> {
        let row = db_run!(self, |db| {
            sqlx::query_as::<_, (i64, i64, i64)>(
                "SELECT failures, last_failed_at, locked_until FROM sign_in_failures \
                 WHERE user_id = $1",
            )
            .bind(user_id)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        Ok(
            row.map(|(failures, last_failed_at, locked_until)| Failures {
                failures,
                last_failed_at,
                locked_until,
            }),
        )
    }

    /// Counts one more failure — one atomic upsert, so failures counted at the same time on
    /// several nodes all count — then extends the lock the new count calls for. A failure while
    /// the user is locked (at `now`) is not counted and gives None: it was refused by the lock,
    /// whatever the password (the lock may have been set by a parallel request after this one
    /// passed its first check).
    pub async fn record_sign_in_failure(
        &self,
        user_id: &str,
        now: i64,
    ) -> StoreResult<Option<Failures>> {
        let counted = db_run!(self, |db| {
            sqlx::query_as::<_, (i64, i64)>(
                "INSERT INTO sign_in_failures (user_id, failures, last_failed_at, locked_until) \
                 VALUES ($1, 1, $2, 0) ON CONFLICT (user_id) DO UPDATE SET failures = CASE \
                 WHEN sign_in_failures.last_failed_at < $3 THEN 1 \
                 ELSE sign_in_failures.failures + 1 END, last_failed_at = $2 \
                 WHERE sign_in_failures.locked_until <= $2 \
                 RETURNING failures, locked_until",
            )
            .bind(user_id)
            .bind(now)
            .bind(now - RESET_AFTER_MS)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        let Some((failures, mut locked_until)) = counted else {
            return Ok(None);
        };
        // Below the free failures there is no lock to set: no second write (a wrong password
        // of a real user then costs one write, as an unknown name's does).
        let until = lock_until(failures, now);
        if until > now && until > locked_until {
            db_run!(self, |db| {
                sqlx::query(
                    "UPDATE sign_in_failures SET locked_until = $1 \
                     WHERE user_id = $2 AND locked_until < $1",
                )
                .bind(until)
                .bind(user_id)
                .execute(db)
                .await
                .map_err(map_err)?;
            });
            locked_until = until;
        }
        Ok(Some(Failures {
            failures,
            last_failed_at: now,
            locked_until,
        }))
    }

    /// Forgets the user's failures (after a successful sign-in).
    pub async fn clear_sign_in_failures(&self, user_id: &str) -> StoreResult<()> {
        db_run!(self, |db| {
            sqlx::query("DELETE FROM sign_in_failures WHERE user_id = $1")
                .bind(user_id)
                .execute(db)
                .await
                .map_err(map_err)?;
        });
        Ok(())
    }
}
