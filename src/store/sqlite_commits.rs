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
//! The header is mapped read-only. A connection of our own, kept open for as long as the
//! mapping lives, holds SQLite's shared lock on the `-shm` file, so no process can truncate or
//! re-initialise it underneath us (SQLite does that only when it is the file's last user).
//! Anything unexpected when opening (not WAL, no `-shm`, a header of another version) means no
//! watch: the counter is read from the table every time, as before.

use super::sqlite_reads::SqliteReads;
use std::os::fd::AsRawFd;
use std::path::Path;

/// The first copy of the WAL-index header: 48 bytes.
pub type Mark = [u32; 12];

/// Bytes mapped: both header copies and the checkpoint information.
const MAPPED: usize = 136;
/// `iVersion` of the WAL-index format SQLite 3.7.0 and later write.
const WAL_INDEX_VERSION: u32 = 3_007_000;

/// A read-only mapping of a database's WAL-index header.
pub struct CommitWatch {
    /// Keeps SQLite's shared lock on the `-shm` file (see the module documentation).
    _holder: rusqlite::Connection,
    header: std::ptr::NonNull<u32>,
}

// SAFETY: the mapping is read-only, lives as long as the value, and is only read with volatile
// loads of aligned words; nothing in it is owned by a thread.
unsafe impl Send for CommitWatch {}
// SAFETY: as above: concurrent volatile reads of a read-only mapping.
unsafe impl Sync for CommitWatch {}

impl std::fmt::Debug for CommitWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommitWatch").finish_non_exhaustive()
    }
}

impl CommitWatch {
    /// Maps the WAL-index header of the database at `db`; the error says why not.
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
        let mut shm = std::fs::canonicalize(db).map_err(|e| e.to_string())?;
        shm.as_mut_os_string().push("-shm");
        let file = std::fs::File::open(&shm).map_err(|e| format!("{}: {e}", shm.display()))?;
        let len = file.metadata().map_err(|e| e.to_string())?.len();
        if len < MAPPED as u64 {
            return Err(format!("{} holds only {len} bytes", shm.display()));
        }
        // SAFETY: a fresh read-only shared mapping of the first bytes of a file at least that
        // long; the kernel picks the (page-aligned) address. The file may be closed after.
        let address = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                MAPPED,
                libc::PROT_READ,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if address == libc::MAP_FAILED {
            return Err(format!("mmap: {}", std::io::Error::last_os_error()));
        }
        let header = std::ptr::NonNull::new(address.cast::<u32>())
            .ok_or_else(|| "mmap returned null".to_string())?;
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

impl Drop for CommitWatch {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `open`, which nothing uses any more.
        unsafe {
            libc::munmap(self.header.as_ptr().cast(), MAPPED);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

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
            sqlx::query(
                "INSERT INTO config_versions (pool_id, version) VALUES ('p', $1) \
                 ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version",
            )
            .bind(version)
            .execute(pool)
            .await
            .unwrap();
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
