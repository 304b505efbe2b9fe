//! The only module that imports sqlx. [`Store`] holds a pool of SQLite or PostgreSQL
//! connections, chosen by the database URL; each aggregate has its own file with the same
//! methods on both backends. SQL is written once with `$1…` placeholders (in order of
//! appearance) and runs on both through [`db_run!`]; it is split per backend only where the
//! dialects differ. Rows map to types with `#[derive(sqlx::FromRow)]`, once per type. On
//! SQLite, the few reads on every request's path also run on rusqlite connections on the
//! caller's thread ([`sqlite_reads`]), with the same SQL and rows declared once.

pub mod admin_keys;
pub mod audit;
pub mod backup;
pub mod clients;
pub mod codes;
pub mod config_versions;
pub mod devices;
pub mod domains;
pub mod federation_states;
pub mod groups;
pub mod identity_providers;
pub mod import_jobs;
pub mod lockout;
pub mod mfa;
pub mod oauth_codes;
mod parsed;
pub mod passkeys;
pub mod pool_secrets;
pub mod pools;
pub mod rate_limits;
pub mod resource_servers;
pub mod sealed;
pub mod server_secrets;
pub mod sessions;
pub mod signing_keys;
pub mod sqlite_reads;
pub mod sso_sessions;
pub mod tokens;
pub mod transfers;
pub mod ui_customizations;
pub mod users;

use crate::crypto::vault::Vault;
use sqlite_reads::SqliteReads;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// A connection pool to the configured database, and the vault that seals its secret columns
/// (set once by [`Store::unlock`]; see [`sealed`]).
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
    vault: Arc<OnceLock<Vault>>,
}

/// The database behind a [`Store`]. On SQLite, the reads on every request's path also have
/// connections of their own, used on the calling thread ([`SqliteReads`]).
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool, Arc<SqliteReads>),
    Postgres(PgPool),
}

/// Runs the same code against whichever backend the store holds. Inside, `$pool` is the
/// backend's connection pool (or transaction), so `sqlx::query(SQL).bind(..).execute($pool)`
/// type-checks for both.
#[macro_export]
macro_rules! db_run {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.db {
            $crate::store::Db::Sqlite($pool, _) => $body,
            $crate::store::Db::Postgres($pool) => $body,
        }
    };
}

/// Within a write transaction `$tx`: takes the lock on pool `$pool_id`'s row (a no-op update),
/// so transactions that must see one another's effects on the pool's clients and resource
/// servers run one after the other on PostgreSQL too (SQLite's BEGIN IMMEDIATE already does).
/// The update also fires the pool's trigger of migration 0005, bumping its configuration
/// counter: every configuration write takes this lock first (one lock order: the pool's row,
/// then its counter), and resource-server changes, which prune clients' scopes, count too.
macro_rules! lock_pool {
    ($tx:expr, $pool_id:expr) => {
        sqlx::query("UPDATE user_pools SET version = version WHERE id = $1")
            .bind($pool_id)
            .execute(&mut *$tx)
            .await
            .map_err(map_err)?
    };
}
pub(crate) use lock_pool;

/// A storage failure, with unique-constraint violations singled out so services can turn them
/// into domain errors (UsernameExists, GroupExists, …).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write; the text names the index or columns.
    #[error("unique constraint violated: {0}")]
    Unique(String),
    /// An optimistic-locking check failed: the row changed since it was read.
    #[error("concurrent change: {0}")]
    Conflict(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A sealed column could not be opened (no master key yet, or not the one that sealed it).
    #[error(transparent)]
    Sealed(#[from] crate::crypto::vault::OpenError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// True when this is a unique violation on the named index / column set.
    pub fn is_unique_on(&self, name: &str) -> bool {
        matches!(self, StoreError::Unique(target) if target.contains(name))
    }
}

impl From<StoreError> for crate::domain::AuthError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => crate::domain::AuthError::ConcurrentModification(
                format!("{what}; retry the request.").into(),
            ),
            other => crate::domain::AuthError::Internal(other.to_string()),
        }
    }
}

/// When this process last saw a database connection fail, so that the PostgreSQL pool's
/// connections idle since before then are not reused: after a restart of the database each
/// would otherwise fail one request (sqlx does not ping before use; see [`Store::connect`]).
mod connection_lost {
    use std::sync::LazyLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    static START: LazyLock<Instant> = LazyLock::new(Instant::now);
    /// Milliseconds after `START` of the last failure, plus one; 0 for none.
    static AT: AtomicU64 = AtomicU64::new(0);

    fn now_ms() -> u64 {
        u64::try_from(START.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Notes a failure of `e`'s kind: the connection broke, or the server is going away.
    pub(super) fn note(e: &sqlx::Error) {
        let lost = match e {
            sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) => true,
            // Class 08 (connection exception) and 57P (operator intervention: shutdown).
            sqlx::Error::Database(db) => db
                .code()
                .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
            _ => false,
        };
        if lost {
            AT.store(now_ms() + 1, Ordering::Relaxed);
        }
    }

    /// Whether a connection idle for `idle_for` went idle after the last failure.
    pub(super) fn reusable(idle_for: Duration) -> bool {
        reusable_at(AT.load(Ordering::Relaxed), now_ms(), idle_for)
    }

    pub(super) fn reusable_at(lost_at: u64, now: u64, idle_for: Duration) -> bool {
        let idle_ms = u64::try_from(idle_for.as_millis()).unwrap_or(u64::MAX);
        lost_at == 0 || now.saturating_sub(idle_ms) + 1 > lost_at
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn connections_idle_since_before_a_failure_are_dropped() {
            let idle = Duration::from_millis;
            assert!(reusable_at(0, 5_000, idle(4_000)));
            // Failure at 3,000 ms (stored as 3,001): idle since 1,000 → dropped; since 4,000 → kept.
            assert!(!reusable_at(3_001, 5_000, idle(4_000)));
            assert!(reusable_at(3_001, 5_000, idle(1_000)));
            assert!(!reusable_at(3_001, 5_000, idle(2_000)));
        }
    }
}

/// Converts an sqlx error, recognising unique violations on both backends.
pub(crate) fn map_err(e: sqlx::Error) -> StoreError {
    connection_lost::note(&e);
    if let sqlx::Error::Database(db) = &e
        && db.kind() == sqlx::error::ErrorKind::UniqueViolation
    {
        let target = db
            .constraint()
            .map(str::to_string)
            .unwrap_or_else(|| db.message().to_string());
        return StoreError::Unique(target);
    }
    StoreError::Database(e)
}

pub type StoreResult<T> = Result<T, StoreError>;

impl Store {
    fn over(db: Db) -> Store {
        Store {
            db,
            vault: Arc::new(OnceLock::new()),
        }
    }

    /// Connects to `sqlite://path` (file created if missing, WAL) or `postgres://…`.
    pub async fn connect(url: &str) -> StoreResult<Store> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            // No ping before each acquire (sqlx's default): it doubles the round trips of
            // every query. The cost: after a database restart the first request to meet a
            // dead connection fails (InternalErrorException, which the AWS SDKs retry); the
            // other connections idle since then are dropped unused (`connection_lost`).
            // Idle connections close after a minute, before the idle timeouts of NATs and
            // load balancers (typically 4–6 min) could leave one silently dead.
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .test_before_acquire(false)
                // After a restart of the server, the pool's idle connections are dead: once
                // one has failed, those idle since before are dropped, not tried one request
                // at a time.
                .before_acquire(|_, meta| {
                    Box::pin(async move { Ok(connection_lost::reusable(meta.idle_for)) })
                })
                .idle_timeout(Duration::from_secs(60))
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Store::over(Db::Postgres(pool)))
        } else if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let file = path.split('?').next().unwrap_or(path);
            if let Some(parent) = std::path::Path::new(file).parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent)
                    .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
            }
            let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            // The hot reads open the very file sqlx does (its name percent-decoded), unless
            // the database is in memory or opened through another VFS or as immutable.
            let in_file = file != ":memory:"
                && !["mode=memory", "vfs=", "immutable="]
                    .iter()
                    .any(|option| path.contains(option));
            let reads = SqliteReads::new(in_file.then(|| options.get_filename().to_path_buf()));
            // A SQLite connection is a file handle on this host: nothing to ping (the ping is a
            // round trip to the connection's worker thread before every query).
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .test_before_acquire(false)
                .connect_with(options)
                .await?;
            Ok(Store::over(Db::Sqlite(pool, Arc::new(reads))))
        } else {
            Err(StoreError::Database(sqlx::Error::Configuration(
                "DATABASE_URL must start with sqlite:// or postgres://".into(),
            )))
        }
    }

    /// The row (or none) that `sql`, with one parameter, selects, for the reads on every
    /// request's path: on SQLite on the request's own thread (`sqlite_reads`), else through
    /// sqlx's pool.
    async fn hot_row<T>(&self, sql: &'static str, param: &str) -> StoreResult<Option<T>>
    where
        T: sqlite_reads::FromSqliteRow
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + Send
            + Unpin,
    {
        if let Some(row) = self.sqlite_row::<T>(sql, param) {
            return Ok(row);
        }
        db_run!(self, |pool| {
            sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql))
                .bind(param)
                .fetch_optional(pool)
                .await
                .map_err(map_err)
        })
    }

    /// Brings the schema up to date (the migrations of the store's backend).
    pub async fn migrate(&self) -> StoreResult<()> {
        match &self.db {
            Db::Sqlite(pool, _) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Db::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Answers when the database is reachable (`/ready`).
    pub async fn ping(&self) -> StoreResult<()> {
        db_run!(self, |pool| {
            sqlx::query("SELECT 1")
                .execute(pool)
                .await
                .map_err(map_err)?;
        });
        Ok(())
    }

    /// The pool's connections now: (idle, in use).
    pub fn connection_counts(&self) -> (i64, i64) {
        let (size, idle) = db_run!(self, |pool| (pool.size(), pool.num_idle()));
        let idle = i64::try_from(idle).unwrap_or(i64::MAX);
        (idle, i64::from(size) - idle)
    }

    /// Which backend this is, for logs.
    pub fn backend(&self) -> &'static str {
        match self.db {
            Db::Sqlite(..) => "sqlite",
            Db::Postgres(..) => "postgres",
        }
    }

    /// Closes every connection (graceful shutdown).
    pub async fn close(&self) {
        db_run!(self, |pool| pool.close().await)
    }
}

/// Parses a JSON column, reporting corruption instead of panicking.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// Serialises a value for a JSON column.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Marks SQL assembled from this module's own constant fragments (column lists) as safe; never
/// use it with text that came from a request.
pub(crate) fn sql(text: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(text)
}

/// Starting a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`: the write lock is
/// taken up front, so a transaction that reads before it writes waits its turn (busy timeout)
/// instead of failing with SQLITE_BUSY_SNAPSHOT when another writer commits first.
pub(crate) trait BeginWrite {
    type Database: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<sqlx::Transaction<'static, Self::Database>, sqlx::Error>>;
}

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}
