//! Self-service password recovery (reference §5.6, §5.7, §8.3): ForgotPassword sends a reset
//! code (valid one hour) to the first verified contact in the pool's AccountRecoverySetting;
//! ConfirmForgotPassword sets the new password with it. Unknown and disabled users are
//! answered per the client's PreventUserExistenceErrors, after the same hashing work a real
//! user's request does.

use crate::domain::AuthError;
use crate::domain::mask::CodeDeliveryDetails;
use crate::domain::user::UserStatus;
use crate::services::admin::users::{SaveMode, save_user};
use crate::services::codes::{self, Limited, Purpose, Sending};
use crate::services::migration::store_migrated;
use crate::services::sign_up::{
    UserRef, prevents_existence_errors, resolve, unknown_user, user_disabled,
};
use crate::services::triggers::{self, Caller};
use crate::services::{Services, passwords};

/// ForgotPassword.
pub async fn forgot_password(svc: &Services, r: UserRef) -> Result<CodeDeliveryDetails, AuthError> {
    let (pool, client, found) = resolve(svc, &r).await?;
    if codes::admin_only_recovery(&pool) {
        return Err(AuthError::NotAuthorized(
            "Contact administrator to reset password.".into(),
        ));
    }
    let hide = prevents_existence_errors(&client);
    // An unknown user may be one the UserMigration trigger brings in, RESET_REQUIRED.
    let found = match found {
        None => {
            let caller = Caller::client(&client.id);
            match triggers::user_migration(svc, &pool, &r.username, None, caller, None).await {
                Ok(Some(m)) => Some(store_migrated(svc, &pool, &r.username, m, None).await?),
                // Without a trigger, the pool's migration source (if any) answers.
                Ok(None) => {
                    crate::services::cognito_migration::on_forgot_password(svc, &pool, &r.username)
                        .await?
                }
                Err(AuthError::UserNotFound(_)) => None,
                Err(e) => return Err(e),
            }
        }
        found => found,
    };
    let user = match found {
        Some(u) if u.enabled => u,
        Some(_) if !hide => return Err(user_disabled()),
        None if !hide => return Err(unknown_user()),
        _ => {
            codes::limit_unknown(svc, &pool, &r.username, Limited::ForgotPassword).await?;
            codes::new_code(svc).await?;
            let mediums = codes::recovery_mediums(&pool);
            return codes::simulated_details(svc, &pool, &r.username, &mediums).await;
        }
    };
    if user.status == UserStatus::ForceChangePassword {
        return Err(AuthError::NotAuthorized(
            "User password cannot be reset in the current state.".into(),
        ));
    }
    codes::limit(svc, &user, Limited::ForgotPassword).await?;
    let Some(to) = codes::recovery_destination(&pool, &user)? else {
        return Err(AuthError::NotAuthorized(
            "Contact administrator to reset password.".into(),
        ));
    };
    let sending = if hide {
        Sending::Background
    } else {
        Sending::Wait
    };
    let details =
        codes::issue_with(svc, &pool, &user, Purpose::ResetPassword, &to, sending).await?;
    tracing::info!(pool_id = %pool.id, sub = %user.sub, "password reset code sent");
    crate::services::audit::security(
        svc,
        &pool.id,
        "ForgotPassword",
        "success",
        Some(&user),
        None,
        None,
    );
    Ok(details)
}

/// ConfirmForgotPassword: the right code sets `password` (the pool's policy applies) and the
/// user becomes CONFIRMED (from RESET_REQUIRED or UNCONFIRMED); the code is used up.
pub async fn confirm_forgot_password(
    svc: &Services,
    r: UserRef,
    code: &str,
    password: &str,
) -> Result<(), AuthError> {
    let (pool, client, found) = resolve(svc, &r).await?;
    let hide = prevents_existence_errors(&client);
    let mut user = match found {
        Some(u) if u.enabled => u,
        Some(_) if !hide => return Err(user_disabled()),
        None if !hide => return Err(unknown_user()),
        _ => {
            pool.settings.password_policy.check(password)?;
            codes::limit_unknown(svc, &pool, &r.username, Limited::ConfirmForgotPassword).await?;
            codes::check_nothing(svc, code).await?;
            return Err(codes::code_mismatch());
        }
    };
    pool.settings.password_policy.check(password)?;
    codes::limit(svc, &user, Limited::ConfirmForgotPassword).await?;
    let matched = codes::check(svc, &user, Purpose::ResetPassword, code).await?;
    // Used up before the password is set: of parallel requests with the same code, only the
    // one that deletes it sets a password.
    if !codes::consume(svc, &user, Purpose::ResetPassword, &matched).await? {
        return Err(codes::expired_code());
    }
    passwords::set_password_unchecked(svc, &pool, &mut user, password).await?;
    user.status = UserStatus::Confirmed;
    user.updated_at = svc.now();
    save_user(svc, &pool, &user, SaveMode::Update, false).await?;
    tracing::info!(pool_id = %pool.id, sub = %user.sub, "password reset with code");
    crate::services::audit::security(
        svc,
        &pool.id,
        "PasswordChange",
        "success",
        Some(&user),
        None,
        Some("ConfirmForgotPassword"),
    );
    let source = "PostConfirmation_ConfirmForgotPassword";
    triggers::post_confirmation(svc, &pool, source, &user, Caller::client(&client.id)).await
}
