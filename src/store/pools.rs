//! User pools: one row each, settings as a JSON document.

use super::parsed::ParsedCache;
use super::{Store, StoreResult, map_err, sql, to_json};
use crate::db_run;
use crate::domain::pool::{PoolSettings, UserPool};
use std::sync::LazyLock;

#[derive(sqlx::FromRow)]
struct PoolRow {
    id: String,
    name: String,
    settings: String,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

/// Every pool's parsed settings (see [`ParsedCache`]).
static SETTINGS: LazyLock<ParsedCache<PoolSettings>> = LazyLock::new(ParsedCache::new);

impl PoolRow {
    fn into_pool(self, store: &Store) -> StoreResult<UserPool> {
        // Parsed once per change of the stored text, the webhook secret opened.
        let settings = SETTINGS.get_with(
            &self.id,
            &self.settings,
            "user_pools.settings",
            |settings| {
                if let Some(sealed) = &settings.webhook_secret {
                    settings.webhook_secret = Some(store.open_webhook_secret(sealed)?);
                }
                Ok(())
            },
        )?;
        Ok(UserPool {
            settings,
            id: self.id,
            name: self.name,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const COLUMNS: &str = "id, name, settings, version, created_at, updated_at";

impl Store {
    pub async fn insert_pool(&self, pool: &UserPool) -> StoreResult<()> {
        let settings = self.seal_settings(to_json(&pool.settings)?)?;
        db_run!(self, |db| {
            sqlx::query(
                "INSERT INTO user_pools (id, name, settings, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&pool.id)
            .bind(&pool.name)
            .bind(&settings)
            .bind(pool.created_at)
            .bind(pool.updated_at)
            .execute(db)
            .await
            .map_err(map_err)?;
        });
        Ok(())
    }

    pub async fn get_pool(&self, id: &str) -> StoreResult<Option<UserPool>> {
        let row = db_run!(self, |db| {
            sqlx::query_as::<_, PoolRow>(sql(format!(
                "SELECT {COLUMNS} FROM user_pools WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        row.map(|row| row.into_pool(self)).transpose()
    }

    /// Saves name and settings if the row is still at `pool.version` (optimistic locking); false
    /// when it is not (changed by someone else, or deleted).
    pub async fn update_pool(&self, pool: &UserPool) -> StoreResult<bool> {
        let settings = self.seal_settings(to_json(&pool.settings)?)?;
        db_run!(self, |db| {
            let done = sqlx::query(
                "UPDATE user_pools SET name = $1, settings = $2, updated_at = $3, \
                 version = version + 1 WHERE id = $4 AND version = $5",
            )
            .bind(&pool.name)
            .bind(&settings)
            .bind(pool.updated_at)
            .bind(&pool.id)
            .bind(pool.version)
            .execute(db)
            .await
            .map_err(map_err)?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// Deletes a pool and, by cascade, everything in it.
    pub async fn delete_pool(&self, id: &str) -> StoreResult<bool> {
        db_run!(self, |db| {
            let done = sqlx::query("DELETE FROM user_pools WHERE id = $1")
                .bind(id)
                .execute(db)
                .await
                .map_err(map_err)?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// Pools in id order, starting after `after`.
    pub async fn list_pools(&self, after: Option<&str>, limit: i64) -> StoreResult<Vec<UserPool>> {
        let rows = db_run!(self, |db| {
            sqlx::query_as::<_, PoolRow>(sql(format!(
                "SELECT {COLUMNS} FROM user_pools WHERE id > $1 ORDER BY id LIMIT $2"
            )))
            .bind(after.unwrap_or(""))
            .bind(limit)
            .fetch_all(db)
            .await
            .map_err(map_err)?
        });
        rows.into_iter().map(|row| row.into_pool(self)).collect()
    }

    /// Pools with exactly this name (names are not unique in Cognito).
    pub async fn find_pools_by_name(&self, name: &str) -> StoreResult<Vec<UserPool>> {
        let rows = db_run!(self, |db| {
            sqlx::query_as::<_, PoolRow>(sql(format!(
                "SELECT {COLUMNS} FROM user_pools WHERE name = $1 ORDER BY id"
            )))
            .bind(name)
            .fetch_all(db)
            .await
            .map_err(map_err)?
        });
        rows.into_iter().map(|row| row.into_pool(self)).collect()
    }

    /// Number of users in a pool (DescribeUserPool's EstimatedNumberOfUsers).
    pub async fn count_users(&self, pool_id: &str) -> StoreResult<i64> {
        db_run!(self, |db| {
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE pool_id = $1")
                .bind(pool_id)
                .fetch_one(db)
                .await
                .map_err(map_err)?;
            Ok(n)
        })
    }
}
