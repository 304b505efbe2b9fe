//! Groups and memberships: `pool_groups` (one row per group) and `user_groups` (one row per
//! membership; deleting a group or a user removes its memberships by cascade).

use super::{BeginWrite, Store, StoreResult, map_err, sql};
use crate::db_run;
use crate::domain::group::Group;

#[derive(sqlx::FromRow)]
struct GroupRow {
    pool_id: String,
    name: String,
    description: Option<String>,
    role_arn: Option<String>,
    precedence: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl From<GroupRow> for Group {
    fn from(r: GroupRow) -> Self {
        Group {
            pool_id: r.pool_id,
            name: r.name,
            description: r.description,
            role_arn: r.role_arn,
            precedence: r.precedence,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "pool_id, name, description, role_arn, precedence, created_at, updated_at";
const G_COLUMNS: &str =
    "g.pool_id, g.name, g.description, g.role_arn, g.precedence, g.created_at, g.updated_at";

impl Store {
    /// Inserts a group; a duplicate name is `StoreError::Unique("pool_groups_pkey")`.
    pub async fn insert_group(&self, g: &Group) -> StoreResult<()> {
        db_run!(self, |db| {
            sqlx::query(sql(format!(
                "INSERT INTO pool_groups ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            )))
            .bind(&g.pool_id)
            .bind(&g.name)
            .bind(&g.description)
            .bind(&g.role_arn)
            .bind(g.precedence)
            .bind(g.created_at)
            .bind(g.updated_at)
            .execute(db)
            .await
            .map_err(map_err)?;
        });
        Ok(())
    }

    pub async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<Group>> {
        let row = db_run!(self, |db| {
            sqlx::query_as::<_, GroupRow>(sql(format!(
                "SELECT {COLUMNS} FROM pool_groups WHERE pool_id = $1 AND name = $2"
            )))
            .bind(pool_id)
            .bind(name)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        Ok(row.map(Group::from))
    }

    /// Saves description, role and precedence; false when the group is gone.
    pub async fn update_group(&self, g: &Group) -> StoreResult<bool> {
        db_run!(self, |db| {
            let done = sqlx::query(
                "UPDATE pool_groups SET description = $1, role_arn = $2, precedence = $3, \
                 updated_at = $4 WHERE pool_id = $5 AND name = $6",
            )
            .bind(&g.description)
            .bind(&g.role_arn)
            .bind(g.precedence)
            .bind(g.updated_at)
            .bind(&g.pool_id)
            .bind(&g.name)
            .execute(db)
            .await
            .map_err(map_err)?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// Deletes a group and its memberships in one transaction.
    pub async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<bool> {
        db_run!(self, |db| {
            let mut tx = db.begin_write().await.map_err(map_err)?;
            sqlx::query("DELETE FROM user_groups WHERE pool_id = $1 AND group_name = $2")
                .bind(pool_id)
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            let done = sqlx::query("DELETE FROM pool_groups WHERE pool_id = $1 AND name = $2")
                .bind(pool_id)
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            tx.commit().await.map_err(map_err)?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// Groups of a pool in name order, after `after`.
    pub async fn list_groups(
        &self,
        pool_id: &str,
        after: &str,
        limit: i64,
    ) -> StoreResult<Vec<Group>> {
        let rows = db_run!(self, |db| {
            sqlx::query_as::<_, GroupRow>(sql(format!(
                "SELECT {COLUMNS} FROM pool_groups WHERE pool_id = $1 AND name > $2 \
                 ORDER BY name LIMIT $3"
            )))
            .bind(pool_id)
            .bind(after)
            .bind(limit)
            .fetch_all(db)
            .await
            .map_err(map_err)?
        });
        Ok(rows.into_iter().map(Group::from).collect())
    }

    /// Adds a membership unless the user is already in `max_groups` groups; adding it again
    /// changes nothing. The limit is checked by the statement that inserts (two additions for the
    /// same user racing on PostgreSQL's READ COMMITTED could still pass it by one). Returns false
    /// when the limit refused the row.
    pub async fn add_member(
        &self,
        pool_id: &str,
        group: &str,
        user_id: &str,
        now: i64,
        max_groups: i64,
    ) -> StoreResult<bool> {
        db_run!(self, |db| {
            let mut tx = db.begin_write().await.map_err(map_err)?;
            let (already,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM user_groups WHERE pool_id = $1 AND group_name = $2 AND user_id = $3",
            )
            .bind(pool_id)
            .bind(group)
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
            if already > 0 {
                return Ok(true);
            }
            let done = sqlx::query(
                "INSERT INTO user_groups (pool_id, group_name, user_id, created_at) \
                 SELECT $1, $2, $3, $4 \
                 WHERE (SELECT COUNT(*) FROM user_groups WHERE user_id = $5) < $6 \
                 ON CONFLICT (pool_id, group_name, user_id) DO NOTHING",
            )
            .bind(pool_id)
            .bind(group)
            .bind(user_id)
            .bind(now)
            .bind(user_id)
            .bind(max_groups)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            tx.commit().await.map_err(map_err)?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// Removes a membership; false when there was none.
    pub async fn remove_member(
        &self,
        pool_id: &str,
        group: &str,
        user_id: &str,
    ) -> StoreResult<bool> {
        db_run!(self, |db| {
            let done = sqlx::query(
                "DELETE FROM user_groups WHERE pool_id = $1 AND group_name = $2 AND user_id = $3",
            )
            .bind(pool_id)
            .bind(group)
            .bind(user_id)
            .execute(db)
            .await
            .map_err(map_err)?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// The groups a user belongs to, in name order, after `after`.
    pub async fn groups_of_user(
        &self,
        user_id: &str,
        after: &str,
        limit: i64,
    ) -> StoreResult<Vec<Group>> {
        let rows = db_run!(self, |db| {
            sqlx::query_as::<_, GroupRow>(sql(format!(
                "SELECT {G_COLUMNS} FROM user_groups m JOIN pool_groups g \
                 ON g.pool_id = m.pool_id AND g.name = m.group_name \
                 WHERE m.user_id = $1 AND g.name > $2 ORDER BY g.name LIMIT $3"
            )))
            .bind(user_id)
            .bind(after)
            .bind(limit)
            .fetch_all(db)
            .await
            .map_err(map_err)?
        });
        Ok(rows.into_iter().map(Group::from).collect())
    }
}
