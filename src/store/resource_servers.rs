//! Resource servers: one row each in `resource_servers`, scopes as a JSON array. Removing a
//! server or some of its scopes also removes those scopes from the pool's clients, in the same
//! transaction, so no client keeps a scope that no longer exists.

use super::lock_pool;
use super::{BeginWrite, Store, StoreError, StoreResult, from_json, map_err, sql, to_json};
use crate::db_run;
use crate::domain::client::ClientSettings;
use crate::domain::resource_server::ResourceServer;

#[derive(sqlx::FromRow)]
struct ResourceServerRow {
    pool_id: String,
    identifier: String,
    name: String,
    scopes: String,
    created_at: i64,
    updated_at: i64,
}

impl ResourceServerRow {
    fn into_server(self) -> StoreResult<ResourceServer> {
        Ok(ResourceServer {
            scopes: from_json(&self.scopes, "resource_servers.scopes")?,
            pool_id: self.pool_id,
            identifier: self.identifier,
            name: self.name,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const COLUMNS: &str = "pool_id, identifier, name, scopes, created_at, updated_at";

/// Within a transaction `$tx`: drops the scopes for which `$gone(&str)` holds from every client
/// of pool `$pool_id`, stamping changed clients with `$now`.
macro_rules! prune_client_scopes {
    ($tx:expr, $pool_id:expr, $now:expr, $gone:expr) => {{
        let clients: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT id, settings, version FROM user_pool_clients WHERE pool_id = $1",
        )
        .bind($pool_id)
        .fetch_all(&mut *$tx)
        .await
        .map_err(map_err)?;
        for (id, text, version) in clients {
            let mut settings: ClientSettings = from_json(&text, "user_pool_clients.settings")?;
            if settings.remove_scopes($gone) {
                let done = sqlx::query(
                    "UPDATE user_pool_clients SET settings = $1, updated_at = $2, \
                     version = version + 1 WHERE pool_id = $3 AND id = $4 AND version = $5",
                )
                .bind(to_json(&settings)?)
                .bind($now)
                .bind($pool_id)
                .bind(&id)
                .bind(version)
                .execute(&mut *$tx)
                .await
                .map_err(map_err)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict(format!(
                        "app client {id} changed meanwhile"
                    )));
                }
            }
        }
    }};
}

impl Store {
    /// Inserts a server unless the pool already has `max_per_pool` (false then); a duplicate
    /// identifier is a `Unique` error on `resource_servers_pkey`
    /// (PostgreSQL) or the primary key columns (SQLite).
    pub async fn insert_resource_server(
        &self,
        rs: &ResourceServer,
        max_per_pool: i64,
    ) -> StoreResult<bool> {
        let scopes = to_json(&rs.scopes)?;
        db_run!(self, |db| {
            // The limit is checked by the inserting statement itself.
            let done = sqlx::query(sql(format!(
                "INSERT INTO resource_servers ({COLUMNS}) SELECT $1, $2, $3, $4, $5, $6 \
                 WHERE (SELECT COUNT(*) FROM resource_servers WHERE pool_id = $7) < $8"
            )))
            .bind(&rs.pool_id)
            .bind(&rs.identifier)
            .bind(&rs.name)
            .bind(&scopes)
            .bind(rs.created_at)
            .bind(rs.updated_at)
            .bind(&rs.pool_id)
            .bind(max_per_pool)
            .execute(db)
            .await
            .map_err(map_err)?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// The server `identifier` of pool `pool_id`.
    pub async fn get_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> StoreResult<Option<ResourceServer>> {
        let row = db_run!(self, |db| {
            sqlx::query_as::<_, ResourceServerRow>(sql(format!(
                "SELECT {COLUMNS} FROM resource_servers WHERE pool_id = $1 AND identifier = $2"
            )))
            .bind(pool_id)
            .bind(identifier)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        row.map(ResourceServerRow::into_server).transpose()
    }

    /// Servers of a pool in identifier order, starting after `after` (`limit` rows at most).
    pub async fn list_resource_servers(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<ResourceServer>> {
        let rows = db_run!(self, |db| {
            sqlx::query_as::<_, ResourceServerRow>(sql(format!(
                "SELECT {COLUMNS} FROM resource_servers WHERE pool_id = $1 AND identifier > $2 \
                 ORDER BY identifier LIMIT $3"
            )))
            .bind(pool_id)
            .bind(after.unwrap_or(""))
            .bind(limit)
            .fetch_all(db)
            .await
            .map_err(map_err)?
        });
        rows.into_iter()
            .map(ResourceServerRow::into_server)
            .collect()
    }

    /// Every server of a pool (at most a few dozen), in identifier order.
    pub async fn resource_servers_of_pool(
        &self,
        pool_id: &str,
    ) -> StoreResult<Vec<ResourceServer>> {
        let rows = db_run!(self, |db| {
            sqlx::query_as::<_, ResourceServerRow>(sql(format!(
                "SELECT {COLUMNS} FROM resource_servers WHERE pool_id = $1 ORDER BY identifier"
            )))
            .bind(pool_id)
            .fetch_all(db)
            .await
            .map_err(map_err)?
        });
        rows.into_iter()
            .map(ResourceServerRow::into_server)
            .collect()
    }

    /// Saves name and scopes, and removes the scopes in `removed` (full scope strings) from
    /// the pool's clients, in one transaction; false when the server is gone.
    pub async fn update_resource_server(
        &self,
        rs: &ResourceServer,
        removed: &[String],
    ) -> StoreResult<bool> {
        let scopes = to_json(&rs.scopes)?;
        db_run!(self, |db| {
            let mut tx = db.begin_write().await.map_err(map_err)?;
            lock_pool!(tx, &rs.pool_id);
            let done = sqlx::query(
                "UPDATE resource_servers SET name = $1, scopes = $2, updated_at = $3 \
                 WHERE pool_id = $4 AND identifier = $5",
            )
            .bind(&rs.name)
            .bind(&scopes)
            .bind(rs.updated_at)
            .bind(&rs.pool_id)
            .bind(&rs.identifier)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            if !removed.is_empty() {
                prune_client_scopes!(tx, &rs.pool_id, rs.updated_at, |s: &str| removed
                    .iter()
                    .any(|r| r == s));
            }
            tx.commit().await.map_err(map_err)?;
            Ok(true)
        })
    }

    /// Deletes a server and removes its scopes from the pool's clients, in one transaction;
    /// false when it did not exist.
    pub async fn delete_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let prefix = format!("{identifier}/");
        db_run!(self, |db| {
            let mut tx = db.begin_write().await.map_err(map_err)?;
            lock_pool!(tx, pool_id);
            let done =
                sqlx::query("DELETE FROM resource_servers WHERE pool_id = $1 AND identifier = $2")
                    .bind(pool_id)
                    .bind(identifier)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            prune_client_scopes!(tx, pool_id, now, |s: &str| s.starts_with(&prefix));
            tx.commit().await.map_err(map_err)?;
            Ok(true)
        })
    }
}
