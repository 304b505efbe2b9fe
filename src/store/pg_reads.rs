//! PostgreSQL's hot reads (the access check, the refresh lookup) on a few connections held for
//! them, outside sqlx's pool.
//!
//! sqlx's pool tests every connection it takes back: a Sync, then a wait for ReadyForQuery
//! (`return_to_pool` in sqlx-core). For a one-row read that is a second wake-up of the database
//! backend and of the connection's task per query; `strace` of a backend serving GetUser showed
//! two `sendto` and four `recvfrom` per query where one and two do. The test exists because a
//! query whose future was dropped halfway leaves its connection mid-answer; here a connection
//! is taken out of its slot for the query and put back only when the query has finished, so a
//! dropped query drops its connection instead, and the next read opens a new one.
//!
//! When every held connection is busy, or none can be opened, the read goes through the pool as
//! before. A read that fails on a connection held from before (say, across a database restart)
//! is tried once more on a new connection, so a restart costs no hot read an error.

use super::{StoreResult, map_err};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgRow};
use sqlx::{ConnectOptions, Connection, FromRow};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// After a failed connect, no held connection is opened again for this long (reads use the
/// pool meanwhile).
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// A connect that takes longer than this counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A held connection unused for this long is closed rather than used: as the pool's idle
/// timeout, before NATs and load balancers (typically 4–6 min) could have dropped it silently.
const IDLE: Duration = Duration::from_secs(60);

/// A held connection and when it last answered.
struct Held {
    conn: PgConnection,
    used: Instant,
}

/// How the hot reads were answered, for tests and diagnostics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PgReadCounts {
    /// On a held connection.
    pub held: u64,
    /// Through the pool (all held connections busy, none could be opened, or one failed).
    pub pooled: u64,
    /// Held connections opened (the first of each slot included).
    pub opened: u64,
}

pub struct PgReads {
    options: PgConnectOptions,
    slots: Vec<Mutex<Option<Held>>>,
    /// Set by [`PgReads::close`]: every read goes to the pool (which is closing too).
    closed: AtomicBool,
    /// Milliseconds since `epoch` before which no connect is tried (after a failed one).
    quiet_until: AtomicI64,
    epoch: Instant,
    held: AtomicU64,
    pooled: AtomicU64,
    opened: AtomicU64,
}

impl std::fmt::Debug for PgReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PgReads({} slots)", self.slots.len())
    }
}

impl PgReads {
    /// `slots` held connections at most, opened at their first use.
    pub fn new(options: PgConnectOptions, slots: usize) -> PgReads {
        PgReads {
            options,
            slots: (0..slots).map(|_| Mutex::new(None)).collect(),
            closed: AtomicBool::new(false),
            quiet_until: AtomicI64::new(0),
            epoch: Instant::now(),
            held: AtomicU64::new(0),
            pooled: AtomicU64::new(0),
            opened: AtomicU64::new(0),
        }
    }

    /// The same database with no held connection: every read through the pool.
    pub fn without_held(&self) -> PgReads {
        PgReads::new(self.options.clone(), 0)
    }

    pub fn counts(&self) -> PgReadCounts {
        PgReadCounts {
            held: self.held.load(Ordering::Relaxed),
            pooled: self.pooled.load(Ordering::Relaxed),
            opened: self.opened.load(Ordering::Relaxed),
        }
    }

    fn now_ms(&self) -> i64 {
        i64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(i64::MAX)
    }

    /// Closes the held connections (waiting for reads in progress); later reads use the pool.
    pub async fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        for slot in &self.slots {
            if let Some(held) = slot.lock().await.take() {
                drop(held.conn.close().await);
            }
        }
    }

    async fn open(&self) -> Option<PgConnection> {
        if self.closed.load(Ordering::Relaxed)
            || self.now_ms() < self.quiet_until.load(Ordering::Relaxed)
        {
            return None;
        }
        match tokio::time::timeout(CONNECT_TIMEOUT, self.options.connect()).await {
            Ok(Ok(conn)) => {
                self.opened.fetch_add(1, Ordering::Relaxed);
                Some(conn)
            }
            failed => {
                let why = match failed {
                    Ok(Err(e)) => e.to_string(),
                    _ => "timed out".to_string(),
                };
                tracing::warn!(error = %why, "could not open a connection for hot reads; using the pool");
                let until = self.now_ms() + RETRY_AFTER.as_millis() as i64;
                self.quiet_until.store(until, Ordering::Relaxed);
                None
            }
        }
    }

    /// The row (or none) that `sql`, with one parameter, selects.
    pub async fn fetch_optional<T>(
        &self,
        pool: &PgPool,
        sql: &'static str,
        param: &str,
    ) -> StoreResult<Option<T>>
    where
        T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        // Always from the first slot: a node holds as many connections as it has had reads
        // running at once, and a quiet one keeps using the first.
        'slots: for slot in &self.slots {
            if self.closed.load(Ordering::Relaxed) {
                break;
            }
            let Ok(mut slot) = slot.try_lock() else {
                continue;
            };
            // Out of the slot while in use: if this future is dropped mid-query, so is the
            // connection, and the slot opens a new one next time.
            let (mut conn, mut fresh) = match slot.take() {
                Some(held) if held.used.elapsed() < IDLE => (held.conn, false),
                stale => {
                    if let Some(held) = stale {
                        // Idle too long: say goodbye in the background, open another.
                        tokio::spawn(held.conn.close());
                    }
                    match self.open().await {
                        Some(conn) => (conn, true),
                        None => break,
                    }
                }
            };
            loop {
                match select::<T, _>(&mut conn, sql, param).await {
                    // A connection held from before may have died with its backend (a
                    // restart): once more on a new one.
                    Err(e) if is_connection_error(&e) => {
                        if fresh {
                            return Err(map_err(e));
                        }
                        tracing::warn!(error = %e, "a held connection failed; opening another");
                        conn = match self.open().await {
                            Some(conn) => conn,
                            None => break 'slots,
                        };
                        fresh = true;
                    }
                    // An answer, or the database refusing the query: the connection is as
                    // good as it was.
                    answer => {
                        *slot = Some(Held {
                            conn,
                            used: Instant::now(),
                        });
                        if answer.is_ok() {
                            self.held.fetch_add(1, Ordering::Relaxed);
                        }
                        return answer.map_err(map_err);
                    }
                }
            }
        }
        self.pooled.fetch_add(1, Ordering::Relaxed);
        select::<T, _>(pool, sql, param).await.map_err(map_err)
    }
}

/// `sql` with its one parameter, on a held connection or through the pool.
async fn select<'c, T, E>(executor: E, sql: &'static str, param: &str) -> sqlx::Result<Option<T>>
where
    T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
    E: sqlx::PgExecutor<'c>,
{
    sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql))
        .bind(param)
        .fetch_optional(executor)
        .await
}

/// True when the error says the connection itself is unusable rather than the query failing:
/// the socket or the protocol, or the server ending the session (SQLSTATE class 08, connection
/// exception, and 57P, operator intervention: a terminated backend, a shutdown).
fn is_connection_error(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}
