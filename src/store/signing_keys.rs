//! Signing keys of the pools (`signing_keys`): two signing keys per pool (purpose `id` and
//! `access`), each signing from `signs_from` until `retired_at`, published in the JWKS from its
//! insertion until `publish_until`. Which keys sign when is decided in `services::keys`. The
//! private key is PKCS#8 DER in base64, the public key its JWK as JSON.

use super::{BeginWrite, Store, StoreResult, lock_pool, map_err, sealed};
use crate::db_run;

/// One stored key.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SigningKeyRow {
    pub kid: String,
    pub pool_id: String,
    pub purpose: String,
    pub private_key: String,
    pub public_jwk: String,
    pub created_at: i64,
    /// From when (epoch ms) the key signs.
    pub signs_from: i64,
    /// From when the key no longer signs (None: until a rotation).
    pub retired_at: Option<i64>,
    /// Until when a retired key stays in the JWKS.
    pub publish_until: Option<i64>,
}

const COLUMNS: &str = "kid, pool_id, purpose, private_key, public_jwk, created_at, signs_from, \
                       retired_at, publish_until";

/// What a rotation retires: the old keys stop signing at `retire_at` (when the new ones start)
/// and stay published until `publish_until`; retired keys whose `publish_until` is before `now`
/// are deleted.
#[derive(Debug, Clone, Copy)]
pub struct Retirement {
    pub now: i64,
    pub retire_at: i64,
    pub publish_until: i64,
}

/// Inserts one key row inside the transaction `$tx`.
macro_rules! insert_key {
    ($tx:expr, $key:expr) => {
        sqlx::query(
            "INSERT INTO signing_keys (kid, pool_id, purpose, private_key, public_jwk, \
             created_at, signs_from, retired_at, publish_until) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&$key.kid)
        .bind(&$key.pool_id)
        .bind(&$key.purpose)
        .bind(&$key.private_key)
        .bind(&$key.public_jwk)
        .bind($key.created_at)
        .bind($key.signs_from)
        .bind($key.retired_at)
        .bind($key.publish_until)
        .execute(&mut *$tx)
        .await
        .map_err(map_err)?
    };
}

impl Store {
    /// `key` with its private key sealed (`seal`) or opened.
    fn with_private_key(&self, mut key: SigningKeyRow, seal: bool) -> StoreResult<SigningKeyRow> {
        key.private_key = if seal {
            self.seal(sealed::SIGNING_KEY, &key.private_key)?
        } else {
            self.open(sealed::SIGNING_KEY, &key.private_key)?
        };
        Ok(key)
    }

    fn sealed_keys(&self, keys: &[SigningKeyRow]) -> StoreResult<Vec<SigningKeyRow>> {
        keys.iter()
            .map(|key| self.with_private_key(key.clone(), true))
            .collect()
    }

    /// The keys of the pool's JWKS at `now`: those not retired (signing, or to sign after a
    /// rotation) and retired ones still published.
    pub async fn published_signing_keys(
        &self,
        pool_id: &str,
        now: i64,
    ) -> StoreResult<Vec<SigningKeyRow>> {
        let rows = db_run!(self, |pool| {
            sqlx::query_as::<_, SigningKeyRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM signing_keys WHERE pool_id = $1 \
                 AND (retired_at IS NULL OR publish_until > $2) ORDER BY created_at, kid"
            )))
            .bind(pool_id)
            .bind(now)
            .fetch_all(pool)
            .await
            .map_err(map_err)?
        });
        rows.into_iter()
            .map(|key| self.with_private_key(key, false))
            .collect()
    }

    /// One key by its `kid`, whatever its state.
    pub async fn get_signing_key(&self, kid: &str) -> StoreResult<Option<SigningKeyRow>> {
        let row = db_run!(self, |pool| {
            sqlx::query_as::<_, SigningKeyRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM signing_keys WHERE kid = $1"
            )))
            .bind(kid)
            .fetch_optional(pool)
            .await
            .map_err(map_err)?
        });
        row.map(|key| self.with_private_key(key, false)).transpose()
    }

    /// Stores the first keys of a pool unless it has keys not retired already (another request
    /// or node made them first): under the pool's row lock, so exactly one set wins. Returns
    /// the pool's published keys at `now` afterwards.
    pub async fn insert_first_signing_keys(
        &self,
        pool_id: &str,
        keys: &[SigningKeyRow],
        now: i64,
    ) -> StoreResult<Vec<SigningKeyRow>> {
        let keys = self.sealed_keys(keys)?;
        db_run!(self, |pool| {
            let mut tx = pool.begin_write().await.map_err(map_err)?;
            lock_pool!(tx, pool_id);
            let existing: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM signing_keys WHERE pool_id = $1 AND retired_at IS NULL",
            )
            .bind(pool_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
            if existing == 0 {
                for key in &keys {
                    insert_key!(tx, key);
                }
            }
            tx.commit().await.map_err(map_err)?;
        });
        self.published_signing_keys(pool_id, now).await
    }

    /// Rotation: retires the pool's keys not retired yet (at `retire_at`), stores the new ones,
    /// and deletes retired keys no longer published — in one transaction under the pool's lock.
    pub async fn rotate_signing_keys(
        &self,
        pool_id: &str,
        keys: &[SigningKeyRow],
        retirement: Retirement,
    ) -> StoreResult<()> {
        let keys = self.sealed_keys(keys)?;
        db_run!(self, |pool| {
            let mut tx = pool.begin_write().await.map_err(map_err)?;
            lock_pool!(tx, pool_id);
            sqlx::query(
                "UPDATE signing_keys SET retired_at = $1, publish_until = $2 \
                 WHERE pool_id = $3 AND retired_at IS NULL",
            )
            .bind(retirement.retire_at)
            .bind(retirement.publish_until)
            .bind(pool_id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            for key in &keys {
                insert_key!(tx, key);
            }
            sqlx::query(
                "DELETE FROM signing_keys WHERE pool_id = $1 AND retired_at IS NOT NULL \
                 AND publish_until <= $2",
            )
            .bind(pool_id)
            .bind(retirement.now)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            tx.commit().await.map_err(map_err)?;
        });
        Ok(())
    }

    /// Every pool id (for `tessera keys rotate` without `--pool`).
    pub async fn all_pool_ids(&self) -> StoreResult<Vec<String>> {
        db_run!(self, |pool| {
            sqlx::query_scalar("SELECT id FROM user_pools ORDER BY id")
                .fetch_all(pool)
                .await
                .map_err(map_err)
        })
    }
}
