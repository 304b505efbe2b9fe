//! Users brought in by `tessera users import`: the user, its group memberships (groups made
//! when missing) and its MFA settings, in one transaction, so a failed line leaves nothing.

use super::users::{INSERT, UserWrite, bind_user};
use super::{BeginWrite, Store, StoreResult, map_err, sealed};
use crate::db_run;
use crate::domain::devices::Device;
use crate::domain::mfa::UserMfa;
use crate::domain::passkeys::PasskeyCredential;

/// What comes with a transferred user.
#[derive(Debug, Default)]
pub struct Belongings<'a> {
    /// Groups the user is in (made when missing).
    pub groups: &'a [String],
    pub mfa: UserMfa,
    pub passkeys: &'a [PasskeyCredential],
    pub devices: &'a [Device],
}

impl Store {
    /// Inserts a user with its belongings: group memberships (creating the missing groups),
    /// MFA settings, passkeys and devices. A taken username, alias, credential or device fails
    /// with the unique violation, nothing written.
    pub async fn insert_transferred_user(
        &self,
        write: &UserWrite<'_>,
        with: &Belongings<'_>,
        now: i64,
    ) -> StoreResult<()> {
        let stored = self.stored_user(write)?;
        let (groups, mfa) = (with.groups, &with.mfa);
        let totp_secret = self.seal_opt(sealed::TOTP_SECRET, mfa.totp_secret.as_deref())?;
        let verifiers = with
            .devices
            .iter()
            .map(|d| self.seal_opt(sealed::DEVICE_VERIFIER, d.verifier.as_deref()))
            .collect::<StoreResult<Vec<_>>>()?;
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
            for p in with.passkeys {
                sqlx::query(
                    "INSERT INTO webauthn_credentials (pool_id, credential_id, user_id, \
                     relying_party_id, friendly_name, attachment, transports, passkey, \
                     created_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&user.pool_id)
                .bind(&p.credential_id)
                .bind(&user.sub)
                .bind(&p.relying_party_id)
                .bind(&p.friendly_name)
                .bind(&p.attachment)
                .bind(serde_json::to_string(&p.transports).unwrap_or_else(|_| "[]".into()))
                .bind(&p.passkey)
                .bind(p.created_at)
                .bind(p.last_used_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            }
            for (d, verifier) in with.devices.iter().zip(&verifiers) {
                sqlx::query(
                    "INSERT INTO devices (device_key, pool_id, user_id, group_key, salt, \
                     verifier, name, remembered, created_at, updated_at, last_authenticated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(&d.key)
                .bind(&user.pool_id)
                .bind(&user.sub)
                .bind(&d.group_key)
                .bind(&d.salt)
                .bind(verifier)
                .bind(&d.name)
                .bind(d.remembered)
                .bind(d.created_at)
                .bind(d.updated_at)
                .bind(d.last_authenticated_at)
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
