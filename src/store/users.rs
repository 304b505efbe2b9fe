//! Users: one row each with the indexed searchable columns and alias keys (derived by
//! `domain::user`), every attribute in a JSON column, and one-time codes in `user_codes`.
//! ListUsers pages by keyset on (filter column, username_key), an index range scan on both
//! backends.

use super::sqlite_reads::hot_row;
use super::{BeginWrite, Store, StoreResult, from_json, map_err, sealed, sql, to_json};
use crate::db_run;
use crate::domain::filter::{FilterPlan, SearchColumn};
use crate::domain::user::{User, UserColumns, UserStatus};

hot_row! {
    pub(super) struct UserRow {
        id: String,
        pool_id: String,
        username: String,
        status: String,
        enabled: bool,
        attributes: String,
        password_hash: Option<String>,
        password_changed_at: Option<i64>,
        srp_salt: Option<String>,
        srp_verifier: Option<String>,
        created_at: i64,
        updated_at: i64,
    }
}

impl UserRow {
    pub(super) fn into_user(self, store: &Store) -> StoreResult<User> {
        Ok(User {
            srp_verifier: store.open_opt(sealed::SRP_VERIFIER, self.srp_verifier)?,
            status: UserStatus::parse(&self.status).ok_or_else(|| {
                super::StoreError::Corrupt(format!("users.status: {}", self.status))
            })?,
            attributes: from_json(&self.attributes, "users.attributes")?,
            sub: self.id,
            pool_id: self.pool_id,
            username: self.username,
            enabled: self.enabled,
            password_hash: self.password_hash,
            password_changed_at: self.password_changed_at,
            srp_salt: self.srp_salt,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const COLUMNS: &str = "id, pool_id, username, status, enabled, attributes, password_hash, \
                       password_changed_at, srp_salt, srp_verifier, created_at, updated_at";

/// Qualified with `u.` for joins.
pub(super) const U_COLUMNS: &str = "u.id, u.pool_id, u.username, u.status, u.enabled, u.attributes, \
                         u.password_hash, u.password_changed_at, u.srp_salt, u.srp_verifier, \
                         u.created_at, u.updated_at";

pub(super) const INSERT: &str = "INSERT INTO users (username, username_key, status, enabled, email, \
    phone_number, name, given_name, family_name, preferred_username, email_alias, phone_alias, \
    preferred_username_alias, attributes, password_hash, password_changed_at, created_at, \
    updated_at, srp_salt, srp_verifier, pool_id, id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
    $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)";

pub(super) const UPDATE: &str = "UPDATE users SET username = $1, username_key = $2, status = $3, \
    enabled = $4, email = $5, phone_number = $6, name = $7, given_name = $8, family_name = $9, \
    preferred_username = $10, email_alias = $11, phone_alias = $12, \
    preferred_username_alias = $13, attributes = $14, password_hash = $15, \
    password_changed_at = $16, created_at = $17, updated_at = $18, srp_salt = $19, \
    srp_verifier = $20 WHERE pool_id = $21 AND id = $22";

/// One row to write in [`Store::save_users`].
#[derive(Debug, Clone)]
pub struct UserWrite<'a> {
    pub user: &'a User,
    pub columns: UserColumns,
    /// Insert a new row (else update the existing one).
    pub insert: bool,
}

/// A column a user is looked up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserKey {
    Username,
    EmailAlias,
    PhoneAlias,
    PreferredUsernameAlias,
    Sub,
}

impl UserKey {
    fn column(self) -> &'static str {
        match self {
            UserKey::Username => "username_key",
            UserKey::EmailAlias => "email_alias",
            UserKey::PhoneAlias => "phone_alias",
            UserKey::PreferredUsernameAlias => "preferred_username_alias",
            UserKey::Sub => "id",
        }
    }
}

/// The SQL column of a search attribute. Every searchable column compares bytewise (the "C"
/// collation on PostgreSQL, BINARY on SQLite), so prefix ranges use the indexes.
fn search_column(c: SearchColumn) -> &'static str {
    match c {
        SearchColumn::Username => "username_key",
        SearchColumn::Email => "email",
        SearchColumn::PhoneNumber => "phone_number",
        SearchColumn::Name => "name",
        SearchColumn::GivenName => "given_name",
        SearchColumn::FamilyName => "family_name",
        SearchColumn::PreferredUsername => "preferred_username",
        SearchColumn::Status => "status",
        SearchColumn::Sub => "id",
    }
}

/// Where the previous page ended: the filter column's value (prefix filters) and username key.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UserCursor {
    pub column: String,
    pub username_key: String,
}

/// What a user's row holds in other forms than the [`User`]: the attributes as JSON and the
/// SRP verifier sealed.
pub(super) struct StoredUser {
    pub(super) attributes: String,
    pub(super) srp_verifier: Option<String>,
}

impl Store {
    pub(super) fn stored_user(&self, w: &UserWrite<'_>) -> StoreResult<StoredUser> {
        Ok(StoredUser {
            attributes: to_json(&w.user.attributes)?,
            srp_verifier: self.seal_opt(sealed::SRP_VERIFIER, w.user.srp_verifier.as_deref())?,
        })
    }
}

/// Binds a user's stored fields in the order INSERT and UPDATE share (`$stored`: the
/// [`StoredUser`] of `$w`).
macro_rules! bind_user {
    ($query:expr, $w:expr, $stored:expr) => {
        $query
            .bind(&$w.user.username)
            .bind(&$w.columns.username_key)
            .bind($w.user.status.as_str())
            .bind($w.user.enabled)
            .bind(&$w.columns.email)
            .bind(&$w.columns.phone_number)
            .bind(&$w.columns.name)
            .bind(&$w.columns.given_name)
            .bind(&$w.columns.family_name)
            .bind(&$w.columns.preferred_username)
            .bind(&$w.columns.email_alias)
            .bind(&$w.columns.phone_alias)
            .bind(&$w.columns.preferred_username_alias)
            .bind(&$stored.attributes)
            .bind(&$w.user.password_hash)
            .bind($w.user.password_changed_at)
            .bind($w.user.created_at)
            .bind($w.user.updated_at)
            .bind(&$w.user.srp_salt)
            .bind(&$stored.srp_verifier)
            .bind(&$w.user.pool_id)
            .bind(&$w.user.sub)
    };
}
pub(super) use bind_user;

impl Store {
    /// Writes users in one transaction, in order (so an alias taken from one user is released
    /// before another takes it). Unique violations name the index (`users_username_key`,
    /// `users_email_alias_key`, …).
    pub async fn save_users(&self, writes: &[UserWrite<'_>]) -> StoreResult<()> {
        let attributes = writes
            .iter()
            .map(|w| self.stored_user(w))
            .collect::<StoreResult<Vec<_>>>()?;
        db_run!(self, |db| {
            let mut tx = db.begin_write().await.map_err(map_err)?;
            for (w, attrs) in writes.iter().zip(&attributes) {
                let text = if w.insert { INSERT } else { UPDATE };
                bind_user!(sqlx::query(text), w, attrs)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
            }
            tx.commit().await.map_err(map_err)?;
        });
        Ok(())
    }

    /// Replaces a user's password hash and SRP verifier by ones of the same password, if the
    /// stored hash is still `previous` (a change of password in between wins). True when
    /// replaced.
    pub async fn upgrade_password_hash(&self, user: &User, previous: &str) -> StoreResult<bool> {
        let verifier = self.seal_opt(sealed::SRP_VERIFIER, user.srp_verifier.as_deref())?;
        let done = db_run!(self, |db| {
            sqlx::query(
                "UPDATE users SET password_hash = $1, srp_salt = $2, srp_verifier = $3 \
                 WHERE pool_id = $4 AND id = $5 AND password_hash = $6",
            )
            .bind(&user.password_hash)
            .bind(&user.srp_salt)
            .bind(&verifier)
            .bind(&user.pool_id)
            .bind(&user.sub)
            .bind(previous)
            .execute(db)
            .await
            .map_err(map_err)?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Undoes a user creation in one transaction: deletes the new user, then restores the users
    /// it had taken aliases from (their saved earlier states).
    pub async fn undo_user_insert(
        &self,
        pool_id: &str,
        sub: &str,
        restore: &[UserWrite<'_>],
    ) -> StoreResult<()> {
        let attributes = restore
            .iter()
            .map(|w| self.stored_user(w))
            .collect::<StoreResult<Vec<_>>>()?;
        db_run!(self, |db| {
            let mut tx = db.begin_write().await.map_err(map_err)?;
            sqlx::query("DELETE FROM users WHERE pool_id = $1 AND id = $2")
                .bind(pool_id)
                .bind(sub)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            for (w, attrs) in restore.iter().zip(&attributes) {
                bind_user!(sqlx::query(UPDATE), w, attrs)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
            }
            tx.commit().await.map_err(map_err)?;
        });
        Ok(())
    }

    /// Saves a user and replaces its one-time code for `purpose`, in one transaction.
    pub async fn save_user_with_code(
        &self,
        write: &UserWrite<'_>,
        purpose: &str,
        code_hash: &str,
        expires_at: i64,
    ) -> StoreResult<()> {
        let attrs = self.stored_user(write)?;
        db_run!(self, |db| {
            let mut tx = db.begin_write().await.map_err(map_err)?;
            bind_user!(sqlx::query(UPDATE), write, &attrs)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            sqlx::query(
                "INSERT INTO user_codes (user_id, purpose, code_hash, expires_at, attempts, \
                 created_at) VALUES ($1, $2, $3, $4, 0, $5) ON CONFLICT (user_id, purpose) DO \
                 UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, \
                 attempts = 0, created_at = excluded.created_at",
            )
            .bind(&write.user.sub)
            .bind(purpose)
            .bind(code_hash)
            .bind(expires_at)
            .bind(write.user.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            tx.commit().await.map_err(map_err)?;
        });
        Ok(())
    }

    /// Confirmed users whose searchable `email` column is `email_key`, `limit` at most.
    pub async fn users_with_email(
        &self,
        pool_id: &str,
        email_key: &str,
        limit: i64,
    ) -> StoreResult<Vec<User>> {
        let rows = db_run!(self, |db| {
            sqlx::query_as::<_, UserRow>(sql(format!(
                "SELECT {COLUMNS} FROM users WHERE pool_id = $1 AND email = $2 \
                 AND status = 'CONFIRMED' LIMIT $3"
            )))
            .bind(pool_id)
            .bind(email_key)
            .bind(limit)
            .fetch_all(db)
            .await
            .map_err(map_err)?
        });
        rows.into_iter().map(|row| row.into_user(self)).collect()
    }

    /// The user whose `key` column equals `value`.
    pub async fn get_user_by(
        &self,
        pool_id: &str,
        key: UserKey,
        value: &str,
    ) -> StoreResult<Option<User>> {
        let row = db_run!(self, |db| {
            sqlx::query_as::<_, UserRow>(sql(format!(
                "SELECT {COLUMNS} FROM users WHERE pool_id = $1 AND {} = $2",
                key.column()
            )))
            .bind(pool_id)
            .bind(value)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        row.map(|row| row.into_user(self)).transpose()
    }

    /// Deletes a user; its group memberships and codes go with it (cascade).
    pub async fn delete_user(&self, pool_id: &str, sub: &str) -> StoreResult<bool> {
        db_run!(self, |db| {
            let done = sqlx::query("DELETE FROM users WHERE pool_id = $1 AND id = $2")
                .bind(pool_id)
                .bind(sub)
                .execute(db)
                .await
                .map_err(map_err)?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// One page of users matching `plan`, in (filter column, username_key) order, after
    /// `cursor`.
    pub async fn list_users(
        &self,
        pool_id: &str,
        plan: &FilterPlan,
        cursor: Option<&UserCursor>,
        limit: i64,
    ) -> StoreResult<Vec<User>> {
        let start = UserCursor::default();
        let cursor = cursor.unwrap_or(&start);
        let rows = match plan {
            FilterPlan::Nothing => Vec::new(),
            FilterPlan::All => db_run!(self, |db| {
                sqlx::query_as::<_, UserRow>(sql(format!(
                    "SELECT {COLUMNS} FROM users WHERE pool_id = $1 AND username_key > $2 \
                     ORDER BY username_key LIMIT $3"
                )))
                .bind(pool_id)
                .bind(&cursor.username_key)
                .bind(limit)
                .fetch_all(db)
                .await
                .map_err(map_err)?
            }),
            FilterPlan::Enabled(enabled) => db_run!(self, |db| {
                sqlx::query_as::<_, UserRow>(sql(format!(
                    "SELECT {COLUMNS} FROM users WHERE pool_id = $1 AND enabled = $2 \
                     AND username_key > $3 ORDER BY username_key LIMIT $4"
                )))
                .bind(pool_id)
                .bind(*enabled)
                .bind(&cursor.username_key)
                .bind(limit)
                .fetch_all(db)
                .await
                .map_err(map_err)?
            }),
            FilterPlan::Column {
                column,
                prefix: false,
                value,
            } => db_run!(self, |db| {
                sqlx::query_as::<_, UserRow>(sql(format!(
                    "SELECT {COLUMNS} FROM users WHERE pool_id = $1 AND {} = $2 \
                     AND username_key > $3 ORDER BY username_key LIMIT $4",
                    search_column(*column)
                )))
                .bind(pool_id)
                .bind(value)
                .bind(&cursor.username_key)
                .bind(limit)
                .fetch_all(db)
                .await
                .map_err(map_err)?
            }),
            FilterPlan::Column {
                column,
                prefix: true,
                value,
            } => {
                let col = search_column(*column);
                let upper = format!("{value}\u{10FFFF}");
                db_run!(self, |db| {
                    sqlx::query_as::<_, UserRow>(sql(format!(
                        "SELECT {COLUMNS} FROM users WHERE pool_id = $1 AND {col} >= $2 \
                         AND {col} < $3 AND ({col} > $4 OR ({col} = $5 AND username_key > $6)) \
                         ORDER BY {col}, username_key LIMIT $7"
                    )))
                    .bind(pool_id)
                    .bind(value)
                    .bind(&upper)
                    .bind(&cursor.column)
                    .bind(&cursor.column)
                    .bind(&cursor.username_key)
                    .bind(limit)
                    .fetch_all(db)
                    .await
                    .map_err(map_err)?
                })
            }
        };
        rows.into_iter().map(|row| row.into_user(self)).collect()
    }

    /// Members of a group in username_key order, after `after`.
    pub async fn users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        after: &str,
        limit: i64,
    ) -> StoreResult<Vec<User>> {
        let rows = db_run!(self, |db| {
            sqlx::query_as::<_, UserRow>(sql(format!(
                "SELECT {U_COLUMNS} FROM user_groups g JOIN users u ON u.id = g.user_id \
                 WHERE g.pool_id = $1 AND g.group_name = $2 AND u.username_key > $3 \
                 ORDER BY u.username_key LIMIT $4"
            )))
            .bind(pool_id)
            .bind(group)
            .bind(after)
            .bind(limit)
            .fetch_all(db)
            .await
            .map_err(map_err)?
        });
        rows.into_iter().map(|row| row.into_user(self)).collect()
    }

    /// A user's stored one-time code for `purpose`: (hash, expires_at, attempts).
    pub async fn get_code(
        &self,
        user_id: &str,
        purpose: &str,
    ) -> StoreResult<Option<(String, i64, i64)>> {
        db_run!(self, |db| {
            sqlx::query_as::<_, (String, i64, i64)>(
                "SELECT code_hash, expires_at, attempts FROM user_codes \
                 WHERE user_id = $1 AND purpose = $2",
            )
            .bind(user_id)
            .bind(purpose)
            .fetch_optional(db)
            .await
            .map_err(map_err)
        })
    }
}
