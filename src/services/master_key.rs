//! The master key of the secrets at rest (see [`crate::store::sealed`]): `TESSERA_MASTER_KEY`,
//! or else the file `master.key` in the data directory, created (0600) on the first start of
//! a database that has no sealed secret yet. A node that has neither the setting nor the file
//! of a database already sealed refuses to start rather than make a key that opens nothing.
//! Several nodes on one PostgreSQL database need the same key: the setting, or a copy of the
//! first node's file.

use crate::config::Settings;
use crate::crypto::vault::{self, Key};
use crate::store::Store;
use anyhow::{Context, anyhow, bail};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

/// The key file's name in the data directory.
pub const FILE_NAME: &str = "master.key";
/// The next key during `keys rotate-master`: beside the current one until the database holds
/// the data key sealed under it, then renamed over it.
const NEXT_FILE_NAME: &str = "master.key.next";

/// Where the master key came from.
#[derive(Debug)]
pub enum Source {
    /// `TESSERA_MASTER_KEY`.
    Setting,
    /// The key file.
    File(PathBuf),
}

/// Opens the store's secrets with the master key. The first start of a database with secrets
/// in clear (an upgrade) seals them all.
pub async fn unlock(store: &Store, settings: &Settings, now: i64) -> anyhow::Result<Source> {
    let (key, source) = current(store, settings).await?;
    let sealed = store.unlock(&key, now).await.map_err(|e| match &source {
        Source::Setting => anyhow!("{e}: TESSERA_MASTER_KEY is not the key of this database"),
        Source::File(path) => anyhow!(
            "{e}: {} is not the key of this database; set TESSERA_MASTER_KEY (or copy the key \
             file) to the key of the node that created it",
            path.display()
        ),
    })?;
    if sealed > 0 {
        tracing::info!(
            values = sealed,
            "sealed the secrets that were stored in clear"
        );
    }
    Ok(source)
}

/// The master key and where it came from; creates the key file when the database has no
/// data key yet.
async fn current(store: &Store, settings: &Settings) -> anyhow::Result<(Key, Source)> {
    if let Some(text) = &settings.master_key {
        let key = Key::decode(text.expose()).map_err(|e| anyhow!("TESSERA_MASTER_KEY: {e}"))?;
        return Ok((key, Source::Setting));
    }
    let path = settings.data_dir.join(FILE_NAME);
    let data_key = store.data_key().await?;
    finish_rotation(&settings.data_dir, data_key.as_deref())?;
    match read_key(&path) {
        Ok(key) => Ok((key, Source::File(path))),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            if data_key.is_some() {
                bail!(
                    "the database's secrets are sealed under a master key this node does not \
                     have: set TESSERA_MASTER_KEY, or copy {FILE_NAME} from the node that \
                     created them into {}",
                    settings.data_dir.display()
                );
            }
            let key = Key::generate();
            match write_key_file(&path, &key) {
                Ok(()) => {
                    tracing::info!(file = %path.display(), "created the master key file");
                    Ok((key, Source::File(path)))
                }
                // Another process on this data directory made it first.
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    Ok((read_key(&path)?, Source::File(path)))
                }
                Err(e) => Err(e).with_context(|| format!("creating {}", path.display())),
            }
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Completes or drops an interrupted rotation: the next key file becomes the key file if the
/// database's data key is sealed under it, and is removed otherwise.
fn finish_rotation(data_dir: &Path, data_key: Option<&str>) -> anyhow::Result<()> {
    let next = data_dir.join(NEXT_FILE_NAME);
    let Ok(next_key) = read_key(&next) else {
        return Ok(());
    };
    let opens = data_key.is_some_and(|sealed| vault::unwrap_data_key(&next_key, sealed).is_ok());
    if opens {
        std::fs::rename(&next, data_dir.join(FILE_NAME))
            .with_context(|| format!("renaming {}", next.display()))?;
        sync_dir(data_dir)?;
    } else {
        std::fs::remove_file(&next).with_context(|| format!("removing {}", next.display()))?;
    }
    Ok(())
}

/// How a rotation ended.
#[derive(Debug)]
pub enum Rotated {
    /// The key file now holds the new key.
    File(PathBuf),
    /// The data key is sealed under `TESSERA_NEW_MASTER_KEY`, which must now be every node's
    /// `TESSERA_MASTER_KEY`.
    Setting,
}

/// Seals the data key under a new master key (`tessera keys rotate-master`): a new key file,
/// or `new_key` (from `TESSERA_NEW_MASTER_KEY`) when the master key is a setting. Running
/// nodes go on: the data key, and every sealed value, stay as they are.
pub async fn rotate(
    store: &Store,
    settings: &Settings,
    new_key: Option<&str>,
) -> anyhow::Result<Rotated> {
    let (old, source) = current(store, settings).await?;
    match source {
        Source::Setting => {
            let new = new_key.ok_or_else(|| {
                anyhow!(
                    "the master key is TESSERA_MASTER_KEY: make a new one (for example \
                     `openssl rand -base64 32`), pass it as TESSERA_NEW_MASTER_KEY, then set \
                     it as TESSERA_MASTER_KEY on every node"
                )
            })?;
            let new = Key::decode(new).map_err(|e| anyhow!("TESSERA_NEW_MASTER_KEY: {e}"))?;
            store.reseal_data_key(&old, &new).await?;
            Ok(Rotated::Setting)
        }
        Source::File(path) => {
            if new_key.is_some() {
                bail!("TESSERA_NEW_MASTER_KEY is for a master key given as TESSERA_MASTER_KEY");
            }
            // The next key is on disk before the database depends on it, so a crash at any
            // point leaves a key that opens the data key (see `finish_rotation`).
            let new = Key::generate();
            let next = settings.data_dir.join(NEXT_FILE_NAME);
            let _ = std::fs::remove_file(&next);
            write_key_file(&next, &new).with_context(|| format!("writing {}", next.display()))?;
            store.reseal_data_key(&old, &new).await?;
            std::fs::rename(&next, &path)
                .with_context(|| format!("renaming {} to {}", next.display(), path.display()))?;
            sync_dir(&settings.data_dir)?;
            Ok(Rotated::File(path))
        }
    }
}

/// Makes a rename in `dir` durable.
fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("syncing {}", dir.display()))
}

fn read_key(path: &Path) -> std::io::Result<Key> {
    let text = std::fs::read_to_string(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(file = %path.display(), mode = format!("{:o}", mode & 0o777),
                "the master key file is readable by others than its owner: chmod 600 it");
        }
    }
    Key::decode(&text).map_err(|e| {
        std::io::Error::new(ErrorKind::InvalidData, format!("{}: {e}", path.display()))
    })
}

/// Writes a new key file (never over an existing one), readable by its owner only, synced.
fn write_key_file(path: &Path, key: &Key) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    writeln!(file, "{}", key.encode())?;
    file.sync_all()
}

/// The key in `path` (made by [`read_or_create_key_file`]); for the keys of exported files.
pub fn read_key_file(path: &Path) -> anyhow::Result<Key> {
    read_key(path).with_context(|| format!("reading the key file {}", path.display()))
}

/// The key in `path`, or a new random key written there (0600) when the file does not exist.
pub fn read_or_create_key_file(path: &Path) -> anyhow::Result<Key> {
    match read_key(path) {
        Ok(key) => Ok(key),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            let key = Key::generate();
            write_key_file(path, &key)
                .with_context(|| format!("writing the key file {}", path.display()))?;
            Ok(key)
        }
        Err(e) => Err(e).with_context(|| format!("reading the key file {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_are_private_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let key = Key::generate();
        write_key_file(&path, &key).unwrap();
        assert_eq!(read_key(&path).unwrap().encode(), key.encode());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let err = write_key_file(&path, &Key::generate()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
        assert_eq!(read_key(&path).unwrap().encode(), key.encode());
    }

    #[test]
    fn an_interrupted_rotation_keeps_the_key_that_opens() {
        let dir = tempfile::tempdir().unwrap();
        let (old, new, data) = (Key::generate(), Key::generate(), Key::generate());
        write_key_file(&dir.path().join(FILE_NAME), &old).unwrap();
        write_key_file(&dir.path().join(NEXT_FILE_NAME), &new).unwrap();
        // Crashed before the database changed: the next key is dropped.
        finish_rotation(dir.path(), Some(&vault::wrap_data_key(&old, &data))).unwrap();
        assert!(!dir.path().join(NEXT_FILE_NAME).exists());
        assert_eq!(
            read_key(&dir.path().join(FILE_NAME)).unwrap().encode(),
            old.encode()
        );
        // Crashed after: the next key becomes the key.
        write_key_file(&dir.path().join(NEXT_FILE_NAME), &new).unwrap();
        finish_rotation(dir.path(), Some(&vault::wrap_data_key(&new, &data))).unwrap();
        assert!(!dir.path().join(NEXT_FILE_NAME).exists());
        assert_eq!(
            read_key(&dir.path().join(FILE_NAME)).unwrap().encode(),
            new.encode()
        );
    }
}
