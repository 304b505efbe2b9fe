//! The configuration counter of each pool (`config_versions`, migration 0005): bumped by
//! triggers with every change to the pool, its app clients or its signing keys. What is kept
//! in memory is tagged with the number it was read under (see `services::client_cache`).
//!
//! On SQLite the counter is read on the request's thread (`sqlite_reads`), and reused while
//! nothing at all was committed to the file since (`sqlite_commits`: a memory read). On
//! PostgreSQL a server node also listens for the trigger's notifications (`config_watch`) and
//! answers from memory while its listener is subscribed.

use super::config_watch::WatchState;
use super::{Store, StoreResult, map_err};
use crate::db_run;

const SQL: &str = "SELECT version FROM config_versions WHERE pool_id = $1";

impl Store {
    /// The pool's configuration counter now: 0 for a pool changed by nothing since the
    /// counter was introduced (or never stored).
    pub async fn config_version(&self, pool_id: &str) -> StoreResult<i64> {
        if let Store::Sqlite(_, reads) = self {
            // Taken before the read: a commit after this moment moves the mark.
            let mark = reads.commit_mark();
            if let Some(version) = mark.and_then(|m| reads.version_unchanged_since(pool_id, &m)) {
                return Ok(version);
            }
            if let Some(found) = self.sqlite_row::<i64>(SQL, pool_id) {
                let version = found.unwrap_or(0);
                if let Some(mark) = mark {
                    reads.remember_version(pool_id, mark, version);
                }
                return Ok(version);
            }
        }
        let ticket = match self {
            Store::Postgres(_, watch, _) => match watch.known(pool_id) {
                Some(version) => return Ok(version),
                None => watch.ticket(),
            },
            Store::Sqlite(..) => None,
        };
        let found: Option<i64> = db_run!(self, |db| {
            sqlx::query_scalar(SQL)
                .bind(pool_id)
                .fetch_optional(db)
                .await
                .map_err(map_err)?
        });
        let version = found.unwrap_or(0);
        if let (Store::Postgres(_, watch, _), Some(ticket)) = (self, ticket) {
            watch.learn(pool_id, version, ticket);
        }
        Ok(version)
    }

    /// A change to the pool's configuration was committed through this store: its counter is
    /// read from the table next time, so this node sees its own change at once.
    pub(super) fn config_changed_here(&self, pool_id: &str) {
        if let Store::Postgres(_, watch, _) = self {
            watch.changed_here(pool_id);
        }
    }

    /// On PostgreSQL, starts listening for configuration changes (a server node does; the
    /// CLI's short runs do not). The listener holds one connection of the pool until the
    /// store is closed.
    pub fn watch_config(&self) {
        if let Store::Postgres(pool, watch, _) = self {
            watch.start(pool);
        }
    }

    /// On PostgreSQL, what the listener is doing (None on SQLite: there is no watch).
    pub fn config_watch_state(&self) -> Option<WatchState> {
        match self {
            Store::Postgres(_, watch, _) => Some(watch.state()),
            Store::Sqlite(..) => None,
        }
    }

    /// On PostgreSQL, the newest counter of the pool this node has heard of, whatever its age
    /// (None when not listening, or when its own change is not read back yet).
    pub fn config_version_heard(&self, pool_id: &str) -> Option<i64> {
        match self {
            Store::Postgres(_, watch, _) => watch.heard_of(pool_id),
            Store::Sqlite(..) => None,
        }
    }
}
