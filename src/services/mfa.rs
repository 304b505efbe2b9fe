//! The user's own MFA: software token enrolment (AssociateSoftwareToken, VerifySoftwareToken
//! with an access token), MFA preferences (SetUserMFAPreference, AdminSetUserMFAPreference),
//! and the rule every end of a sign-in applies until the MFA challenges are served: no tokens
//! without the MFA the pool and the user require.

use crate::crypto::totp;
use crate::domain::AuthError;
use crate::domain::mfa::{EMAIL_OTP, SMS_MFA, SOFTWARE_TOKEN_MFA, UserMfa};
use crate::domain::pool::UserPool;
use crate::domain::user::User;
use crate::services::Services;
use crate::services::account::signed_in;
use crate::services::admin::users;
use serde::Deserialize;

/// One factor's `{Enabled, PreferredMfa}` in SetUserMFAPreference.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FactorSetting {
    pub enabled: Option<bool>,
    pub preferred_mfa: Option<bool>,
}

/// SetUserMFAPreference's factor members.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Preferences {
    #[serde(rename = "SMSMfaSettings")]
    pub sms: Option<FactorSetting>,
    #[serde(rename = "SoftwareTokenMfaSettings")]
    pub software_token: Option<FactorSetting>,
    #[serde(rename = "EmailMfaSettings")]
    pub email: Option<FactorSetting>,
}

/// A user's MFA settings.
pub async fn user_mfa(svc: &Services, user: &User) -> Result<UserMfa, AuthError> {
    Ok(svc.store.user_mfa(&user.sub).await?)
}

/// AssociateSoftwareToken with an access token: a new pending secret (base32).
pub async fn associate_software_token(
    svc: &Services,
    access_token: &str,
) -> Result<String, AuthError> {
    let ctx = signed_in(svc, access_token).await?;
    let secret = totp::new_secret();
    svc.store
        .set_pending_totp(&ctx.user.sub, &secret, svc.now())
        .await?;
    tracing::info!(pool_id = %ctx.user.pool_id, sub = %ctx.user.sub, "software token associated");
    Ok(secret)
}

/// VerifySoftwareToken with an access token: the code must match the pending secret.
pub async fn verify_software_token(
    svc: &Services,
    access_token: &str,
    code: &str,
    device_name: Option<&str>,
) -> Result<(), AuthError> {
    let ctx = signed_in(svc, access_token).await?;
    verify_pending(svc, &ctx.user, code, device_name).await
}

/// Checks `code` against the user's pending secret and makes it the verified one.
pub async fn verify_pending(
    svc: &Services,
    user: &User,
    code: &str,
    device_name: Option<&str>,
) -> Result<(), AuthError> {
    let mfa = svc.store.user_mfa(&user.sub).await?;
    let Some(secret) = mfa.totp_pending_secret else {
        return Err(AuthError::SoftwareTokenMfaNotFound(
            "No software token is associated with the user.".into(),
        ));
    };
    let now = svc.now();
    let Some(step) = totp::verify(&secret, code, now.div_euclid(1000)) else {
        return Err(AuthError::EnableSoftwareTokenMfa("Code mismatch".into()));
    };
    if !svc
        .store
        .verify_pending_totp(&user.sub, &secret, step, device_name, now)
        .await?
    {
        return Err(AuthError::EnableSoftwareTokenMfa("Code mismatch".into()));
    }
    tracing::info!(pool_id = %user.pool_id, sub = %user.sub, "software token verified");
    Ok(())
}

/// SetUserMFAPreference.
pub async fn set_preference(
    svc: &Services,
    access_token: &str,
    prefs: &Preferences,
) -> Result<(), AuthError> {
    let ctx = signed_in(svc, access_token).await?;
    apply_preference(svc, &ctx.user, prefs).await
}

/// AdminSetUserMFAPreference.
pub async fn admin_set_preference(
    svc: &Services,
    pool_id: &str,
    username: &str,
    prefs: &Preferences,
) -> Result<(), AuthError> {
    let user = users::get_user(svc, pool_id, username).await?;
    apply_preference(svc, &user, prefs).await
}

async fn apply_preference(
    svc: &Services,
    user: &User,
    prefs: &Preferences,
) -> Result<(), AuthError> {
    let pool = svc.require_pool(&user.pool_id).await?;
    let mut mfa = svc.store.user_mfa(&user.sub).await?;
    for (name, setting) in [(SMS_MFA, &prefs.sms), (EMAIL_OTP, &prefs.email)] {
        if setting.as_ref().is_some_and(|s| s.enabled == Some(true)) {
            return Err(AuthError::InvalidParameter(format!(
                "{name} is not available in this user pool."
            )));
        }
    }
    if let Some(s) = &prefs.sms
        && s.enabled == Some(false)
    {
        mfa.sms_enabled = false;
    }
    if let Some(s) = &prefs.email
        && s.enabled == Some(false)
    {
        mfa.email_enabled = false;
    }
    if let Some(enabled) = prefs.software_token.as_ref().and_then(|s| s.enabled) {
        if enabled && !(mfa.totp_verified && mfa.totp_secret.is_some()) {
            return Err(AuthError::InvalidParameter(
                "User has not verified software token mfa".into(),
            ));
        }
        if enabled && !pool.settings.software_token_mfa_enabled {
            return Err(AuthError::InvalidParameter(
                "Software token MFA is not enabled in this user pool.".into(),
            ));
        }
        mfa.totp_enabled = enabled;
    }
    let wants_totp_preferred = prefs
        .software_token
        .as_ref()
        .is_some_and(|s| s.preferred_mfa == Some(true));
    if wants_totp_preferred {
        if !mfa.totp_active() {
            return Err(AuthError::InvalidParameter(
                "The preferred MFA method must be enabled.".into(),
            ));
        }
        mfa.preferred = Some(SOFTWARE_TOKEN_MFA.into());
    }
    if mfa.preferred.as_deref() == Some(SOFTWARE_TOKEN_MFA) && !mfa.totp_active() {
        mfa.preferred = None;
    }
    svc.store
        .set_mfa_preference(&user.sub, &mfa, svc.now())
        .await?;
    tracing::info!(pool_id = %user.pool_id, sub = %user.sub, "MFA preference set");
    Ok(())
}

/// `PreferredMfaSetting` and `UserMFASettingList` for GetUser / AdminGetUser.
pub fn settings_view(mfa: &UserMfa) -> (Option<String>, Vec<&'static str>) {
    let list = mfa.setting_list();
    let preferred = mfa
        .preferred
        .clone()
        .filter(|p| list.iter().any(|l| l == p));
    (preferred, list)
}

/// A pool with MFA ON can only sign users in through a challenge (SOFTWARE_TOKEN_MFA or
/// MFA_SETUP); every path that ends a sign-in without one — new passwords, hosted-UI
/// confirmations and sessions, code exchanges — is refused rather than issuing tokens without
/// the second factor.
pub fn require_no_pool_mfa(pool: &UserPool) -> Result<(), AuthError> {
    if pool.settings.mfa_configuration == "ON" {
        return Err(AuthError::InvalidUserPoolConfiguration(
            "This pool requires MFA, which Tessera does not serve yet.".into(),
        ));
    }
    Ok(())
}

/// Until the MFA challenges are served: refuses a sign-in that would need a second factor —
/// any sign-in in a pool with MFA ON, and a user with a factor enabled in an OPTIONAL pool.
pub async fn require_no_user_mfa(
    svc: &Services,
    pool: &UserPool,
    user: &User,
) -> Result<(), AuthError> {
    require_no_pool_mfa(pool)?;
    if pool.settings.mfa_configuration == "OFF" {
        return Ok(());
    }
    let mfa = svc.store.user_mfa(&user.sub).await?;
    if !mfa.setting_list().is_empty() {
        return Err(AuthError::InvalidUserPoolConfiguration(
            "This user requires MFA, which Tessera does not serve at sign-in yet.".into(),
        ));
    }
    Ok(())
}

async fn setup_user(svc: &Services, client_pool: &str, sub: &str) -> Result<User, AuthError> {
    svc.store
        .get_user_by(client_pool, crate::store::users::UserKey::Sub, sub)
        .await?
        .ok_or_else(|| AuthError::NotAuthorized("Invalid session for the user.".into()))
}

/// AssociateSoftwareToken with an MFA_SETUP session: a new pending secret and a new session.
pub async fn associate_with_session(
    svc: &Services,
    session_token: &str,
) -> Result<(String, String), AuthError> {
    use crate::services::auth::session::{self, State};
    let (state, client) = session::take_any_client(svc, session_token, "MFA_SETUP").await?;
    let State::MfaSetup { user_sub, .. } = state else {
        return Err(AuthError::NotAuthorized(
            "Invalid session for the user.".into(),
        ));
    };
    let user = setup_user(svc, &client.pool_id, &user_sub).await?;
    let secret = totp::new_secret();
    svc.store
        .set_pending_totp(&user.sub, &secret, svc.now())
        .await?;
    let next = session::new_token();
    session::save(
        svc,
        &client,
        &next,
        &State::MfaSetup {
            user_sub,
            secret: Some(secret.clone()),
            verified: false,
        },
    )
    .await?;
    Ok((secret, next))
}

/// VerifySoftwareToken with an MFA_SETUP session: verifies the code and returns the session to
/// answer MFA_SETUP with.
pub async fn verify_with_session(
    svc: &Services,
    session_token: &str,
    code: &str,
    device_name: Option<&str>,
) -> Result<String, AuthError> {
    use crate::services::auth::session::{self, State};
    let (state, client) = session::take_any_client(svc, session_token, "MFA_SETUP").await?;
    let State::MfaSetup {
        user_sub,
        secret: Some(secret),
        verified: false,
    } = state
    else {
        return Err(AuthError::NotAuthorized(
            "Invalid session for the user.".into(),
        ));
    };
    let user = setup_user(svc, &client.pool_id, &user_sub).await?;
    verify_pending(svc, &user, code, device_name).await?;
    let next = session::new_token();
    session::save(
        svc,
        &client,
        &next,
        &State::MfaSetup {
            user_sub,
            secret: Some(secret),
            verified: true,
        },
    )
    .await?;
    Ok(next)
}
