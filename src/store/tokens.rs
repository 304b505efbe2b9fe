//! Token families and refresh tokens. A `token_origins` row is one sign-in: every token issued
//! for it carries its `origin_jti`, and revoking the row ends them all. `refresh_tokens` holds
//! SHA-256 hashes of the opaque refresh tokens of a family (several with rotation; a replaced
//! one is marked `superseded_at`).

use super::mfa::{M_COLUMNS, MfaRow};
use super::sqlite_reads::hot_row;
use super::users::{U_COLUMNS, UserRow};
use super::{BeginWrite, Store, StoreResult, map_err};
use crate::db_run;
use crate::domain::group::Group;
use crate::domain::mfa::UserMfa;
use crate::domain::user::User;
use std::sync::LazyLock;

/// One sign-in (token family).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TokenOrigin {
    pub origin_jti: String,
    pub pool_id: String,
    pub client_id: String,
    pub user_id: String,
    /// Epoch ms of the authentication (`auth_time`).
    pub auth_time: i64,
    /// Space-separated scopes of the access tokens.
    pub scopes: String,
    pub created_at: i64,
    /// When the family's refresh tokens expire (fixed at sign-in).
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    /// The remembered device the sign-in was made on, if any.
    pub device_key: Option<String>,
}

const ORIGIN_COLUMNS: &str = "o.origin_jti, o.pool_id, o.client_id, o.user_id, o.auth_time, \
                              o.scopes, o.created_at, o.expires_at, o.revoked_at, o.device_key";

/// A refresh token found by its hash, with its family.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RefreshTokenRecord {
    #[sqlx(flatten)]
    pub origin: TokenOrigin,
    pub token_created_at: i64,
    pub superseded_at: Option<i64>,
}

/// What checking an access token needs from the database, read in one query: the family's
/// state, the user and the user's MFA settings. The client and the pool come from the
/// configuration caches (`services::client_cache`), not from this row.
#[derive(Debug, Clone)]
pub struct AccessRecord {
    pub client_id: String,
    pub origin_pool_id: String,
    pub revoked_at: Option<i64>,
    pub user: User,
    /// The user's MFA settings (GetUser shows them).
    pub mfa: UserMfa,
    /// The configuration counter of the family's pool, read in the same query (it confirms
    /// the cached client: `services::client_cache`).
    pub config_version: i64,
}

hot_row! {
    struct AccessRow {
        #[flatten]
        user: UserRow,
        #[flatten]
        mfa: MfaRow,
        origin_client_id: String,
        origin_pool_id: String,
        origin_revoked_at: Option<i64>,
        config_version: i64,
    }
}

/// [`Store::access_record`]'s query.
static ACCESS_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {U_COLUMNS}, {M_COLUMNS}, o.client_id AS origin_client_id, \
         o.pool_id AS origin_pool_id, o.revoked_at AS origin_revoked_at, \
         COALESCE(c.version, 0) AS config_version \
         FROM token_origins o JOIN users u ON u.id = o.user_id \
         LEFT JOIN user_mfa m ON m.user_id = u.id \
         LEFT JOIN config_versions c ON c.pool_id = o.pool_id WHERE o.origin_jti = $1"
    )
});

hot_row! {
    /// A refresh token's row joined with its family and the family's user; `groups_json` holds
    /// the user's groups as a JSON array of `[name, description, role_arn, precedence,
    /// created_at, updated_at]` (see [`USER_GROUPS_JSON`]).
    struct RefreshRow {
        #[flatten]
        user: UserRow,
        origin_jti: String,
        origin_pool_id: String,
        origin_client_id: String,
        origin_auth_time: i64,
        origin_scopes: String,
        origin_created_at: i64,
        origin_expires_at: i64,
        origin_revoked_at: Option<i64>,
        origin_device_key: Option<String>,
        token_created_at: i64,
        superseded_at: Option<i64>,
        groups_json: String,
    }
}

/// [`Store::refresh_token_with_user`]'s query in each dialect.
static REFRESH_SQL: LazyLock<[String; 2]> = LazyLock::new(|| {
    USER_GROUPS_JSON.map(|groups| {
        format!(
            "SELECT {U_COLUMNS}, {groups} AS groups_json, \
             o.origin_jti, o.pool_id AS origin_pool_id, \
             o.client_id AS origin_client_id, o.auth_time AS origin_auth_time, \
             o.scopes AS origin_scopes, o.created_at AS origin_created_at, \
             o.expires_at AS origin_expires_at, o.revoked_at AS origin_revoked_at, \
             o.device_key AS origin_device_key, \
             r.created_at AS token_created_at, r.superseded_at \
             FROM refresh_tokens r JOIN token_origins o ON o.origin_jti = r.origin_jti \
             JOIN users u ON u.id = o.user_id WHERE r.token_hash = $1"
        )
    })
});

/// One group of [`RefreshRow::groups_json`].
type GroupTuple = (
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    i64,
    i64,
);

/// A subquery giving the groups of user `u` as JSON, in each dialect.
const USER_GROUPS_JSON: [&str; 2] = [
    "(SELECT json_group_array(json_array(g.name, g.description, g.role_arn, g.precedence, \
     g.created_at, g.updated_at)) FROM user_groups m JOIN pool_groups g \
     ON g.pool_id = m.pool_id AND g.name = m.group_name WHERE m.user_id = u.id)",
    "(SELECT COALESCE(json_agg(json_build_array(g.name, g.description, g.role_arn, \
     g.precedence, g.created_at, g.updated_at)), '[]')::text FROM user_groups m \
     JOIN pool_groups g ON g.pool_id = m.pool_id AND g.name = m.group_name \
     WHERE m.user_id = u.id)",
];

const INSERT_REFRESH: &str = "INSERT INTO refresh_tokens (token_hash, origin_jti, created_at, \
                              superseded_at) VALUES ($1, $2, $3, NULL)";

impl Store {
    /// Stores a new family with its first refresh token.
    pub async fn insert_token_origin(
        &self,
        origin: &TokenOrigin,
        refresh_hash: &str,
    ) -> StoreResult<()> {
        db_run!(self, |pool| {
            let mut tx = pool.begin_write().await.map_err(map_err)?;
            sqlx::query(
                "INSERT INTO token_origins (origin_jti, pool_id, client_id, user_id, auth_time, \
                 scopes, created_at, expires_at, revoked_at, device_key) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(&origin.origin_jti)
            .bind(&origin.pool_id)
            .bind(&origin.client_id)
            .bind(&origin.user_id)
            .bind(origin.auth_time)
            .bind(&origin.scopes)
            .bind(origin.created_at)
            .bind(origin.expires_at)
            .bind(origin.revoked_at)
            .bind(&origin.device_key)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            sqlx::query(INSERT_REFRESH)
                .bind(refresh_hash)
                .bind(&origin.origin_jti)
                .bind(origin.created_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            tx.commit().await.map_err(map_err)?;
        });
        Ok(())
    }

    /// The refresh token with this hash and its family.
    pub async fn find_refresh_token(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<RefreshTokenRecord>> {
        db_run!(self, |pool| {
            sqlx::query_as::<_, RefreshTokenRecord>(sqlx::AssertSqlSafe(format!(
                "SELECT {ORIGIN_COLUMNS}, r.created_at AS token_created_at, r.superseded_at \
                 FROM refresh_tokens r JOIN token_origins o ON o.origin_jti = r.origin_jti \
                 WHERE r.token_hash = $1"
            )))
            .bind(token_hash)
            .fetch_optional(pool)
            .await
            .map_err(map_err)
        })
    }

    /// A refresh token found by its hash, with its family, the family's user and the user's
    /// groups, in one query. The inner join relies on `token_origins.user_id ... ON DELETE
    /// CASCADE`: a deleted user's families are gone, so no family here lacks its user (were
    /// that cascade dropped, such tokens would read as unknown instead of revoked).
    pub async fn refresh_token_with_user(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<(RefreshTokenRecord, User, Vec<Group>)>> {
        let sql = match self.db {
            super::Db::Sqlite(..) => REFRESH_SQL[0].as_str(),
            super::Db::Postgres(..) => REFRESH_SQL[1].as_str(),
        };
        let Some(row) = self.hot_row::<RefreshRow>(sql, token_hash).await? else {
            return Ok(None);
        };
        let user = row.user.into_user(self)?;
        let tuples: Vec<GroupTuple> = super::from_json(&row.groups_json, "user groups")?;
        let groups = tuples
            .into_iter()
            .map(
                |(name, description, role_arn, precedence, created_at, updated_at)| Group {
                    pool_id: user.pool_id.clone(),
                    name,
                    description,
                    role_arn,
                    precedence,
                    created_at,
                    updated_at,
                },
            )
            .collect();
        let record = RefreshTokenRecord {
            origin: TokenOrigin {
                origin_jti: row.origin_jti,
                pool_id: row.origin_pool_id,
                client_id: row.origin_client_id,
                user_id: user.sub.clone(),
                auth_time: row.origin_auth_time,
                scopes: row.origin_scopes,
                created_at: row.origin_created_at,
                expires_at: row.origin_expires_at,
                revoked_at: row.origin_revoked_at,
                device_key: row.origin_device_key,
            },
            token_created_at: row.token_created_at,
            superseded_at: row.superseded_at,
        };
        Ok(Some((record, user, groups)))
    }

    /// Rotation: marks the old token superseded (first time only) and adds the new one. With
    /// `only_if_current`, nothing is written and false is returned when the old token was
    /// superseded already (a parallel rotation of the same token got there first).
    pub async fn rotate_refresh_token(
        &self,
        old_hash: &str,
        new_hash: &str,
        origin_jti: &str,
        now: i64,
        only_if_current: bool,
    ) -> StoreResult<bool> {
        db_run!(self, |pool| {
            let mut tx = pool.begin_write().await.map_err(map_err)?;
            let superseded = sqlx::query(
                "UPDATE refresh_tokens SET superseded_at = $1 \
                 WHERE token_hash = $2 AND superseded_at IS NULL",
            )
            .bind(now)
            .bind(old_hash)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
            if only_if_current && superseded == 0 {
                tx.rollback().await.map_err(map_err)?;
                return Ok(false);
            }
            sqlx::query(INSERT_REFRESH)
                .bind(new_hash)
                .bind(origin_jti)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            tx.commit().await.map_err(map_err)?;
        });
        Ok(true)
    }

    /// Revokes one family (idempotent: an earlier revocation time is kept).
    pub async fn revoke_token_origin(&self, origin_jti: &str, now: i64) -> StoreResult<()> {
        db_run!(self, |pool| {
            sqlx::query(
                "UPDATE token_origins SET revoked_at = $1 \
                 WHERE origin_jti = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(origin_jti)
            .execute(pool)
            .await
            .map_err(map_err)?;
        });
        Ok(())
    }

    /// Global sign-out, in one transaction: revokes every family of a user, ends their
    /// hosted-UI sessions and uses up their unexchanged authorization codes (so a crash
    /// between them cannot leave the tokens revoked and a session or code still able to sign
    /// in). Returns how many families and sessions were still live.
    pub async fn sign_out_user(&self, user_id: &str, now: i64) -> StoreResult<(u64, u64)> {
        db_run!(self, |pool| {
            let mut tx = pool.begin_write().await.map_err(map_err)?;
            let mut done = [0; 3];
            for (i, sql) in [
                "UPDATE token_origins SET revoked_at = $1 \
                 WHERE user_id = $2 AND revoked_at IS NULL",
                "UPDATE sso_sessions SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL",
                "UPDATE oauth_codes SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
            ]
            .into_iter()
            .enumerate()
            {
                done[i] = sqlx::query(sql)
                    .bind(now)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected();
            }
            tx.commit().await.map_err(map_err)?;
            Ok((done[0], done[1]))
        })
    }

    /// The family and the user (with its MFA settings) behind an access token's
    /// `origin_jti`, with the pool's configuration counter, in one indexed query (primary keys
    /// of `token_origins`, `users`, `user_mfa` and `config_versions`). None when the family is
    /// unknown or its user was deleted (the family went with it).
    pub async fn access_record(&self, origin_jti: &str) -> StoreResult<Option<AccessRecord>> {
        let Some(row) = self.hot_row::<AccessRow>(&ACCESS_SQL, origin_jti).await? else {
            return Ok(None);
        };
        Ok(Some(AccessRecord {
            client_id: row.origin_client_id,
            origin_pool_id: row.origin_pool_id,
            revoked_at: row.origin_revoked_at,
            user: row.user.into_user(self)?,
            mfa: row.mfa.into_mfa(self)?,
            config_version: row.config_version,
        }))
    }
}
