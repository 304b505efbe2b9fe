//! Users' multi-factor settings (`user_mfa`): the TOTP secret (pending and verified), the last
//! accepted time step — taken atomically, only if greater, so a code works once — and the
//! enabled and preferred factors.

use super::sqlite_reads::hot_row;
use super::{Store, StoreResult, map_err, sealed, sql};
use crate::db_run;
use crate::domain::mfa::UserMfa;

/// The columns of `user_mfa m` as [`MfaRow`] reads them; with a LEFT JOIN, a user without a
/// row reads as the default (nothing set up).
pub(super) const M_COLUMNS: &str = "m.totp_secret AS mfa_totp_secret, \
    m.totp_pending_secret AS mfa_totp_pending_secret, \
    COALESCE(m.totp_verified, FALSE) AS mfa_totp_verified, \
    COALESCE(m.totp_enabled, FALSE) AS mfa_totp_enabled, m.totp_last_step AS mfa_totp_last_step, \
    m.totp_device_name AS mfa_totp_device_name, COALESCE(m.sms_enabled, FALSE) AS mfa_sms_enabled, \
    COALESCE(m.email_enabled, FALSE) AS mfa_email_enabled, m.preferred AS mfa_preferred";

hot_row! {
    pub(super) struct MfaRow {
        mfa_totp_secret: Option<String>,
        mfa_totp_pending_secret: Option<String>,
        mfa_totp_verified: bool,
        mfa_totp_enabled: bool,
        mfa_totp_last_step: Option<i64>,
        mfa_totp_device_name: Option<String>,
        mfa_sms_enabled: bool,
        mfa_email_enabled: bool,
        mfa_preferred: Option<String>,
    }
}

impl MfaRow {
    pub(super) fn into_mfa(self, store: &Store) -> StoreResult<UserMfa> {
        Ok(UserMfa {
            totp_secret: store.open_opt(sealed::TOTP_SECRET, self.mfa_totp_secret)?,
            totp_pending_secret: store
                .open_opt(sealed::TOTP_SECRET, self.mfa_totp_pending_secret)?,
            totp_verified: self.mfa_totp_verified,
            totp_enabled: self.mfa_totp_enabled,
            totp_last_step: self.mfa_totp_last_step,
            totp_device_name: self.mfa_totp_device_name,
            sms_enabled: self.mfa_sms_enabled,
            email_enabled: self.mfa_email_enabled,
            preferred: self.mfa_preferred,
        })
    }
}

impl Store {
    /// The user's MFA row; the default (nothing set up) when there is none.
    pub async fn user_mfa(&self, user_id: &str) -> StoreResult<UserMfa> {
        let row = db_run!(self, |db| {
            sqlx::query_as::<_, MfaRow>(sql(format!(
                "SELECT {M_COLUMNS} FROM user_mfa m WHERE m.user_id = $1"
            )))
            .bind(user_id)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        Ok(row
            .map(|row| row.into_mfa(self))
            .transpose()?
            .unwrap_or_default())
    }

    /// Stores `secret` as the user's pending TOTP secret (AssociateSoftwareToken); a verified
    /// secret stays in force until the pending one is verified.
    pub async fn set_pending_totp(&self, user_id: &str, secret: &str, now: i64) -> StoreResult<()> {
        let secret = self.seal(sealed::TOTP_SECRET, secret)?;
        db_run!(self, |db| {
            sqlx::query(
                "INSERT INTO user_mfa (user_id, totp_pending_secret, created_at, updated_at) \
                 VALUES ($1, $2, $3, $3) ON CONFLICT (user_id) DO UPDATE SET \
                 totp_pending_secret = $2, updated_at = $3",
            )
            .bind(user_id)
            .bind(&secret)
            .bind(now)
            .execute(db)
            .await
            .map_err(map_err)?;
        });
        Ok(())
    }

    /// Makes pending `secret` the user's verified TOTP secret, enabled, with `step` as the last
    /// accepted step. False when the pending secret is no longer `secret` (replaced meanwhile).
    pub async fn verify_pending_totp(
        &self,
        user_id: &str,
        secret: &str,
        step: i64,
        device_name: Option<&str>,
        now: i64,
    ) -> StoreResult<bool> {
        // Sealed values differ at each sealing: compare the plaintext, then swap only if the
        // row still holds the sealed value read.
        let stored = db_run!(self, |db| {
            sqlx::query_scalar::<_, Option<String>>(
                "SELECT totp_pending_secret FROM user_mfa WHERE user_id = $1",
            )
            .bind(user_id)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
            .flatten()
        });
        let Some(stored) = stored else {
            return Ok(false);
        };
        let pending = self.open(sealed::TOTP_SECRET, &stored)?;
        if !crate::crypto::constant_time_eq(pending.as_bytes(), secret.as_bytes()) {
            return Ok(false);
        }
        let done = db_run!(self, |db| {
            sqlx::query(
                "UPDATE user_mfa SET totp_secret = totp_pending_secret, \
                 totp_pending_secret = NULL, totp_verified = TRUE, totp_enabled = TRUE, \
                 totp_last_step = $1, totp_device_name = $2, updated_at = $3 \
                 WHERE user_id = $4 AND totp_pending_secret = $5",
            )
            .bind(step)
            .bind(device_name)
            .bind(now)
            .bind(user_id)
            .bind(&stored)
            .execute(db)
            .await
            .map_err(map_err)?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Takes time step `step` for the user's verified secret: true only if it is greater than
    /// the last step accepted (one atomic update, so a code is accepted once, on any node).
    pub async fn accept_totp_step(&self, user_id: &str, step: i64, now: i64) -> StoreResult<bool> {
        let done = db_run!(self, |db| {
            sqlx::query(
                "UPDATE user_mfa SET totp_last_step = $1, updated_at = $2 \
                 WHERE user_id = $3 AND totp_verified = TRUE \
                 AND (totp_last_step IS NULL OR totp_last_step < $1)",
            )
            .bind(step)
            .bind(now)
            .bind(user_id)
            .execute(db)
            .await
            .map_err(map_err)?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Sets which factors are enabled and the preferred one (SetUserMFAPreference).
    pub async fn set_mfa_preference(
        &self,
        user_id: &str,
        mfa: &UserMfa,
        now: i64,
    ) -> StoreResult<()> {
        db_run!(self, |db| {
            sqlx::query(
                "INSERT INTO user_mfa (user_id, totp_enabled, sms_enabled, email_enabled, \
                 preferred, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) \
                 ON CONFLICT (user_id) DO UPDATE SET totp_enabled = $2, sms_enabled = $3, \
                 email_enabled = $4, preferred = $5, updated_at = $6",
            )
            .bind(user_id)
            .bind(mfa.totp_enabled)
            .bind(mfa.sms_enabled)
            .bind(mfa.email_enabled)
            .bind(mfa.preferred.as_deref())
            .bind(now)
            .execute(db)
            .await
            .map_err(map_err)?;
        });
        Ok(())
    }
}
