//! AdminResetUserPassword: the user goes to RESET_REQUIRED and gets a 6-digit code (stored
//! hashed in `user_codes`, purpose `reset_password`, valid one hour) by email to a verified
//! address or SMS to a verified phone, in the order of the pool's AccountRecoverySetting
//! (SMS first when none is set, as Cognito's legacy behaviour). The code is never logged.

use super::users::load;
use crate::crypto::random;
use crate::domain::AuthError;
use crate::domain::user::UserStatus;
use crate::services::Services;
use crate::services::codes::{self, Purpose};
use crate::store::users::UserWrite;

/// The `user_codes.purpose` of password reset codes.
pub const RESET_PURPOSE: &str = "reset_password";
/// How long a reset code is valid (one hour, reference §8.3).
pub const RESET_CODE_VALIDITY_MS: i64 = 60 * 60 * 1000;

/// AdminResetUserPassword.
pub async fn reset_password(
    svc: &Services,
    pool_id: &str,
    username: &str,
) -> Result<(), AuthError> {
    let (pool, mut user) = load(svc, pool_id, username).await?;
    let channel = codes::recovery_destination(&pool, &user)?;
    let code = random::numeric_code(6);
    let hash = svc.hasher.hash(&code).await.map_err(AuthError::from)?;
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
    let Some(to) = channel else {
        return Ok(());
    };
    let sent = codes::send(svc, &pool, &user, Purpose::ResetPassword, &to, &code).await;
    if let Err(e) = sent {
        // The user never got a code: leave them as they were, not locked in RESET_REQUIRED.
        tracing::warn!(pool_id, error = %e, "reset code not delivered; status restored");
        let restore = UserWrite {
            user: &previous,
            columns: previous.columns(&pool),
            insert: false,
        };
        svc.store.save_users(&[restore]).await?;
        return Err(e);
    }
    Ok(())
}
