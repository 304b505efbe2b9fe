//! Secret columns, sealed by the store's [`Vault`] (see [`crate::crypto::vault`]): every
//! column in [`SEALED`] and the `WebhookSecret` in pools' settings holds `v1.…` values that
//! only the data key opens, and the data key (`data_keys`) opens only under the master key.
//! The store seals on every write and opens on every read of these columns, so the services
//! see plaintext and the database never does.

use super::{BeginWrite, Store, StoreError, StoreResult, map_err, sql};
use crate::crypto::vault::{self, Key, OpenError, Vault};
use crate::db_run;
use sqlx::Row;

pub(super) const SRP_VERIFIER: &str = "users.srp_verifier";
pub(super) const TOTP_SECRET: &str = "user_mfa.totp_secret";
pub(super) const DEVICE_VERIFIER: &str = "devices.verifier";
pub(super) const SIGNING_KEY: &str = "signing_keys.private_key";
pub(super) const CLIENT_SECRET: &str = "user_pool_clients.secret";
pub(super) const ADMIN_KEY_SECRET: &str = "admin_keys.secret_access_key";
pub(super) const POOL_SECRET: &str = "pool_secrets.secret";
pub(super) const SERVER_SECRET: &str = "server_secrets.value";
pub(super) const PROVIDER_DETAILS: &str = "identity_providers.details";
/// The `WebhookSecret` member of `user_pools.settings`.
pub(super) const WEBHOOK_SECRET: &str = "user_pools.webhook_secret";

/// Every sealed column (`table.column`), the associated data its values are sealed with (its
/// own name, but for the pending TOTP secret, which moves to `totp_secret` once verified), and
/// its table's key columns.
const SEALED: &[(&str, &str, &[&str])] = &[
    (SRP_VERIFIER, SRP_VERIFIER, &["id"]),
    (TOTP_SECRET, TOTP_SECRET, &["user_id"]),
    ("user_mfa.totp_pending_secret", TOTP_SECRET, &["user_id"]),
    (DEVICE_VERIFIER, DEVICE_VERIFIER, &["device_key"]),
    (SIGNING_KEY, SIGNING_KEY, &["kid"]),
    (CLIENT_SECRET, CLIENT_SECRET, &["id"]),
    (ADMIN_KEY_SECRET, ADMIN_KEY_SECRET, &["access_key_id"]),
    (POOL_SECRET, POOL_SECRET, &["pool_id"]),
    (SERVER_SECRET, SERVER_SECRET, &["name"]),
    (PROVIDER_DETAILS, PROVIDER_DETAILS, &["pool_id", "name"]),
];

impl Store {
    fn vault(&self) -> StoreResult<&Vault> {
        self.vault.get().ok_or(StoreError::Sealed(OpenError(
            "the master key is not loaded",
        )))
    }

    /// `plaintext` sealed for `column`.
    pub(super) fn seal(&self, column: &str, plaintext: &str) -> StoreResult<String> {
        Ok(self.vault()?.seal(column, plaintext))
    }

    pub(super) fn seal_opt(
        &self,
        column: &str,
        plaintext: Option<&str>,
    ) -> StoreResult<Option<String>> {
        plaintext.map(|p| self.seal(column, p)).transpose()
    }

    /// The plaintext of a value sealed for `column`.
    pub(super) fn open(&self, column: &str, sealed: &str) -> StoreResult<String> {
        Ok(self.vault()?.open(column, sealed)?)
    }

    pub(super) fn open_opt(
        &self,
        column: &str,
        sealed: Option<String>,
    ) -> StoreResult<Option<String>> {
        sealed.map(|s| self.open(column, &s)).transpose()
    }

    /// The sealed data key, if the database has one (its secrets are sealed).
    pub async fn data_key(&self) -> StoreResult<Option<String>> {
        db_run!(self, |db| {
            sqlx::query_scalar::<_, String>("SELECT sealed FROM data_keys WHERE id = 1")
                .fetch_optional(db)
                .await
                .map_err(map_err)
        })
    }

    /// Opens the store's secrets with `master`. A database without a data key gets one, and
    /// every secret it holds is sealed in the same transaction (an upgrade from clear text);
    /// returns how many values that sealed. Fails, leaving the store locked, when the data key
    /// was sealed under another master key.
    pub async fn unlock(&self, master: &Key, now: i64) -> StoreResult<u64> {
        loop {
            if let Some(wrapped) = self.data_key().await? {
                let data_key = vault::unwrap_data_key(master, &wrapped).map_err(|_| {
                    StoreError::Sealed(OpenError(
                        "the database's data key was sealed under another master key",
                    ))
                })?;
                let _ = self.vault.set(Vault::new(&data_key));
                return Ok(0);
            }
            let data_key = Key::generate();
            if let Some(sealed) = self.create_data_key(master, &data_key, now).await? {
                let _ = self.vault.set(Vault::new(&data_key));
                return Ok(sealed);
            }
            // Another node created the data key first: read it.
        }
    }

    /// Inserts `data_key` sealed under `master` and seals every secret value in the same
    /// transaction; `None` when a data key already exists (nothing changed).
    async fn create_data_key(
        &self,
        master: &Key,
        data_key: &Key,
        now: i64,
    ) -> StoreResult<Option<u64>> {
        let vault = Vault::new(data_key);
        db_run!(self, |db| {
            let mut tx = db.begin_write().await.map_err(map_err)?;
            let inserted = sqlx::query(
                "INSERT INTO data_keys (id, sealed, created_at) VALUES (1, $1, $2) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(vault::wrap_data_key(master, data_key))
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
            if inserted == 0 {
                return Ok(None);
            }
            let mut sealed = 0;
            for (name, aad, keys) in SEALED {
                let Some((table, column)) = name.split_once('.') else {
                    continue;
                };
                let rows = sqlx::query(sql(format!(
                    "SELECT {}, {column} FROM {table} WHERE {column} IS NOT NULL",
                    keys.join(", ")
                )))
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
                let condition = keys
                    .iter()
                    .enumerate()
                    .map(|(i, key)| format!("{key} = ${}", i + 2))
                    .collect::<Vec<_>>()
                    .join(" AND ");
                let update = format!("UPDATE {table} SET {column} = $1 WHERE {condition}");
                for row in rows {
                    let plaintext: String = row.try_get(keys.len()).map_err(map_err)?;
                    let mut query =
                        sqlx::query(sql(update.clone())).bind(vault.seal(aad, &plaintext));
                    for i in 0..keys.len() {
                        query = query.bind(row.try_get::<String, _>(i).map_err(map_err)?);
                    }
                    query.execute(&mut *tx).await.map_err(map_err)?;
                    sealed += 1;
                }
            }
            let pools: Vec<(String, String)> =
                sqlx::query_as("SELECT id, settings FROM user_pools")
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?;
            for (id, text) in pools {
                let Some(settings) = seal_webhook_secret(&vault, &text)? else {
                    continue;
                };
                sqlx::query("UPDATE user_pools SET settings = $1 WHERE id = $2")
                    .bind(settings)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                sealed += 1;
            }
            tx.commit().await.map_err(map_err)?;
            Ok(Some(sealed))
        })
    }

    /// Seals the data key under `new` instead of `old` (`tessera keys rotate-master`). The
    /// data key itself, and so every sealed value, stays as it is: running nodes go on.
    pub async fn reseal_data_key(&self, old: &Key, new: &Key) -> StoreResult<()> {
        let wrapped = self.data_key().await?.ok_or(StoreError::Sealed(OpenError(
            "the database has no data key yet",
        )))?;
        let data_key = vault::unwrap_data_key(old, &wrapped).map_err(|_| {
            StoreError::Sealed(OpenError(
                "the database's data key was sealed under another master key",
            ))
        })?;
        let changed = db_run!(self, |db| {
            sqlx::query("UPDATE data_keys SET sealed = $1 WHERE id = 1 AND sealed = $2")
                .bind(vault::wrap_data_key(new, &data_key))
                .bind(&wrapped)
                .execute(db)
                .await
                .map_err(map_err)?
                .rows_affected()
        });
        if changed == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict(
                "the data key was resealed by another command meanwhile".into(),
            ))
        }
    }

    /// A pool's settings text with its `WebhookSecret` sealed, for writing.
    pub(super) fn seal_settings(&self, text: String) -> StoreResult<String> {
        Ok(seal_webhook_secret(self.vault()?, &text)?.unwrap_or(text))
    }

    /// The plaintext of a `WebhookSecret` read from a pool's settings.
    pub(super) fn open_webhook_secret(&self, sealed: &str) -> StoreResult<String> {
        self.open(WEBHOOK_SECRET, sealed)
    }
}

/// `text` (a pool's settings) with its `WebhookSecret` sealed; `None` when it has none.
fn seal_webhook_secret(vault: &Vault, text: &str) -> StoreResult<Option<String>> {
    let mut settings: serde_json::Value = super::from_json(text, "user_pools.settings")?;
    let Some(secret) = settings
        .get_mut("WebhookSecret")
        .and_then(|value| value.as_str().map(str::to_string))
    else {
        return Ok(None);
    };
    settings["WebhookSecret"] = vault.seal(WEBHOOK_SECRET, &secret).into();
    Ok(Some(super::to_json(&settings)?))
}
