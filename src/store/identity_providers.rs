//! Identity providers (one row each; details, mapping and identifiers as JSON) and the links
//! from upstream accounts to users (`user_identities`). A user's `identities` attribute is
//! written in the same transaction as its links, so the two never disagree.

use super::users::{INSERT, U_COLUMNS, UPDATE, UserRow, UserWrite, bind_user};
use super::{
    BeginWrite, Store, StoreError, StoreResult, from_json, lock_pool, map_err, sealed, sql, to_json,
};
use crate::db_run;
use crate::domain::client::ClientSettings;
use crate::domain::identity_provider::{IdentityProvider, ProviderType};
use crate::domain::user::User;

#[derive(sqlx::FromRow)]
struct ProviderRow {
    pool_id: String,
    name: String,
    provider_type: String,
    details: String,
    attribute_mapping: String,
    idp_identifiers: String,
    created_at: i64,
    updated_at: i64,
}

impl ProviderRow {
    fn into_provider(self, store: &Store) -> StoreResult<IdentityProvider> {
        Ok(IdentityProvider {
            kind: ProviderType::parse(&self.provider_type).ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "identity_providers.provider_type: {}",
                    self.provider_type
                ))
            })?,
            details: from_json(
                &store.open(sealed::PROVIDER_DETAILS, &self.details)?,
                "identity_providers.details",
            )?,
            attribute_mapping: from_json(
                &self.attribute_mapping,
                "identity_providers.attribute_mapping",
            )?,
            idp_identifiers: from_json(
                &self.idp_identifiers,
                "identity_providers.idp_identifiers",
            )?,
            pool_id: self.pool_id,
            name: self.name,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const COLUMNS: &str = "pool_id, name, provider_type, details, attribute_mapping, \
                       idp_identifiers, created_at, updated_at";

/// What saving a provider came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    Saved,
    /// Create: a provider of that name exists.
    Exists,
    /// Update: the provider is gone.
    Missing,
    /// Create: the pool has its maximum of providers.
    LimitReached,
    /// Another provider of the pool has this identifier.
    IdentifierTaken(String),
}

impl Store {
    /// Inserts (`insert`) or updates a provider, in a transaction holding the pool's lock that
    /// also checks the per-pool limit and that no other provider has one of its identifiers.
    pub async fn save_identity_provider(
        &self,
        p: &IdentityProvider,
        insert: bool,
        max_per_pool: i64,
    ) -> StoreResult<SaveOutcome> {
        let details = self.seal(sealed::PROVIDER_DETAILS, &to_json(&p.details)?)?;
        let mapping = to_json(&p.attribute_mapping)?;
        let identifiers = to_json(&p.idp_identifiers)?;
        db_run!(self, |db| {
            let mut tx = db.begin_write().await.map_err(map_err)?;
            lock_pool!(tx, &p.pool_id);
            let others: Vec<(String, String)> = sqlx::query_as(
                "SELECT name, idp_identifiers FROM identity_providers WHERE pool_id = $1",
            )
            .bind(&p.pool_id)
            .fetch_all(&mut *tx)
            .await
            .map_err(map_err)?;
            let exists = others.iter().any(|(name, _)| *name == p.name);
            if insert && exists {
                return Ok(SaveOutcome::Exists);
            }
            if !insert && !exists {
                return Ok(SaveOutcome::Missing);
            }
            if insert && others.len() as i64 >= max_per_pool {
                return Ok(SaveOutcome::LimitReached);
            }
            for (name, text) in others.iter().filter(|(name, _)| *name != p.name) {
                let theirs: Vec<String> = from_json(text, "identity_providers.idp_identifiers")?;
                if let Some(taken) = p.idp_identifiers.iter().find(|i| theirs.contains(i)) {
                    tracing::debug!(provider = %name, "identifier already taken");
                    return Ok(SaveOutcome::IdentifierTaken(taken.clone()));
                }
            }
            let statement = if insert {
                "INSERT INTO identity_providers (provider_type, details, attribute_mapping, \
                 idp_identifiers, created_at, updated_at, pool_id, name) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            } else {
                "UPDATE identity_providers SET provider_type = $1, details = $2, \
                 attribute_mapping = $3, idp_identifiers = $4, created_at = $5, updated_at = $6 \
                 WHERE pool_id = $7 AND name = $8"
            };
            sqlx::query(statement)
                .bind(p.kind.as_str())
                .bind(&details)
                .bind(&mapping)
                .bind(&identifiers)
                .bind(p.created_at)
                .bind(p.updated_at)
                .bind(&p.pool_id)
                .bind(&p.name)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            tx.commit().await.map_err(map_err)?;
            Ok(SaveOutcome::Saved)
        })
    }

    /// The provider `name` of pool `pool_id`.
    pub async fn get_identity_provider(
        &self,
        pool_id: &str,
        name: &str,
    ) -> StoreResult<Option<IdentityProvider>> {
        let row = db_run!(self, |db| {
            sqlx::query_as::<_, ProviderRow>(sql(format!(
                "SELECT {COLUMNS} FROM identity_providers WHERE pool_id = $1 AND name = $2"
            )))
            .bind(pool_id)
            .bind(name)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        row.map(|row| row.into_provider(self)).transpose()
    }

    /// Providers of a pool in name order, after `after`, `limit` at most.
    pub async fn list_identity_providers(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<IdentityProvider>> {
        let rows = db_run!(self, |db| {
            sqlx::query_as::<_, ProviderRow>(sql(format!(
                "SELECT {COLUMNS} FROM identity_providers WHERE pool_id = $1 AND name > $2 \
                 ORDER BY name LIMIT $3"
            )))
            .bind(pool_id)
            .bind(after.unwrap_or(""))
            .bind(limit)
            .fetch_all(db)
            .await
            .map_err(map_err)?
        });
        rows.into_iter()
            .map(|row| row.into_provider(self))
            .collect()
    }

    /// Deletes a provider and removes its name from the `SupportedIdentityProviders` of the
    /// pool's clients, in one transaction; false when it did not exist. Users it created and
    /// their links stay (they can no longer sign in with it).
    pub async fn delete_identity_provider(
        &self,
        pool_id: &str,
        name: &str,
        now: i64,
    ) -> StoreResult<bool> {
        db_run!(self, |db| {
            let mut tx = db.begin_write().await.map_err(map_err)?;
            lock_pool!(tx, pool_id);
            let done =
                sqlx::query("DELETE FROM identity_providers WHERE pool_id = $1 AND name = $2")
                    .bind(pool_id)
                    .bind(name)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            let clients: Vec<(String, String)> =
                sqlx::query_as("SELECT id, settings FROM user_pool_clients WHERE pool_id = $1")
                    .bind(pool_id)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(map_err)?;
            for (id, text) in clients {
                let mut settings: ClientSettings = from_json(&text, "user_pool_clients.settings")?;
                let before = settings.supported_identity_providers.len();
                settings.supported_identity_providers.retain(|p| p != name);
                if settings.supported_identity_providers.len() != before {
                    sqlx::query(
                        "UPDATE user_pool_clients SET settings = $1, updated_at = $2, \
                         version = version + 1 WHERE pool_id = $3 AND id = $4",
                    )
                    .bind(to_json(&settings)?)
                    .bind(now)
                    .bind(pool_id)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                }
            }
            tx.commit().await.map_err(map_err)?;
            Ok(true)
        })
    }

    /// The user an upstream account signs in as, if it has signed in or been linked before.
    pub async fn user_for_identity(
        &self,
        pool_id: &str,
        provider: &str,
        provider_user_id: &str,
    ) -> StoreResult<Option<User>> {
        let row = db_run!(self, |db| {
            sqlx::query_as::<_, UserRow>(sql(format!(
                "SELECT {U_COLUMNS} FROM user_identities i JOIN users u ON u.id = i.user_id \
                 WHERE i.pool_id = $1 AND i.provider_name = $2 AND i.provider_user_id = $3"
            )))
            .bind(pool_id)
            .bind(provider)
            .bind(provider_user_id)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        row.map(|row| row.into_user(self)).transpose()
    }

    /// Saves a user (inserted or updated, with its new `identities` attribute) and links the
    /// upstream account to it, in one transaction. An account already linked is a `Unique`
    /// error on `user_identities` (its primary key).
    pub async fn save_user_with_identity(
        &self,
        write: &UserWrite<'_>,
        provider: &str,
        provider_user_id: &str,
    ) -> StoreResult<()> {
        let attrs = self.stored_user(write)?;
        db_run!(self, |db| {
            let mut tx = db.begin_write().await.map_err(map_err)?;
            let text = if write.insert { INSERT } else { UPDATE };
            bind_user!(sqlx::query(text), write, &attrs)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            sqlx::query(
                "INSERT INTO user_identities (pool_id, provider_name, provider_user_id, \
                 user_id, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&write.user.pool_id)
            .bind(provider)
            .bind(provider_user_id)
            .bind(&write.user.sub)
            .bind(write.user.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            tx.commit().await.map_err(map_err)?;
        });
        Ok(())
    }

    /// Removes the link of an upstream account to `write`'s user and saves the user (its
    /// `identities` attribute without it), in one transaction; false when there was no link.
    pub async fn unlink_identity(
        &self,
        write: &UserWrite<'_>,
        provider: &str,
        provider_user_id: &str,
    ) -> StoreResult<bool> {
        let attrs = self.stored_user(write)?;
        db_run!(self, |db| {
            let mut tx = db.begin_write().await.map_err(map_err)?;
            let done = sqlx::query(
                "DELETE FROM user_identities WHERE pool_id = $1 AND provider_name = $2 \
                 AND provider_user_id = $3 AND user_id = $4",
            )
            .bind(&write.user.pool_id)
            .bind(provider)
            .bind(provider_user_id)
            .bind(&write.user.sub)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            bind_user!(sqlx::query(UPDATE), write, &attrs)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            tx.commit().await.map_err(map_err)?;
            Ok(true)
        })
    }
}
