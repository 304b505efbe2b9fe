//! AdminResetUserPassword: the user goes to RESET_REQUIRED and gets a 6-digit code (stored
//! hashed in `user_codes`, purpose `reset_password`, valid one hour) by email to a verified
//! address or SMS to a verified phone, in the order of the pool's AccountRecoverySetting
//! (SMS first when none is set, as Cognito's legacy behaviour). The code is never logged.

use super::users::load;
use crate::crypto::random;
use crate::delivery::{Email, Sms};
use crate::domain::AuthError;
use crate::domain::messages;
use crate::domain::pool::UserPool;
use crate::domain::user::{User, UserStatus};
use crate::services::Services;
use crate::store::users::UserWrite;

/// The `user_codes.purpose` of password reset codes.
pub const RESET_PURPOSE: &str = "reset_password";
/// How long a reset code is valid (one hour, reference §8.3).
pub const RESET_CODE_VALIDITY_MS: i64 = 60 * 60 * 1000;

enum Channel {
    Email(String),
    Sms(String),
}

/// The channel a code goes to: verified contacts in the pool's recovery order; `Ok(None)` for
/// `admin_only` pools (no message).
fn channel(pool: &UserPool, user: &User) -> Result<Option<Channel>, AuthError> {
    let order: Vec<String> = match &pool.settings.account_recovery_setting {
        Some(r) => {
            let mut m = r.recovery_mechanisms.clone();
            m.sort_by_key(|m| m.priority);
            m.into_iter().map(|m| m.name).collect()
        }
        None => vec!["verified_phone_number".into(), "verified_email".into()],
    };
    if order.iter().any(|n| n == "admin_only") {
        return Ok(None);
    }
    for name in &order {
        match name.as_str() {
            "verified_email" if user.is_verified("email_verified") => {
                if let Some(e) = user.attribute("email") {
                    return Ok(Some(Channel::Email(e.to_string())));
                }
            }
            "verified_phone_number" if user.is_verified("phone_number_verified") => {
                if let Some(p) = user.attribute("phone_number") {
                    return Ok(Some(Channel::Sms(p.to_string())));
                }
            }
            _ => {}
        }
    }
    Err(AuthError::InvalidParameter(
        "Cannot reset password for the user as there is no registered/verified email or phone_number"
            .into(),
    ))
}

/// AdminResetUserPassword.
pub async fn reset_password(
    svc: &Services,
    pool_id: &str,
    username: &str,
) -> Result<(), AuthError> {
    let (pool, mut user) = load(svc, pool_id, username).await?;
    let channel = channel(&pool, &user)?;
    let code = random::numeric_code(6);
    let hash = svc
        .hasher
        .hash(&code)
        .await
        .map_err(|e| AuthError::Internal(e.to_string()))?;
    let now = svc.now();
    let previous = user.clone();
    user.status = UserStatus::ResetRequired;
    user.updated_at = now;
    let write = UserWrite {
        user: &user,
        columns: user.columns(&pool),
        insert: false,
    };
    svc.store
        .save_user_with_code(&write, RESET_PURPOSE, &hash, now + RESET_CODE_VALIDITY_MS)
        .await?;
    tracing::info!(pool_id, sub = %user.sub, "password reset by admin");
    let sent = match channel {
        None => return Ok(()),
        Some(Channel::Email(to)) => {
            let m = messages::code_email(&pool, &user.username, &code);
            svc.delivery
                .send_email(Email {
                    to,
                    subject: m.subject,
                    text: m.body,
                    html: None,
                })
                .await
        }
        Some(Channel::Sms(to)) => {
            svc.delivery
                .send_sms(Sms {
                    to,
                    message: messages::code_sms(&pool, &user.username, &code),
                    pool_id: pool.id.clone(),
                    kind: "reset".into(),
                })
                .await
        }
    };
    if let Err(e) = sent {
        // The user never got a code: leave them as they were, not locked in RESET_REQUIRED.
        tracing::warn!(pool_id, error = %e, "reset code not delivered; status restored");
        let restore = UserWrite {
            user: &previous,
            columns: previous.columns(&pool),
            insert: false,
        };
        svc.store.save_users(&[restore]).await?;
        return Err(AuthError::CodeDeliveryFailure(
            "Unable to deliver the reset code.".into(),
        ));
    }
    Ok(())
}
