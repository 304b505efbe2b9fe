//! The user's own MFA: software token enrolment (AssociateSoftwareToken, VerifySoftwareToken
//! with an access token or an MFA_SETUP session), and MFA preferences (SetUserMFAPreference,
//! AdminSetUserMFAPreference, and the legacy SetUserSettings). The challenges at sign-in are
//! `services::auth::second_factor`.

use crate::crypto::totp;
use crate::domain::AuthError;
use crate::domain::mfa::{EMAIL_OTP, SMS_MFA, SOFTWARE_TOKEN_MFA, UserMfa};
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
    verify_secret(svc, user, &secret, code, device_name).await
}

/// Checks `code` against `secret`, which must still be the user's pending secret, and makes it
/// the verified one. (A sign-in's MFA_SETUP names its own secret, so that two set-ups at once
/// cannot verify one and keep the other.)
async fn verify_secret(
    svc: &Services,
    user: &User,
    secret: &str,
    code: &str,
    device_name: Option<&str>,
) -> Result<(), AuthError> {
    let secret = secret.to_string();
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
    crate::services::audit::security(
        svc,
        &user.pool_id,
        "MfaChange",
        "success",
        Some(user),
        None,
        Some("SoftwareToken"),
    );
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
    if let Some(enabled) = prefs.sms.as_ref().and_then(|s| s.enabled) {
        if enabled && !pool.settings.sms_mfa_enabled {
            return Err(AuthError::InvalidParameter(
                "SMS MFA is not enabled in this user pool.".into(),
            ));
        }
        if enabled && user.attribute("phone_number").is_none() {
            return Err(AuthError::InvalidParameter(
                "User does not have a phone number to receive SMS MFA codes.".into(),
            ));
        }
        mfa.sms_enabled = enabled;
    }
    if let Some(enabled) = prefs.email.as_ref().and_then(|s| s.enabled) {
        if enabled && pool.settings.email_mfa_configuration.is_none() {
            return Err(AuthError::InvalidParameter(
                "Email MFA is not enabled in this user pool.".into(),
            ));
        }
        if enabled && user.attribute("email").is_none() {
            return Err(AuthError::InvalidParameter(
                "User does not have an email address to receive email MFA codes.".into(),
            ));
        }
        mfa.email_enabled = enabled;
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
    let factors = [
        (SMS_MFA, &prefs.sms, mfa.sms_enabled),
        (SOFTWARE_TOKEN_MFA, &prefs.software_token, mfa.totp_active()),
        (EMAIL_OTP, &prefs.email, mfa.email_enabled),
    ];
    for (name, setting, active) in factors {
        let wants = setting
            .as_ref()
            .is_some_and(|s| s.preferred_mfa == Some(true));
        if wants {
            if !active {
                return Err(AuthError::InvalidParameter(
                    "The preferred MFA method must be enabled.".into(),
                ));
            }
            mfa.preferred = Some(name.into());
        } else if mfa.preferred.as_deref() == Some(name)
            && (!active
                || setting
                    .as_ref()
                    .is_some_and(|s| s.preferred_mfa == Some(false)))
        {
            mfa.preferred = None;
        }
    }
    svc.store
        .set_mfa_preference(&user.sub, &mfa, svc.now())
        .await?;
    tracing::info!(pool_id = %user.pool_id, sub = %user.sub, "MFA preference set");
    crate::services::audit::security(
        svc,
        &user.pool_id,
        "MfaChange",
        "success",
        Some(user),
        None,
        Some("Preference"),
    );
    Ok(())
}

/// One entry of the legacy `MFAOptions` (SetUserSettings, AdminSetUserSettings, GetUser).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MfaOption {
    pub delivery_medium: Option<String>,
    pub attribute_name: Option<String>,
}

/// The legacy way to turn SMS MFA on or off: `MFAOptions` naming SMS to `phone_number` enables
/// it, an empty list disables it. Only SMS to the phone number can be a factor this way.
fn sms_setting(options: &[MfaOption]) -> Result<Preferences, AuthError> {
    for option in options {
        match option.delivery_medium.as_deref() {
            Some("SMS") => {}
            Some("EMAIL") => {
                return Err(AuthError::InvalidParameter(
                    "Only SMS is supported as the DeliveryMedium of MFAOptions.".into(),
                ));
            }
            _ => {
                return Err(AuthError::InvalidParameter(
                    "1 validation error detected: Value at 'mFAOptions.member.deliveryMedium' \
                     failed to satisfy constraint: Member must satisfy enum value set: [SMS, EMAIL]"
                        .into(),
                ));
            }
        }
        if option.attribute_name.as_deref() != Some("phone_number") {
            return Err(AuthError::InvalidParameter(
                "The AttributeName of MFAOptions must be phone_number.".into(),
            ));
        }
    }
    Ok(Preferences {
        sms: Some(FactorSetting {
            enabled: Some(!options.is_empty()),
            preferred_mfa: None,
        }),
        ..Default::default()
    })
}

/// SetUserSettings: the signed-in user's legacy `MFAOptions`.
pub async fn set_user_settings(
    svc: &Services,
    access_token: &str,
    options: &[MfaOption],
) -> Result<(), AuthError> {
    let prefs = sms_setting(options)?;
    let ctx = signed_in(svc, access_token).await?;
    apply_preference(svc, &ctx.user, &prefs).await
}

/// AdminSetUserSettings: `MFAOptions` for a user named by the administrator.
pub async fn admin_set_user_settings(
    svc: &Services,
    pool_id: &str,
    username: &str,
    options: &[MfaOption],
) -> Result<(), AuthError> {
    let prefs = sms_setting(options)?;
    let user = users::get_user(svc, pool_id, username).await?;
    apply_preference(svc, &user, &prefs).await
}

/// The legacy `MFAOptions` of GetUser / AdminGetUser: SMS to the phone number while SMS MFA is
/// enabled.
pub fn mfa_options_view(mfa: &UserMfa) -> Option<serde_json::Value> {
    mfa.sms_enabled
        .then(|| serde_json::json!([{ "DeliveryMedium": "SMS", "AttributeName": "phone_number" }]))
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

async fn setup_user(svc: &Services, client_pool: &str, sub: &str) -> Result<User, AuthError> {
    svc.store
        .get_user_by(client_pool, crate::store::users::UserKey::Sub, sub)
        .await?
        .ok_or_else(AuthError::invalid_session)
}

/// AssociateSoftwareToken with an MFA_SETUP session: a new pending secret and a new session.
pub async fn associate_with_session(
    svc: &Services,
    session_token: &str,
) -> Result<(String, String), AuthError> {
    use crate::services::auth::session::{self, State};
    let (state, client) = session::take_any_client(svc, session_token, "MFA_SETUP").await?;
    let State::MfaSetup { user_sub, .. } = state else {
        return Err(AuthError::invalid_session());
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
        return Err(AuthError::invalid_session());
    };
    let user = setup_user(svc, &client.pool_id, &user_sub).await?;
    if let Err(e) = verify_secret(svc, &user, &secret, code, device_name).await {
        // A mistyped code is tried again in the same session.
        session::release(svc, session_token).await?;
        return Err(e);
    }
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
