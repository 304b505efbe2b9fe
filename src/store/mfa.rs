//! Users' multi-factor settings (`user_mfa`): the TOTP secret (pending and verified), the last
//! accepted time step — taken atomically, only if greater, so a code works once — and the
//! enabled and preferred factors.

use super::{Store, StoreResult, map_err};
use crate::db_run;
use crate::domain::mfa::UserMfa;

type Row = (
    Option<String>,
    Option<String>,
    bool,
    bool,
    Option<i64>,
    Option<String>,
    bool,
    bool,
    Option<String>,
);

impl Store {
    /// The user's MFA row; the default (nothing set up) when there is none.
    pub async fn user_mfa(&self, user_id: &str) -> StoreResult<UserMfa> {
        let row = db_run!(self, |db| {
            sqlx::query_as::<_, Row>(
                "SELECT totp_secret, totp_pending_secret, totp_verified, totp_enabled, \
                 totp_last_step, totp_device_name, sms_enabled, email_enabled, preferred \
                 FROM user_mfa WHERE user_id = $1",
            )
            .bind(user_id)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        Ok(row
            .map(|r| UserMfa {
                totp_secret: r.0,
                totp_pending_secret: r.1,
                totp_verified: r.2,
                totp_enabled: r.3,
                totp_last_step: r.4,
                totp_device_name: r.5,
                sms_enabled: r.6,
                email_enabled: r.7,
                preferred: r.8,
            })
            .unwrap_or_default())
    }

    /// Stores `secret` as the user's pending TOTP secret (AssociateSoftwareToken); a verified
    /// secret stays in force until the pending one is verified.
    pub async fn set_pending_totp(&self, user_id: &str, secret: &str, now: i64) -> StoreResult<()> {
        db_run!(self, |db| {
            sqlx::query(
                "INSERT INTO user_mfa (user_id, totp_pending_secret, created_at, updated_at) \
                 VALUES ($1, $2, $3, $3) ON CONFLICT (user_id) DO UPDATE SET \
                 totp_pending_secret = $2, updated_at = $3",
            )
            .bind(user_id)
            .bind(secret)
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
            .bind(secret)
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
