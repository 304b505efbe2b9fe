//! User pool domains: a prefix domain (`{prefix}.{auth domain}`) and a custom domain per pool.

use super::{Store, StoreResult, map_err, sql};
use crate::db_run;
use crate::domain::pool_domain::PoolDomain;

#[derive(sqlx::FromRow)]
struct DomainRow {
    domain: String,
    pool_id: String,
    kind: String,
    custom_config: Option<String>,
    managed_login_version: i64,
    created_at: i64,
    updated_at: i64,
}

impl From<DomainRow> for PoolDomain {
    fn from(r: DomainRow) -> Self {
        PoolDomain {
            domain: r.domain,
            pool_id: r.pool_id,
            kind: r.kind,
            custom_config: r.custom_config,
            managed_login_version: r.managed_login_version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str =
    "domain, pool_id, kind, custom_config, managed_login_version, created_at, updated_at";

impl Store {
    pub async fn insert_domain(&self, d: &PoolDomain) -> StoreResult<()> {
        db_run!(self, |db| {
            sqlx::query(sql(format!(
                "INSERT INTO user_pool_domains ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            )))
            .bind(&d.domain)
            .bind(&d.pool_id)
            .bind(&d.kind)
            .bind(&d.custom_config)
            .bind(d.managed_login_version)
            .bind(d.created_at)
            .bind(d.updated_at)
            .execute(db)
            .await
            .map_err(map_err)?;
        });
        Ok(())
    }

    pub async fn get_domain(&self, domain: &str) -> StoreResult<Option<PoolDomain>> {
        let row = db_run!(self, |db| {
            sqlx::query_as::<_, DomainRow>(sql(format!(
                "SELECT {COLUMNS} FROM user_pool_domains WHERE domain = $1"
            )))
            .bind(domain)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        Ok(row.map(PoolDomain::from))
    }

    pub async fn domains_of_pool(&self, pool_id: &str) -> StoreResult<Vec<PoolDomain>> {
        let rows = db_run!(self, |db| {
            sqlx::query_as::<_, DomainRow>(sql(format!(
                "SELECT {COLUMNS} FROM user_pool_domains WHERE pool_id = $1 ORDER BY kind"
            )))
            .bind(pool_id)
            .fetch_all(db)
            .await
            .map_err(map_err)?
        });
        Ok(rows.into_iter().map(PoolDomain::from).collect())
    }

    /// Updates the custom configuration and managed-login version of a domain.
    pub async fn update_domain(&self, d: &PoolDomain) -> StoreResult<bool> {
        db_run!(self, |db| {
            let done = sqlx::query(
                "UPDATE user_pool_domains SET custom_config = $1, managed_login_version = $2, \
                 updated_at = $3 WHERE domain = $4 AND pool_id = $5",
            )
            .bind(&d.custom_config)
            .bind(d.managed_login_version)
            .bind(d.updated_at)
            .bind(&d.domain)
            .bind(&d.pool_id)
            .execute(db)
            .await
            .map_err(map_err)?;
            Ok(done.rows_affected() > 0)
        })
    }

    pub async fn delete_domain(&self, pool_id: &str, domain: &str) -> StoreResult<bool> {
        db_run!(self, |db| {
            let done =
                sqlx::query("DELETE FROM user_pool_domains WHERE pool_id = $1 AND domain = $2")
                    .bind(pool_id)
                    .bind(domain)
                    .execute(db)
                    .await
                    .map_err(map_err)?;
            Ok(done.rows_affected() > 0)
        })
    }
}
