//! Admin access keys (SigV4 key pairs). SigV4 needs the secret to recompute signatures, so it
//! cannot be hashed: it is sealed (`sealed`), and the table is the credential store.

use super::{Store, StoreResult, map_err, sealed};
use crate::db_run;

/// One admin key pair.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AdminKeyRow {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub description: String,
    pub created_at: i64,
}

impl Store {
    fn opened_admin_key(&self, mut key: AdminKeyRow) -> StoreResult<AdminKeyRow> {
        key.secret_access_key = self.open(sealed::ADMIN_KEY_SECRET, &key.secret_access_key)?;
        Ok(key)
    }

    pub async fn insert_admin_key(&self, key: &AdminKeyRow) -> StoreResult<()> {
        let secret = self.seal(sealed::ADMIN_KEY_SECRET, &key.secret_access_key)?;
        db_run!(self, |pool| {
            sqlx::query(
                "INSERT INTO admin_keys (access_key_id, secret_access_key, description, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&key.access_key_id)
            .bind(&secret)
            .bind(&key.description)
            .bind(key.created_at)
            .execute(pool)
            .await
            .map_err(map_err)?;
        });
        Ok(())
    }

    pub async fn get_admin_key(&self, access_key_id: &str) -> StoreResult<Option<AdminKeyRow>> {
        db_run!(self, |pool| {
            sqlx::query_as::<_, AdminKeyRow>(
                "SELECT access_key_id, secret_access_key, description, created_at \
                 FROM admin_keys WHERE access_key_id = $1",
            )
            .bind(access_key_id)
            .fetch_optional(pool)
            .await
            .map_err(map_err)?
        })
        .map(|key| self.opened_admin_key(key))
        .transpose()
    }

    pub async fn list_admin_keys(&self) -> StoreResult<Vec<AdminKeyRow>> {
        db_run!(self, |pool| {
            sqlx::query_as::<_, AdminKeyRow>(
                "SELECT access_key_id, secret_access_key, description, created_at \
                 FROM admin_keys ORDER BY created_at, access_key_id",
            )
            .fetch_all(pool)
            .await
            .map_err(map_err)?
        })
        .into_iter()
        .map(|key| self.opened_admin_key(key))
        .collect()
    }

    /// Deletes a key; false when it did not exist.
    pub async fn delete_admin_key(&self, access_key_id: &str) -> StoreResult<bool> {
        db_run!(self, |pool| {
            let done = sqlx::query("DELETE FROM admin_keys WHERE access_key_id = $1")
                .bind(access_key_id)
                .execute(pool)
                .await
                .map_err(map_err)?;
            Ok(done.rows_affected() > 0)
        })
    }
}
