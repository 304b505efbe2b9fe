//! `tessera backup FILE` and `tessera restore FILE`: a consistent copy of the whole database,
//! taken while the server keeps serving, and its return into the configured database. Keys,
//! secrets, pools, clients, users and sessions all live in the database, so a restored copy
//! signs everyone in and verifies the tokens it issued.
//!
//! SQLite copies itself (`VACUUM INTO`, in `store::backup`); PostgreSQL's copies are pg_dump's
//! custom format, restored with pg_restore. Files appear whole or not at all: each is written
//! under a temporary name in its directory, synced, then renamed. No SQL here; these are
//! operator commands, so their errors are [`BackupError`]s rather than Cognito's kinds.

use crate::crypto::random;
use crate::store::backup::{self, Location};
use crate::store::{Store, StoreError};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why a backup or a restore did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// A backup never replaces a file.
    #[error("{0} exists already; back up into a new file")]
    FileExists(PathBuf),
    /// The database has no tables: nothing to back up (a wrong DATABASE_URL, most often).
    #[error("the database holds no Tessera data; check DATABASE_URL")]
    NothingToBackUp,
    /// The database to restore into holds data and the restore was not forced.
    #[error(
        "the database to restore into already holds data; restore into a fresh database, or pass --force to replace it"
    )]
    TargetNotEmpty,
    /// The file given to an SQLite restore is not an intact SQLite database.
    #[error(
        "{0} is not an intact SQLite database (a PostgreSQL backup restores only into PostgreSQL)"
    )]
    NotSqlite(PathBuf),
    /// pg_dump or pg_restore is not on PATH.
    #[error(
        "{0} was not found: backups of PostgreSQL run pg_dump and pg_restore, PostgreSQL's client programs (e.g. `apt install postgresql-client`); put them on PATH"
    )]
    ToolMissing(&'static str),
    /// pg_dump or pg_restore ran and failed; `output` is what it wrote to stderr.
    #[error("{tool} failed ({status}): {output}")]
    ToolFailed {
        tool: &'static str,
        status: String,
        output: String,
    },
    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `tessera backup`: connects to the database at `database_url` and backs it up to `file`. The
/// database is taken as it is, not migrated first, so a backup made before an upgrade restores
/// with the version it came from. Returns the backend's name.
pub async fn backup_database(database_url: &str, file: &Path) -> Result<&'static str, BackupError> {
    if let Location::SqliteFile(database) = backup::location(database_url)?
        && !exists(&database).await?
    {
        return Err(BackupError::NothingToBackUp);
    }
    let store = Store::connect(database_url).await?;
    let done = backup(&store, database_url, file).await;
    store.close().await;
    done.map(|()| store.backend())
}

/// Writes a consistent copy of the database behind `store` (reached at `database_url`) to
/// `file`, which must not exist; only its owner may read it. Other connections keep reading
/// and writing meanwhile; the copy holds every write committed before it began.
pub async fn backup(store: &Store, database_url: &str, file: &Path) -> Result<(), BackupError> {
    if exists(file).await? {
        return Err(BackupError::FileExists(file.to_path_buf()));
    }
    if !store.has_tables().await? {
        return Err(BackupError::NothingToBackUp);
    }
    let temp = temporary_beside(file);
    create_owner_only(&temp).await?;
    let written = match backup::location(database_url)? {
        Location::SqliteFile(_) => store
            .sqlite_copy_into(&temp)
            .await
            .map_err(BackupError::from),
        Location::Postgres => {
            let mut pg_dump = pg_command("pg_dump", database_url);
            pg_dump
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(&temp);
            run("pg_dump", pg_dump).await
        }
    };
    match written {
        Ok(()) => put_in_place(&temp, file).await,
        Err(e) => {
            discard(&temp).await;
            Err(e)
        }
    }
}

/// Restores the backup in `file` into the database at `database_url`, then brings its schema
/// up to date (as the server does on start). A database that already holds tables is
/// replaced only when `force` is set. Stop the servers of that database first.
pub async fn restore(database_url: &str, file: &Path, force: bool) -> Result<(), BackupError> {
    if !exists(file).await? {
        return Err(io_error(
            "cannot read",
            file,
            std::io::ErrorKind::NotFound.into(),
        ));
    }
    match backup::location(database_url)? {
        Location::SqliteFile(target) => restore_sqlite(file, &target, force).await?,
        Location::Postgres => restore_postgres(file, database_url, force).await?,
    }
    let store = Store::connect(database_url).await?;
    let migrated = store.migrate().await;
    store.close().await;
    Ok(migrated?)
}

/// Copies the backup beside the target, checks the copy, and renames it over the target,
/// whose write-ahead log (of the database replaced) goes first.
async fn restore_sqlite(file: &Path, target: &Path, force: bool) -> Result<(), BackupError> {
    if !force && backup::sqlite_file_has_tables(target).await? {
        return Err(BackupError::TargetNotEmpty);
    }
    let directory = directory_of(target);
    tokio::fs::create_dir_all(&directory)
        .await
        .map_err(|e| io_error("cannot create", &directory, e))?;
    let temp = temporary_beside(target);
    let copied = async {
        tokio::fs::copy(file, &temp)
            .await
            .map_err(|e| io_error("cannot copy the backup to", &temp, e))?;
        if !backup::sqlite_file_is_intact(&temp).await? {
            return Err(BackupError::NotSqlite(file.to_path_buf()));
        }
        // The old log's commits go into the old file first: if the rename below fails, the
        // old database stays whole.
        backup::sqlite_checkpoint(target).await?;
        for suffix in ["-wal", "-shm"] {
            let mut name = target.as_os_str().to_owned();
            name.push(suffix);
            let path = PathBuf::from(name);
            match tokio::fs::remove_file(&path).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(io_error("cannot remove", &path, e));
                }
                _ => {}
            }
        }
        Ok(())
    }
    .await;
    match copied {
        Ok(()) => put_in_place(&temp, target).await,
        Err(e) => {
            discard(&temp).await;
            Err(e)
        }
    }
}

/// pg_restore in one transaction: the database is replaced whole, or left as it was.
async fn restore_postgres(file: &Path, database_url: &str, force: bool) -> Result<(), BackupError> {
    let store = Store::connect(database_url).await?;
    let has_tables = store.has_tables().await;
    store.close().await;
    if has_tables? && !force {
        return Err(BackupError::TargetNotEmpty);
    }
    let mut pg_restore = pg_command("pg_restore", database_url);
    pg_restore
        .args([
            "--no-owner",
            "--clean",
            "--if-exists",
            "--single-transaction",
        ])
        .arg(file);
    run("pg_restore", pg_restore).await
}

/// pg_dump or pg_restore, connecting to the database at `database_url`. The password goes
/// in `PGPASSWORD`, not on the command line, where other users of the host could read it.
fn pg_command(tool: &str, database_url: &str) -> Command {
    let mut command = Command::new(tool);
    match url::Url::parse(database_url) {
        Ok(mut url) if url.password().is_some() => {
            let password = percent_encoding::percent_decode_str(url.password().unwrap_or_default())
                .decode_utf8_lossy()
                .into_owned();
            let _ = url.set_password(None);
            command
                .arg("--dbname")
                .arg(url.as_str())
                .env("PGPASSWORD", password);
        }
        _ => {
            command.arg("--dbname").arg(database_url);
        }
    }
    command
}

/// Runs a PostgreSQL client program to its end; a failure carries what it wrote to stderr.
async fn run(tool: &'static str, mut command: Command) -> Result<(), BackupError> {
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .map_err(|e| BackupError::ToolFailed {
            tool,
            status: "did not finish".into(),
            output: e.to_string(),
        })?;
    let output = match output {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BackupError::ToolMissing(tool));
        }
        Err(e) => return Err(io_error("cannot run", Path::new(tool), e)),
    };
    if output.status.success() {
        return Ok(());
    }
    Err(BackupError::ToolFailed {
        tool,
        status: output.status.to_string(),
        output: String::from_utf8_lossy(&output.stderr).trim().to_string(),
    })
}

/// Syncs the finished `temp` file and renames it to `file` (in the same directory), then syncs
/// the directory, so `file` is whole after a crash or absent.
async fn put_in_place(temp: &Path, file: &Path) -> Result<(), BackupError> {
    let synced = async {
        let written = tokio::fs::File::open(temp).await?;
        written.sync_all().await?;
        tokio::fs::rename(temp, file).await
    }
    .await;
    if let Err(e) = synced {
        discard(temp).await;
        return Err(io_error("cannot write", file, e));
    }
    let directory = directory_of(file);
    let directory_synced = async { tokio::fs::File::open(&directory).await?.sync_all().await };
    directory_synced
        .await
        .map_err(|e| io_error("cannot sync", &directory, e))
}

/// Creates the empty file both copies are written into (`VACUUM INTO` takes an empty file, and
/// pg_dump truncates it), readable by its owner only from the start: a backup holds password
/// hashes and the private signing keys.
async fn create_owner_only(file: &Path) -> Result<(), BackupError> {
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    options
        .open(file)
        .await
        .map(drop)
        .map_err(|e| io_error("cannot create", file, e))
}

/// A new name in `file`'s directory, hidden, for writing `file` before it is complete.
fn temporary_beside(file: &Path) -> PathBuf {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    directory_of(file).join(format!(".{name}.{}.partial", random::uuid()))
}

fn directory_of(file: &Path) -> PathBuf {
    match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

async fn exists(file: &Path) -> Result<bool, BackupError> {
    tokio::fs::try_exists(file)
        .await
        .map_err(|e| io_error("cannot read", file, e))
}

/// Removes a temporary file left by a failed step (there may be none).
async fn discard(temp: &Path) {
    let _ = tokio::fs::remove_file(temp).await;
}

fn io_error(action: &'static str, path: &Path, source: std::io::Error) -> BackupError {
    BackupError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}
