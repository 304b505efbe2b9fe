//! Point reads on SQLite answered on the calling thread. sqlx runs every SQLite statement on
//! its connection's own worker thread and hands the result back through a channel: for a
//! primary-key read that costs more CPU than SQLite itself (two thread wake-ups, the futex
//! traffic, cold caches on both sides). The hottest reads (the configuration counter, the
//! access check of GetUser and userInfo, the refresh lookup) run here instead on a small set of
//! query-only rusqlite connections to the same file, each used by one thread at a time.
//!
//! A WAL reader sees every committed transaction of sqlx's connections and never waits for a
//! writer, so a read here blocks its thread for no longer than SQLite's own work (microseconds).
//! Whatever goes wrong here (the file cannot be opened, a busy or corrupt database, a type the
//! row does not expect) makes the read give up: the caller then runs the same statement through
//! sqlx, which reports the error as every other read does. Such fallbacks are counted
//! ([`SqliteReads::counts`]) and logged: on a healthy database there are none.
//!
//! What can still hold the thread: a page not in SQLite's cache is read from the file
//! synchronously (the OS page cache usually has it), and the busy handler waits up to 20 ms.

use super::sqlite_commits::{CommitWatch, Mark};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::cell::Cell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

/// Idle connections kept; more threads than this at once open extra ones that are closed after
/// use.
const KEEP_IDLE: usize = 16;

/// Query-only connections to one SQLite file.
pub struct SqliteReads {
    /// None for an in-memory database, which other connections cannot see.
    path: Option<PathBuf>,
    idle: Mutex<Vec<Connection>>,
    answered: AtomicU64,
    fallbacks: AtomicU64,
    /// The database's commits, watched from the first use on (None: not watchable).
    commits: OnceLock<Option<CommitWatch>>,
    /// Configuration counters read from the table, with the commit mark taken just before.
    versions: Mutex<HashMap<String, (Mark, i64)>>,
}

/// Pools whose counters are remembered at most; past that the memory starts again.
const MOST_VERSIONS: usize = 10_000;

/// How many reads were answered here, and how many fell back to sqlx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadCounts {
    pub answered: u64,
    pub fallbacks: u64,
}

impl std::fmt::Debug for SqliteReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteReads")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteReads {
    /// Reads of the database file at `path` (opened on first use, by the same path sqlx uses);
    /// None reads nothing here.
    pub fn new(path: Option<PathBuf>) -> Self {
        SqliteReads {
            path,
            idle: Mutex::new(Vec::new()),
            answered: AtomicU64::new(0),
            fallbacks: AtomicU64::new(0),
            commits: OnceLock::new(),
            versions: Mutex::new(HashMap::new()),
        }
    }

    /// A snapshot of the database's commits (`sqlite_commits`); None when they are not watched
    /// (an in-memory database, or the WAL index could not be mapped: said once in the log).
    pub(super) fn commit_mark(&self) -> Option<Mark> {
        self.commits
            .get_or_init(|| {
                let path = self.path.as_ref()?;
                CommitWatch::open(path)
                    .inspect_err(|e| {
                        tracing::warn!(
                            reason = %e,
                            "SQLite commits not watched: the configuration counter is read every time"
                        );
                    })
                    .ok()
            })
            .as_ref()
            .map(CommitWatch::mark)
    }

    fn versions(&self) -> MutexGuard<'_, HashMap<String, (Mark, i64)>> {
        self.versions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The pool's counter as last read, if nothing was committed since: `mark` equals the mark
    /// taken before that read.
    pub(super) fn version_unchanged_since(&self, pool_id: &str, mark: &Mark) -> Option<i64> {
        match self.versions().get(pool_id) {
            Some((read_at, version)) if read_at == mark => Some(*version),
            _ => None,
        }
    }

    /// Remembers a counter read from the table after `mark` was taken.
    pub(super) fn remember_version(&self, pool_id: &str, mark: Mark, version: i64) {
        let mut versions = self.versions();
        if versions.len() >= MOST_VERSIONS && !versions.contains_key(pool_id) {
            versions.clear();
        }
        versions.insert(pool_id.to_string(), (mark, version));
    }

    /// Reads answered here and fallbacks so far.
    pub fn counts(&self) -> ReadCounts {
        ReadCounts {
            answered: self.answered.load(Ordering::Relaxed),
            fallbacks: self.fallbacks.load(Ordering::Relaxed),
        }
    }

    fn idle(&self) -> MutexGuard<'_, Vec<Connection>> {
        // Nothing panics while the list is held; a poisoned list is still a list.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn fall_back(&self, e: &rusqlite::Error) {
        self.fallbacks.fetch_add(1, Ordering::Relaxed);
        let busy = matches!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        );
        if busy {
            tracing::debug!(error = %e, "SQLite read busy: asking sqlx");
        } else {
            tracing::warn!(error = %e, "SQLite read on the request's thread failed: asking sqlx");
        }
    }

    /// A query-only connection to the file, as the reads here use.
    pub(super) fn open(path: &Path) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // Writes go through sqlx only; this connection must never take the write lock.
        conn.pragma_update(None, "query_only", true)?;
        // WAL readers wait only in rare moments (another connection recovering the WAL index);
        // then the read falls back to sqlx rather than hold this thread.
        conn.busy_timeout(Duration::from_millis(20))?;
        Ok(conn)
    }

    /// Runs `read` on an idle connection (its prepared statements cached); None when it could
    /// not be answered here, and the caller asks sqlx instead.
    pub fn read<T>(&self, read: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Option<T> {
        let taken = self.idle().pop();
        let conn = match taken {
            Some(conn) => conn,
            None => match Self::open(self.path.as_ref()?) {
                Ok(conn) => conn,
                Err(e) => {
                    self.fall_back(&e);
                    return None;
                }
            },
        };
        let result = read(&conn);
        let keep = match &result {
            Ok(_) => true,
            Err(e) => {
                self.fall_back(e);
                // After a failure of SQLite itself, a new connection starts clean; after a
                // value the row did not expect, this one is still good.
                !matches!(e, rusqlite::Error::SqliteFailure(..))
            }
        };
        if keep {
            let mut idle = self.idle();
            if idle.len() < KEEP_IDLE {
                idle.push(conn);
            }
        }
        let value = result.ok()?;
        self.answered.fetch_add(1, Ordering::Relaxed);
        Some(value)
    }
}

/// Reads a row of a joined query by column name into one of the store's row structs.
pub(super) trait FromSqliteRow: Sized {
    fn from_sqlite_row(row: &NamedRow<'_>) -> rusqlite::Result<Self>;
}

/// A single value: the first column.
impl FromSqliteRow for i64 {
    fn from_sqlite_row(row: &NamedRow<'_>) -> rusqlite::Result<Self> {
        row.row.get(0)
    }
}

/// A row with its statement's column names. rusqlite's lookup by name asks SQLite for every
/// column's name until it matches (a thousand calls for a 45-column join, 90,000 instructions,
/// four times the query itself); here the names are fetched once per row read and a lookup
/// starts where the previous one matched, so reading the columns in select-list order costs one
/// comparison each.
pub(super) struct NamedRow<'a> {
    row: &'a rusqlite::Row<'a>,
    names: Vec<&'a str>,
    next: Cell<usize>,
}

impl<'a> NamedRow<'a> {
    fn new(row: &'a rusqlite::Row<'a>) -> rusqlite::Result<Self> {
        let statement = row.as_ref();
        let names = (0..statement.column_count())
            .map(|i| statement.column_name(i))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(NamedRow {
            row,
            names,
            next: Cell::new(0),
        })
    }

    /// The value of column `name` (exactly as the query names it).
    pub(super) fn get<T: rusqlite::types::FromSql>(&self, name: &str) -> rusqlite::Result<T> {
        let count = self.names.len();
        let start = self.next.get();
        for step in 0..count {
            let index = (start + step) % count;
            if self.names[index] == name {
                self.next.set(index + 1);
                return self.row.get(index);
            }
        }
        Err(rusqlite::Error::InvalidColumnName(name.to_string()))
    }
}

impl super::Store {
    /// On SQLite, how many reads were answered on the request's thread and how many fell back.
    pub fn sqlite_read_counts(&self) -> Option<ReadCounts> {
        match self {
            super::Store::Sqlite(_, reads) => Some(reads.counts()),
            super::Store::Postgres(..) => None,
        }
    }

    /// The same database with every read through sqlx's pool (to compare the paths): no
    /// reads on the request's thread (SQLite), no held connections (PostgreSQL).
    pub fn without_sqlite_reads(&self) -> super::Store {
        match self {
            super::Store::Sqlite(pool, _) => {
                super::Store::Sqlite(pool.clone(), std::sync::Arc::new(SqliteReads::new(None)))
            }
            super::Store::Postgres(pool, watch, reads) => super::Store::Postgres(
                pool.clone(),
                watch.clone(),
                std::sync::Arc::new(reads.without_held()),
            ),
        }
    }

    /// The row (or none) that `sql`, with one parameter, selects, read on this thread when the
    /// store is SQLite. None when it was not read here: the caller runs `sql` through sqlx.
    pub(super) fn sqlite_row<T: FromSqliteRow>(&self, sql: &str, param: &str) -> Option<Option<T>> {
        let super::Store::Sqlite(_, reads) = self else {
            return None;
        };
        reads.read(|conn| {
            conn.prepare_cached(sql)?
                .query_row([param], |row| T::from_sqlite_row(&NamedRow::new(row)?))
                .optional()
        })
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::Store;

    const VERSION: &str = "SELECT version FROM config_versions WHERE pool_id = $1";

    /// Sets pool `p`'s counter through sqlx (a commit by another connection).
    pub(in crate::store) async fn bump(store: &Store, version: i64) {
        let Store::Sqlite(pool, _) = store else {
            panic!("not SQLite")
        };
        sqlx::query(
            "INSERT INTO config_versions (pool_id, version) VALUES ('p', $1) \
             ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version",
        )
        .bind(version)
        .execute(pool)
        .await
        .unwrap();
    }

    /// A migrated store on a new SQLite file (kept while the directory lives).
    async fn file_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn reads_on_this_thread_see_every_commit_of_sqlx() {
        let (_dir, store) = file_store().await;
        assert_eq!(store.sqlite_row::<i64>(VERSION, "p"), Some(None));
        for version in [1, 2, 7] {
            bump(&store, version).await;
            assert_eq!(store.sqlite_row::<i64>(VERSION, "p"), Some(Some(version)));
        }
        assert_eq!(store.config_version("p").await.unwrap(), 7);
        // A statement SQLite refuses is not answered here: the caller asks sqlx.
        assert_eq!(
            store.sqlite_row::<i64>("SELECT nope FROM nowhere", "p"),
            None
        );
        // The connection stays query-only.
        assert_eq!(
            store.sqlite_row::<i64>("DELETE FROM config_versions WHERE pool_id = $1", "p"),
            None
        );
        assert_eq!(store.sqlite_row::<i64>(VERSION, "p"), Some(Some(7)));
    }

    struct Pair(String, i64);

    impl super::FromSqliteRow for Pair {
        fn from_sqlite_row(row: &super::NamedRow<'_>) -> rusqlite::Result<Self> {
            // Out of select-list order, then a name the query lacks.
            let version = row.get("v")?;
            let pool = row.get("p")?;
            if row.get::<i64>("missing").is_ok() {
                return Err(rusqlite::Error::InvalidQuery);
            }
            Ok(Pair(pool, version))
        }
    }

    #[tokio::test]
    async fn columns_are_found_by_name_in_any_order() {
        let (_dir, store) = file_store().await;
        bump(&store, 4).await;
        let sql = "SELECT 1 AS one, pool_id AS p, 2 AS two, version AS v FROM config_versions \
                   WHERE pool_id = $1";
        let Some(Some(Pair(pool, version))) = store.sqlite_row::<Pair>(sql, "p") else {
            panic!("not read")
        };
        assert_eq!((pool.as_str(), version), ("p", 4));
    }

    #[tokio::test]
    async fn an_in_memory_database_is_read_through_sqlx() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        store.migrate().await.unwrap();
        assert_eq!(store.sqlite_row::<i64>(VERSION, "p"), None);
        bump(&store, 3).await;
        assert_eq!(store.config_version("p").await.unwrap(), 3);
    }
}
