//! App clients: one row each in `user_pool_clients`, settings as a JSON document.

use super::{
    BeginWrite, Store, StoreError, StoreResult, from_json, lock_pool, map_err, sealed, sql, to_json,
};
use crate::db_run;
use crate::domain::resource_server::ResourceServerScope;

/// Within a transaction `$tx`: fails with `Conflict` unless every custom scope
/// (`identifier/name`) in `$wanted` belongs to a resource server of pool `$pool_id`.
macro_rules! require_scopes {
    ($tx:expr, $pool_id:expr, $wanted:expr) => {{
        let wanted: Vec<&String> = $wanted.iter().filter(|s| s.contains('/')).collect();
        if !wanted.is_empty() {
            let servers: Vec<(String, String)> = sqlx::query_as(
                "SELECT identifier, scopes FROM resource_servers WHERE pool_id = $1",
            )
            .bind($pool_id)
            .fetch_all(&mut *$tx)
            .await
            .map_err(map_err)?;
            let mut existing = std::collections::BTreeSet::new();
            for (identifier, text) in servers {
                let scopes: Vec<ResourceServerScope> = from_json(&text, "resource_servers.scopes")?;
                for scope in scopes {
                    existing.insert(format!("{identifier}/{}", scope.scope_name));
                }
            }
            if let Some(gone) = wanted.iter().find(|s| !existing.contains(s.as_str())) {
                return Err(StoreError::Conflict(format!(
                    "the scope {gone} was removed while the app client was being saved"
                )));
            }
        }
    }};
}
use super::parsed::ParsedCache;
use crate::domain::client::{ClientSettings, UserPoolClient};
use std::sync::LazyLock;

#[derive(sqlx::FromRow)]
struct ClientRow {
    id: String,
    pool_id: String,
    name: String,
    secret: Option<String>,
    settings: String,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

/// Every client's parsed settings (see [`ParsedCache`]).
static SETTINGS: LazyLock<ParsedCache<ClientSettings>> = LazyLock::new(ParsedCache::new);

impl ClientRow {
    fn into_client(self, store: &Store) -> StoreResult<UserPoolClient> {
        Ok(UserPoolClient {
            settings: SETTINGS.get(&self.id, &self.settings, "user_pool_clients.settings")?,
            id: self.id,
            pool_id: self.pool_id,
            name: self.name,
            secret: store.open_opt(sealed::CLIENT_SECRET, self.secret)?,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const COLUMNS: &str = "id, pool_id, name, secret, settings, version, created_at, updated_at";

const INSERT_COLUMNS: &str = "id, pool_id, name, secret, settings, created_at, updated_at";

impl Store {
    /// Inserts a new client; a clash of ids is a `Unique` error. The custom scopes it names are
    /// checked again under the pool's lock, so a resource server deleted meanwhile is a
    /// `Conflict`, never a client holding a scope that no longer exists.
    pub async fn insert_client(&self, client: &UserPoolClient) -> StoreResult<()> {
        let secret = self.seal_opt(sealed::CLIENT_SECRET, client.secret.as_deref())?;
        let settings = to_json(&client.settings)?;
        db_run!(self, |db| {
            let mut tx = db.begin_write().await.map_err(map_err)?;
            lock_pool!(tx, &client.pool_id);
            require_scopes!(tx, &client.pool_id, &client.settings.allowed_oauth_scopes);
            sqlx::query(sql(format!(
                "INSERT INTO user_pool_clients ({INSERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            )))
            .bind(&client.id)
            .bind(&client.pool_id)
            .bind(&client.name)
            .bind(&secret)
            .bind(&settings)
            .bind(client.created_at)
            .bind(client.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            tx.commit().await.map_err(map_err)?;
        });
        Ok(())
    }

    /// The client `client_id` of pool `pool_id`.
    pub async fn get_client(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> StoreResult<Option<UserPoolClient>> {
        let row = db_run!(self, |db| {
            sqlx::query_as::<_, ClientRow>(sql(format!(
                "SELECT {COLUMNS} FROM user_pool_clients WHERE pool_id = $1 AND id = $2"
            )))
            .bind(pool_id)
            .bind(client_id)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        row.map(|row| row.into_client(self)).transpose()
    }

    /// The client with this id, whatever its pool (sign-in knows only the client id).
    pub async fn find_client(&self, client_id: &str) -> StoreResult<Option<UserPoolClient>> {
        let row = db_run!(self, |db| {
            sqlx::query_as::<_, ClientRow>(sql(format!(
                "SELECT {COLUMNS} FROM user_pool_clients WHERE id = $1"
            )))
            .bind(client_id)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        row.map(|row| row.into_client(self)).transpose()
    }

    /// Saves name and settings (the id, pool and secret never change) if the row is still at
    /// `client.version` (optimistic locking); false when it is not (changed meanwhile, or gone).
    /// Custom scopes are re-checked under the pool's lock, as in [`Store::insert_client`].
    pub async fn update_client(&self, client: &UserPoolClient) -> StoreResult<bool> {
        let settings = to_json(&client.settings)?;
        db_run!(self, |db| {
            let mut tx = db.begin_write().await.map_err(map_err)?;
            lock_pool!(tx, &client.pool_id);
            require_scopes!(tx, &client.pool_id, &client.settings.allowed_oauth_scopes);
            let done = sqlx::query(
                "UPDATE user_pool_clients SET name = $1, settings = $2, updated_at = $3, \
                 version = version + 1 WHERE pool_id = $4 AND id = $5 AND version = $6",
            )
            .bind(&client.name)
            .bind(&settings)
            .bind(client.updated_at)
            .bind(&client.pool_id)
            .bind(&client.id)
            .bind(client.version)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            tx.commit().await.map_err(map_err)?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// Deletes a client; false when it did not exist in that pool.
    pub async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<bool> {
        db_run!(self, |db| {
            let mut tx = db.begin_write().await.map_err(map_err)?;
            // The pool's lock first, as every configuration change takes it (one lock order).
            lock_pool!(tx, pool_id);
            let done = sqlx::query("DELETE FROM user_pool_clients WHERE pool_id = $1 AND id = $2")
                .bind(pool_id)
                .bind(client_id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            // The client's sign-ins end with it: its refresh tokens (by cascade), its access
            // tokens (their origin is gone) and its pending challenges; so does its branding.
            for table in ["token_origins", "auth_sessions", "ui_customizations"] {
                sqlx::query(sql(format!(
                    "DELETE FROM {table} WHERE pool_id = $1 AND client_id = $2"
                )))
                .bind(pool_id)
                .bind(client_id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            }
            tx.commit().await.map_err(map_err)?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// Clients of a pool in id order, starting after `after`.
    pub async fn list_clients(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<UserPoolClient>> {
        let rows = db_run!(self, |db| {
            sqlx::query_as::<_, ClientRow>(sql(format!(
                "SELECT {COLUMNS} FROM user_pool_clients WHERE pool_id = $1 AND id > $2 \
                 ORDER BY id LIMIT $3"
            )))
            .bind(pool_id)
            .bind(after.unwrap_or(""))
            .bind(limit)
            .fetch_all(db)
            .await
            .map_err(map_err)?
        });
        rows.into_iter().map(|row| row.into_client(self)).collect()
    }
}
