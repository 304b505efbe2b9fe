//! Point reads on SQLite answered on the calling thread, for the reads on every request's path
//! (the configuration counter, the access check of GetUser and userInfo, the refresh lookup).
//!
//! Why it exists: sqlx runs every SQLite statement on its connection's own worker thread and
//! hands the result back through a channel. For a primary-key read that costs more CPU than
//! SQLite itself (two thread wake-ups, futex traffic, cold caches on both sides). Measured back
//! to back on 2026-12-07 (2-core VM, 64 connections, req/CPU-s), these reads through sqlx
//! instead of here cost GetUser 37% and userInfo 43% (GetUser fell from 10,445 to 6,497 req/s,
//! below DESIGN §5's 10,000), REFRESH_TOKEN_AUTH 20% and client_credentials 20% (below its
//! 90%-of-a-signature target): see docs/performance.md.
//!
//! How: a few query-only rusqlite connections to the same file (rusqlite uses the same
//! libsqlite3-sys as sqlx), each used by one thread at a time. A WAL reader sees every
//! committed transaction of sqlx's connections and never waits for a writer. The rows are
//! declared once with [`hot_row!`], which derives both sqlx's mapping and this one. Whatever
//! goes wrong here (the file cannot be opened, a busy or corrupt database, a value the row does
//! not expect) makes the read give up and the caller runs the same statement through sqlx,
//! which reports the error as every other read does; the failure is logged. A read holds its
//! thread for SQLite's own work (microseconds) and at most 20 ms of busy wait (another
//! connection recovering the WAL index), never for sqlx's busy timeout.

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Idle connections kept; more threads than this at once open extra ones, closed after use.
const KEEP_IDLE: usize = 16;

/// Query-only connections to one SQLite file.
pub struct SqliteReads {
    /// None for an in-memory database, which other connections cannot see.
    path: Option<PathBuf>,
    idle: Mutex<Vec<Connection>>,
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
        }
    }

    fn idle(&self) -> MutexGuard<'_, Vec<Connection>> {
        // Nothing panics while the list is held; a poisoned list is still a list.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn fall_back(e: &rusqlite::Error) {
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

    fn open(path: &Path) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // Writes go through sqlx only; this connection must never take the write lock.
        conn.pragma_update(None, "query_only", true)?;
        conn.busy_timeout(Duration::from_millis(20))?;
        Ok(conn)
    }

    /// Runs `read` on an idle connection (its prepared statements cached); None when it could
    /// not be answered here, and the caller asks sqlx instead.
    fn read<T>(&self, read: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Option<T> {
        let taken = self.idle().pop();
        let conn = match taken {
            Some(conn) => conn,
            None => match Self::open(self.path.as_ref()?) {
                Ok(conn) => conn,
                Err(e) => {
                    Self::fall_back(&e);
                    return None;
                }
            },
        };
        let result = read(&conn);
        let keep = match &result {
            Ok(_) => true,
            Err(e) => {
                Self::fall_back(e);
                // After a failure of SQLite itself a new connection starts clean; after a
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
        result.ok()
    }
}

/// Reads a row by column name; implemented by [`hot_row!`].
pub(super) trait FromSqliteRow: Sized {
    fn from_sqlite_row(row: &NamedRow<'_>) -> rusqlite::Result<Self>;
}

/// A single value: the first column.
impl FromSqliteRow for (i64,) {
    fn from_sqlite_row(row: &NamedRow<'_>) -> rusqlite::Result<Self> {
        Ok((row.row.get(0)?,))
    }
}

/// Declares a row struct of the hot reads once: it derives `sqlx::FromRow` (both databases)
/// and [`FromSqliteRow`] (reads on the request's thread) from the same fields, each read by
/// its name; a field marked `#[flatten]` is a nested row read from the same columns.
macro_rules! hot_row {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$flatten:ident])? $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(sqlx::FromRow)]
        $vis struct $name {
            $( $(#[sqlx($flatten)])? $field: $ty ),*
        }

        impl $crate::store::sqlite_reads::FromSqliteRow for $name {
            fn from_sqlite_row(
                row: &$crate::store::sqlite_reads::NamedRow<'_>,
            ) -> rusqlite::Result<Self> {
                Ok($name {
                    $( $field: hot_row!(@get row, $field $(, $flatten)?) ),*
                })
            }
        }
    };
    (@get $row:ident, $field:ident, flatten) => {
        $crate::store::sqlite_reads::FromSqliteRow::from_sqlite_row($row)?
    };
    (@get $row:ident, $field:ident) => {
        $row.get(stringify!($field))?
    };
}
pub(crate) use hot_row;

/// A row with its statement's column names. rusqlite's lookup by name asks SQLite for every
/// column's name until it matches (a thousand calls for a 45-column join, four times the query
/// itself); here the names are fetched once per row and a lookup starts where the previous one
/// matched, so reading the columns in select-list order costs one comparison each.
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
    /// The row (or none) that `sql`, with one parameter, selects, read on this thread when the
    /// store is SQLite. None when it was not read here: the caller runs `sql` through sqlx.
    pub(super) fn sqlite_row<T: FromSqliteRow>(&self, sql: &str, param: &str) -> Option<Option<T>> {
        let super::Db::Sqlite(_, reads) = &self.db else {
            return None;
        };
        reads.read(|conn| {
            conn.prepare_cached(sql)?
                .query_row([param], |row| T::from_sqlite_row(&NamedRow::new(row)?))
                .optional()
        })
    }
}
