//! Users brought in by `tessera users import`: the user, its group memberships (groups made
//! when missing) and its MFA settings, in one transaction, so a failed line leaves nothing.

use super::users::{INSERT, UserWrite, bind_user};
use super::{BeginWrite, Store, StoreResult, map_err, sealed};
use crate::db_run;
use crate::domain::mfa::UserMfa;

impl Store {
    /// Inserts a user, adds it to `groups` (creating the missing ones) and stores `mfa`.
    /// A taken username or alias fails with the unique violation, nothing written.
    pub async fn insert_transferred_user(
        &self,
        write: &UserWrite<'_>,
        groups: &[String],
        mfa: &UserMfa,
        now: i64,
    ) -> StoreResult<()> {
        let stored = self.stored_user(write)?;
        let totp_secret = self.seal_opt(sealed::TOTP_SECRET, mfa.totp_secret.as_deref())?;
        let user = write.user;
        db_run!(self, |db| {
            let mut tx = db.begin_write().await.map_err(map_err)?;
            bind_user!(sqlx::query(INSERT), write, &stored)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            for group in groups {
                sqlx::query(
                    "INSERT INTO pool_groups (pool_id, name, created_at, updated_at) \
                     VALUES ($1, $2, $3, $3) ON CONFLICT DO NOTHING",
                )
                .bind(&user.pool_id)
                .bind(group)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                sqlx::query(
                    "INSERT INTO user_groups (pool_id, group_name, user_id, created_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(&user.pool_id)
                .bind(group)
                .bind(&user.sub)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            }
            if *mfa != UserMfa::default() {
                sqlx::query(
                    "INSERT INTO user_mfa (user_id, totp_secret, totp_verified, totp_enabled, \
                     sms_enabled, email_enabled, preferred, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
                )
                .bind(&user.sub)
                .bind(&totp_secret)
                .bind(mfa.totp_secret.is_some())
                .bind(mfa.totp_enabled)
                .bind(mfa.sms_enabled)
                .bind(mfa.email_enabled)
                .bind(mfa.preferred.as_deref())
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            }
            tx.commit().await.map_err(map_err)?;
        });
        Ok(())
    }
}

impl Store {
    /// Gives a user without a password (one copied from a migration source) its first
    /// password hash and SRP verifier; false when it has one already (a parallel sign-in).
    pub async fn set_first_password(&self, user: &crate::domain::user::User) -> StoreResult<bool> {
        let verifier = self.seal_opt(sealed::SRP_VERIFIER, user.srp_verifier.as_deref())?;
        let done = db_run!(self, |db| {
            sqlx::query(
                "UPDATE users SET password_hash = $1, password_changed_at = $2, srp_salt = $3, \
                 srp_verifier = $4 WHERE pool_id = $5 AND id = $6 AND password_hash IS NULL",
            )
            .bind(&user.password_hash)
            .bind(user.password_changed_at)
            .bind(&user.srp_salt)
            .bind(&verifier)
            .bind(&user.pool_id)
            .bind(&user.sub)
            .execute(db)
            .await
            .map_err(map_err)?
            .rows_affected()
        });
        Ok(done == 1)
    }
}
