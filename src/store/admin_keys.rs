//! Admin access keys (SigV4 key pairs). The secret is kept as given: SigV4 needs it to
//! recompute signatures, so it cannot be hashed; the table is the credential store.

use super::{Store, StoreResult, map_err};
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
    pub async fn insert_admin_key(&self, key: &AdminKeyRow) -> StoreResult<()> {
        db_run!(self, |pool| {
            sqlx::query(
                "INSERT INTO admin_keys (access_key_id, secret_access_key, description, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&key.access_key_id)
            .bind(&key.secret_access_key)
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
            .map_err(map_err)
        })
    }

    pub async fn list_admin_keys(&self) -> StoreResult<Vec<AdminKeyRow>> {
        db_run!(self, |pool| {
            sqlx::query_as::<_, AdminKeyRow>(
                "SELECT access_key_id, secret_access_key, description, created_at \
                 FROM admin_keys ORDER BY created_at, access_key_id",
            )
            .fetch_all(pool)
            .await
            .map_err(map_err)
        })
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
