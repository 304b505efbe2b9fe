//! Whether anything has been committed to a SQLite database since a given moment, answered
//! from memory: the WAL-index header at the start of the database's `-shm` file
//! (<https://www.sqlite.org/walformat.html>, "the WAL-index header"). Every commit, by any
//! connection of any process, rewrites that header (`iChange` counts transactions, `mxFrame`
//! the frames in the log, and a WAL restart draws new salts), so two equal snapshots taken
//! at two moments mean no transaction committed in between.
//!
//! The configuration counter uses it (`config_versions`): a counter read from the table is
//! reused while the header has not changed since just before that read. A commit anywhere makes
//! the next request read the table again, so a change by another process (the CLI, a second
//! node on the same file) is still seen at the next request, as with a read per request, for a
//! memory read instead of a SQLite transaction (measured: docs/performance.md).
//!
//! The header is read where SQLite itself maps it: a connection of our own, kept open for as
//! long as the watch lives, asks its VFS for the first region of the WAL index (`xShmMap`,
//! which returns the mapping the process already has). No second handle to the `-shm` file is
//! opened: closing one would drop every POSIX lock the process holds on that file, SQLite's
//! included. While our connection is open SQLite keeps the region mapped, and its shared lock
//! means no other process can truncate or re-initialise the file.
//!
//! Anything unexpected when opening (not WAL, no `-shm`, a header of another version) means no
//! watch: the counter is read from the table every time, as before.

use super::sqlite_reads::SqliteReads;
use rusqlite::ffi;
use std::path::Path;

/// The first copy of the WAL-index header: 48 bytes.
pub type Mark = [u32; 12];

/// The size of a WAL-index region (SQLite's `WALINDEX_PGSZ`, 32 KB): the header is at the start
/// of the first.
const REGION: i32 = 32_768;
/// `iVersion` of the WAL-index format SQLite 3.7.0 and later write.
const WAL_INDEX_VERSION: u32 = 3_007_000;

/// A database's WAL-index header, as SQLite maps it.
pub struct CommitWatch {
    /// Keeps the region mapped and SQLite's shared lock on the `-shm` file (see the module
    /// documentation). Never used after `open`: it only has to stay open.
    _holder: rusqlite::Connection,
    header: std::ptr::NonNull<u32>,
}

// SAFETY: the region stays mapped as long as the value (its connection) lives, and is only read
// with volatile loads of aligned words; the connection is never used after `open`.
unsafe impl Send for CommitWatch {}
// SAFETY: as above: concurrent volatile reads of memory that only SQLite writes.
unsafe impl Sync for CommitWatch {}

impl std::fmt::Debug for CommitWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommitWatch").finish_non_exhaustive()
    }
}

impl CommitWatch {
    /// Finds the WAL-index header of the database at `db`; the error says why not.
    pub fn open(db: &Path) -> Result<Self, String> {
        let holder = SqliteReads::open(db).map_err(|e| e.to_string())?;
        let mode: String = holder
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .map_err(|e| e.to_string())?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(format!("journal mode {mode}, not WAL"));
        }
        // A first read transaction opens (and if need be initialises) the WAL index and takes
        // the shared lock that this connection then keeps until it closes.
        holder
            .query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
            .map_err(|e| e.to_string())?;
        let header = first_region(&holder)?;
        let watch = CommitWatch {
            _holder: holder,
            header,
        };
        let mark = watch.mark();
        // `isInit` is the byte at offset 12 (native order, as the whole index).
        let is_init = mark[3].to_ne_bytes()[0];
        if mark[0] != WAL_INDEX_VERSION || is_init != 1 {
            return Err(format!(
                "unexpected WAL-index header (version {}, isInit {is_init})",
                mark[0]
            ));
        }
        Ok(watch)
    }

    /// The header now. Equal marks at two moments: nothing committed in between. A read that
    /// races a commit can only see a mix of old and new words, which differs from the old mark
    /// (the commit is then seen now) or equals it (the commit had not finished: it is seen by
    /// the next request).
    pub fn mark(&self) -> Mark {
        let mut mark = [0u32; 12];
        for (i, word) in mark.iter_mut().enumerate() {
            // SAFETY: `i < 12`, so the word lies in the mapped, aligned first 48 bytes.
            *word = unsafe { std::ptr::read_volatile(self.header.as_ptr().add(i)) };
        }
        std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
        mark
    }
}

/// The first region of the connection's WAL index, as its VFS has it mapped.
fn first_region(holder: &rusqlite::Connection) -> Result<std::ptr::NonNull<u32>, String> {
    let mut file: *mut ffi::sqlite3_file = std::ptr::null_mut();
    // SAFETY: the handle is a live connection used by this thread only; FILE_POINTER writes the
    // main database's `sqlite3_file` pointer (owned by the connection) into `file`.
    let rc = unsafe {
        ffi::sqlite3_file_control(
            holder.handle(),
            c"main".as_ptr(),
            ffi::SQLITE_FCNTL_FILE_POINTER,
            (&raw mut file).cast(),
        )
    };
    if rc != ffi::SQLITE_OK || file.is_null() {
        return Err(format!("no file pointer (SQLite code {rc})"));
    }
    // SAFETY: `file` is the connection's open database file; its methods table is SQLite's.
    let methods = unsafe { (*file).pMethods };
    // SAFETY: as above; `iVersion` says which members exist (xShmMap from version 2).
    if methods.is_null() || unsafe { (*methods).iVersion } < 2 {
        return Err("the VFS has no shared memory".into());
    }
    // SAFETY: as above.
    let Some(shm_map) = (unsafe { (*methods).xShmMap }) else {
        return Err("the VFS has no shared memory".into());
    };
    let mut region: *mut std::ffi::c_void = std::ptr::null_mut();
    // SAFETY: region 0 of the file's WAL index, without extending it: SQLite returns its own
    // mapping (the read in `open` made it), valid until the connection closes, or null.
    let rc = unsafe { shm_map(file, 0, REGION, 0, &raw mut region) };
    if rc != ffi::SQLITE_OK {
        return Err(format!("xShmMap failed (SQLite code {rc})"));
    }
    std::ptr::NonNull::new(region.cast::<u32>()).ok_or_else(|| "the WAL index is not mapped".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::sqlite_reads::tests::bump;

    #[tokio::test]
    async fn the_mark_moves_with_every_commit_and_only_then() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.db");
        let store = Store::connect(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let Store::Sqlite(pool, _) = &store else {
            panic!("not SQLite")
        };
        let watch = CommitWatch::open(&file).unwrap();
        let mut last = watch.mark();
        for version in 1..=3_i64 {
            // Reads leave it alone.
            let _: Option<i64> =
                sqlx::query_scalar("SELECT version FROM config_versions WHERE pool_id = 'p'")
                    .fetch_optional(pool)
                    .await
                    .unwrap();
            assert_eq!(watch.mark(), last);
            bump(&store, version).await;
            let now = watch.mark();
            assert_ne!(now, last, "commit {version} not seen");
            last = now;
        }
        // A checkpoint that restarts the log, then one more commit: still seen.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(pool)
            .await
            .unwrap();
        let before = watch.mark();
        sqlx::query("UPDATE config_versions SET version = 9 WHERE pool_id = 'p'")
            .execute(pool)
            .await
            .unwrap();
        assert_ne!(watch.mark(), before);
    }

    #[tokio::test]
    async fn a_counter_is_reused_until_anything_commits_then_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let writer = Store::connect(&url).await.unwrap();
        writer.migrate().await.unwrap();
        let reader = Store::connect(&url).await.unwrap();
        let Store::Sqlite(pool, _) = &writer else {
            panic!("not SQLite")
        };
        let set = |pool_id: &'static str, version: i64| {
            sqlx::query(
                "INSERT INTO config_versions (pool_id, version) VALUES ($1, $2) \
                 ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version",
            )
            .bind(pool_id)
            .bind(version)
            .execute(pool)
        };
        let reads = || reader.sqlite_read_counts().unwrap().answered;
        set("p", 1).await.unwrap();
        assert_eq!(reader.config_version("p").await.unwrap(), 1);
        let after_first = reads();
        for _ in 0..3 {
            assert_eq!(reader.config_version("p").await.unwrap(), 1);
        }
        assert_eq!(reads(), after_first, "nothing committed: no read");
        // A change by another store (another node, the CLI) is seen at the next request.
        set("p", 2).await.unwrap();
        assert_eq!(reader.config_version("p").await.unwrap(), 2);
        assert_eq!(reads(), after_first + 1);
        // Any commit makes the next use read the table again.
        set("q", 5).await.unwrap();
        assert_eq!(reader.config_version("p").await.unwrap(), 2);
        assert_eq!(reads(), after_first + 2);
        // Without the watch (the sqlx path), every use reads.
        let plain = reader.without_sqlite_reads();
        assert_eq!(plain.config_version("p").await.unwrap(), 2);
    }

    #[test]
    fn a_database_not_in_wal_mode_is_not_watched() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain.db");
        rusqlite::Connection::open(&file)
            .unwrap()
            .execute_batch("CREATE TABLE t (x INTEGER)")
            .unwrap();
        assert!(CommitWatch::open(&file).is_err());
    }
}
