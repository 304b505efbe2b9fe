//! Admin access keys for SigV4: created on first start when there are none, managed with
//! `tessera admin-key create|list|revoke`, or given in `TESSERA_ADMIN_KEYS`.

use crate::config::Secret;
use crate::crypto::random;
use crate::domain::AuthError;
use crate::store::Store;
use crate::store::admin_keys::AdminKeyRow;
use std::collections::HashMap;
use std::path::Path;

/// A newly created key pair, shown once.
#[derive(Debug, Clone)]
pub struct NewAdminKey {
    pub access_key_id: String,
    pub secret_access_key: Secret,
}

/// Where admin keys are looked up: the configured ones first, then the database.
#[derive(Clone, Debug)]
pub struct AdminKeys {
    configured: HashMap<String, Secret>,
    store: Store,
}

impl AdminKeys {
    pub fn new(configured: Vec<(String, Secret)>, store: Store) -> Self {
        AdminKeys {
            configured: configured.into_iter().collect(),
            store,
        }
    }

    /// The secret of a key id, if the key is known.
    pub async fn secret_of(&self, access_key_id: &str) -> Result<Option<Secret>, AuthError> {
        if let Some(s) = self.configured.get(access_key_id) {
            return Ok(Some(s.clone()));
        }
        Ok(self
            .store
            .get_admin_key(access_key_id)
            .await?
            .map(|k| Secret::new(k.secret_access_key)))
    }

    /// True when no key is configured or stored.
    pub async fn none_known(&self) -> Result<bool, AuthError> {
        Ok(self.configured.is_empty() && self.store.list_admin_keys().await?.is_empty())
    }
}

/// Creates and stores a new key pair.
pub async fn create(store: &Store, description: &str, now: i64) -> Result<NewAdminKey, AuthError> {
    let key = NewAdminKey {
        access_key_id: random::access_key_id(),
        secret_access_key: Secret::new(random::secret_access_key()),
    };
    store
        .insert_admin_key(&AdminKeyRow {
            access_key_id: key.access_key_id.clone(),
            secret_access_key: key.secret_access_key.expose().to_string(),
            description: description.to_string(),
            created_at: now,
        })
        .await?;
    Ok(key)
}

/// On first start with no key anywhere: creates one and writes it, readable by the owner only,
/// to `{data_dir}/admin-key.txt`. Returns the key so the caller can print it once.
pub async fn ensure_first_key(
    keys: &AdminKeys,
    store: &Store,
    data_dir: &Path,
    now: i64,
) -> Result<Option<NewAdminKey>, AuthError> {
    if !keys.none_known().await? {
        return Ok(None);
    }
    let key = create(store, "created on first start", now).await?;
    write_key_file(data_dir, &key)
        .map_err(|e| AuthError::Internal(format!("writing admin key file: {e}")))?;
    Ok(Some(key))
}

fn write_key_file(data_dir: &Path, key: &NewAdminKey) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(data_dir)?;
    let path = data_dir.join("admin-key.txt");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path)?;
    writeln!(
        file,
        "AWS_ACCESS_KEY_ID={}\nAWS_SECRET_ACCESS_KEY={}",
        key.access_key_id,
        key.secret_access_key.expose()
    )?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
