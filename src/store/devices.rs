//! Devices (`devices`): one row each, keyed by the device key. A sign-in made on a device
//! refreshes only while its row exists (`services::tokens`).

use super::{Store, StoreResult, map_err, sealed, sql};
use crate::db_run;
use crate::domain::devices::Device;

#[derive(sqlx::FromRow)]
struct DeviceRow {
    device_key: String,
    pool_id: String,
    user_id: String,
    group_key: String,
    salt: Option<String>,
    verifier: Option<String>,
    name: Option<String>,
    remembered: bool,
    created_at: i64,
    updated_at: i64,
    last_authenticated_at: Option<i64>,
}

impl DeviceRow {
    fn into_device(self, store: &Store) -> StoreResult<Device> {
        let r = self;
        Ok(Device {
            key: r.device_key,
            pool_id: r.pool_id,
            user_sub: r.user_id,
            group_key: r.group_key,
            salt: r.salt,
            verifier: store.open_opt(sealed::DEVICE_VERIFIER, r.verifier)?,
            name: r.name,
            remembered: r.remembered,
            created_at: r.created_at,
            updated_at: r.updated_at,
            last_authenticated_at: r.last_authenticated_at,
        })
    }
}

const COLUMNS: &str = "device_key, pool_id, user_id, group_key, salt, verifier, name, \
                       remembered, created_at, updated_at, last_authenticated_at";

impl Store {
    /// Stores a new device.
    pub async fn insert_device(&self, d: &Device) -> StoreResult<()> {
        let verifier = self.seal_opt(sealed::DEVICE_VERIFIER, d.verifier.as_deref())?;
        db_run!(self, |db| {
            sqlx::query(sql(format!(
                "INSERT INTO devices ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
                 $10, $11)"
            )))
            .bind(&d.key)
            .bind(&d.pool_id)
            .bind(&d.user_sub)
            .bind(&d.group_key)
            .bind(&d.salt)
            .bind(&verifier)
            .bind(&d.name)
            .bind(d.remembered)
            .bind(d.created_at)
            .bind(d.updated_at)
            .bind(d.last_authenticated_at)
            .execute(db)
            .await
            .map_err(map_err)?;
        });
        Ok(())
    }

    /// The device with this key.
    pub async fn get_device(&self, key: &str) -> StoreResult<Option<Device>> {
        let row = db_run!(self, |db| {
            sqlx::query_as::<_, DeviceRow>(sql(format!(
                "SELECT {COLUMNS} FROM devices WHERE device_key = $1"
            )))
            .bind(key)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        row.map(|row| row.into_device(self)).transpose()
    }

    /// Saves what can change of a device: verifier, salt, name, remembered, times.
    pub async fn update_device(&self, d: &Device) -> StoreResult<bool> {
        let verifier = self.seal_opt(sealed::DEVICE_VERIFIER, d.verifier.as_deref())?;
        db_run!(self, |db| {
            let done = sqlx::query(
                "UPDATE devices SET salt = $1, verifier = $2, name = $3, remembered = $4, \
                 updated_at = $5, last_authenticated_at = $6 WHERE device_key = $7",
            )
            .bind(&d.salt)
            .bind(&verifier)
            .bind(&d.name)
            .bind(d.remembered)
            .bind(d.updated_at)
            .bind(d.last_authenticated_at)
            .bind(&d.key)
            .execute(db)
            .await
            .map_err(map_err)?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// A user's confirmed devices, oldest first, after the one with key `after`.
    pub async fn list_devices(
        &self,
        user_sub: &str,
        after: Option<(i64, &str)>,
        limit: i64,
    ) -> StoreResult<Vec<Device>> {
        let (after_time, after_key) = after.unwrap_or((i64::MIN, ""));
        let rows = db_run!(self, |db| {
            sqlx::query_as::<_, DeviceRow>(sql(format!(
                "SELECT {COLUMNS} FROM devices WHERE user_id = $1 AND verifier IS NOT NULL \
                 AND (created_at > $2 OR (created_at = $3 AND device_key > $4)) \
                 ORDER BY created_at, device_key LIMIT $5"
            )))
            .bind(user_sub)
            .bind(after_time)
            .bind(after_time)
            .bind(after_key)
            .bind(limit)
            .fetch_all(db)
            .await
            .map_err(map_err)?
        });
        rows.into_iter().map(|row| row.into_device(self)).collect()
    }

    /// The device the sign-in `origin_jti` was made on, if any.
    pub async fn device_of_sign_in(&self, origin_jti: &str) -> StoreResult<Option<String>> {
        let row: Option<(Option<String>,)> = db_run!(self, |db| {
            sqlx::query_as("SELECT device_key FROM token_origins WHERE origin_jti = $1")
                .bind(origin_jti)
                .fetch_optional(db)
                .await
                .map_err(map_err)?
        });
        Ok(row.and_then(|(key,)| key))
    }

    /// Deletes a user's devices that were never confirmed and were made before `before`.
    pub async fn forget_unconfirmed_devices(&self, user_sub: &str, before: i64) -> StoreResult<()> {
        db_run!(self, |db| {
            sqlx::query(
                "DELETE FROM devices WHERE user_id = $1 AND verifier IS NULL AND created_at < $2",
            )
            .bind(user_sub)
            .bind(before)
            .execute(db)
            .await
            .map_err(map_err)?;
        });
        Ok(())
    }

    /// Forgets a device (the sign-ins made on it can no longer refresh); false when it did
    /// not exist.
    pub async fn forget_device(&self, key: &str) -> StoreResult<bool> {
        db_run!(self, |db| {
            let done = sqlx::query("DELETE FROM devices WHERE device_key = $1")
                .bind(key)
                .execute(db)
                .await
                .map_err(map_err)?;
            Ok(done.rows_affected() > 0)
        })
    }
}
