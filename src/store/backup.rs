//! The database side of `tessera backup` and `tessera restore`: SQLite's own online copy
//! (`VACUUM INTO`), and what a restore asks of a database before it replaces it. PostgreSQL's
//! copies are made by its own programs, pg_dump and pg_restore, which `services::backup` runs.

use super::{Db, Store, StoreError, StoreResult, map_err};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Where a database URL keeps its data, known without connecting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// An SQLite database in this file.
    SqliteFile(PathBuf),
    /// A PostgreSQL database.
    Postgres,
}

/// Reads a database URL the way [`Store::connect`] does. An SQLite database in memory has no
/// file to restore into, and is refused.
pub fn location(database_url: &str) -> StoreResult<Location> {
    if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        return Ok(Location::Postgres);
    }
    let Some(path) = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
    else {
        return Err(configuration(
            "DATABASE_URL must start with sqlite:// or postgres://",
        ));
    };
    let file = path.split('?').next().unwrap_or(path);
    if file == ":memory:" || path.contains("mode=memory") {
        return Err(configuration("an SQLite database in memory has no file"));
    }
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?;
    Ok(Location::SqliteFile(options.get_filename().to_path_buf()))
}

impl Store {
    /// Writes a consistent copy of this SQLite database to `file`, which must not exist yet.
    /// `VACUUM INTO` reads one snapshot while the other connections go on writing (WAL):
    /// <https://www.sqlite.org/lang_vacuum.html#vacuuminto>.
    pub async fn sqlite_copy_into(&self, file: &Path) -> StoreResult<()> {
        let Db::Sqlite(pool, _) = &self.db else {
            return Err(configuration("VACUUM INTO copies SQLite databases only"));
        };
        let name = file
            .to_str()
            .ok_or_else(|| configuration("the backup file's name is not UTF-8"))?;
        sqlx::query("VACUUM INTO $1")
            .bind(name)
            .execute(pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    /// Whether the database holds any table: a database a restore would replace.
    pub async fn has_tables(&self) -> StoreResult<bool> {
        let count: i64 = match &self.db {
            Db::Sqlite(pool, _) => sqlx::query_scalar(SQLITE_TABLES).fetch_one(pool).await,
            Db::Postgres(pool) => {
                sqlx::query_scalar(
                    "SELECT count(*) FROM information_schema.tables \
                     WHERE table_schema = current_schema()",
                )
                .fetch_one(pool)
                .await
            }
        }
        .map_err(map_err)?;
        Ok(count > 0)
    }
}

const SQLITE_TABLES: &str = "SELECT count(*) FROM sqlite_master WHERE type = 'table'";

/// Whether the SQLite database in `file` holds any table; a missing file holds none, and is
/// not created.
pub async fn sqlite_file_has_tables(file: &Path) -> StoreResult<bool> {
    if !tokio::fs::try_exists(file)
        .await
        .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?
    {
        return Ok(false);
    }
    let mut conn = open_existing(file).await?;
    let count: StoreResult<i64> = sqlx::query_scalar(SQLITE_TABLES)
        .fetch_one(&mut conn)
        .await
        .map_err(map_err);
    conn.close().await?;
    Ok(count? > 0)
}

/// Moves what the write-ahead log of `file` holds into the database file itself (and empties
/// the log), so removing the log loses nothing. Nothing to do when `file` does not exist.
pub async fn sqlite_checkpoint(file: &Path) -> StoreResult<()> {
    if !tokio::fs::try_exists(file)
        .await
        .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?
    {
        return Ok(());
    }
    let mut conn = open_existing(file).await?;
    let done = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await
        .map_err(map_err);
    conn.close().await?;
    done.map(|_| ())
}

/// Whether `file` is an intact SQLite database (`PRAGMA quick_check`), checked before a
/// restore puts it in place. A file SQLite cannot read as a database is not.
pub async fn sqlite_file_is_intact(file: &Path) -> StoreResult<bool> {
    let mut conn = open_existing(file).await?;
    let check: Result<Vec<String>, sqlx::Error> = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_all(&mut conn)
        .await;
    conn.close().await?;
    match check {
        Ok(lines) => Ok(lines == ["ok"]),
        Err(sqlx::Error::Database(_)) => Ok(false),
        Err(other) => Err(other.into()),
    }
}

/// One connection to an SQLite file that exists (never creating it).
async fn open_existing(file: &Path) -> StoreResult<SqliteConnection> {
    Ok(SqliteConnectOptions::new()
        .filename(file)
        .create_if_missing(false)
        .connect()
        .await?)
}

fn configuration(message: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Configuration(message.into()))
}
