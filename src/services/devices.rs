//! Remembered devices (reference §3.2, §5.9). In a pool with a `DeviceConfiguration`, an API
//! sign-in that names no device of the user gets a new one (`NewDeviceMetadata`); the app
//! confirms it with the device's SRP verifier (ConfirmDevice), and it is remembered at once or
//! when the user says so (UpdateDeviceStatus). A later sign-in naming a remembered device
//! proves the device's secret (DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER) instead of MFA when
//! the pool sets `ChallengeRequiredOnNewDevice`. A sign-in's refresh tokens are bound to its
//! device (and its access token names it, `device_key`); forgetting the device ends its
//! refreshes.

use crate::crypto::{random, srp};
use crate::domain::devices::{Device, DeviceConfiguration, valid_key};
use crate::domain::pool::UserPool;
use crate::domain::user::User;
use crate::domain::validate::Violations;
use crate::domain::{AuthError, Reason};
use crate::services::{Services, account, decode_token, encode_token};
use base64::Engine;

/// `NewDeviceMetadata` of a sign-in made on a new device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeviceMetadata {
    pub device_key: String,
    pub device_group_key: String,
}

/// The device an API sign-in of `user` is made on: the user's confirmed device `given`
/// (its last authentication noted), or, in a pool that tracks devices, a new one to confirm.
/// Returns the key the sign-in is bound to and the metadata of a new device.
pub async fn for_sign_in(
    svc: &Services,
    pool: &UserPool,
    user: &User,
    given: Option<&str>,
) -> Result<(Option<String>, Option<NewDeviceMetadata>), AuthError> {
    if DeviceConfiguration::of(pool.settings.device_configuration.as_ref()).is_none() {
        return Ok((None, None));
    }
    let now = svc.now();
    if let Some(key) = given.filter(|k| valid_key(k))
        && let Some(mut device) = svc.store.get_device(key).await?
        && device.user_sub == user.sub
        && device.confirmed()
    {
        device.last_authenticated_at = Some(now);
        svc.store.update_device(&device).await?;
        return Ok((Some(device.key), None));
    }
    // Devices never confirmed are kept a day: enough to confirm, not a row per sign-in forever.
    svc.store
        .forget_unconfirmed_devices(&user.sub, now - 24 * 60 * 60 * 1000)
        .await?;
    let device = Device {
        key: format!("{}_{}", svc.region, random::uuid()),
        pool_id: pool.id.clone(),
        user_sub: user.sub.clone(),
        group_key: format!("-{}", &random::url_token(12)[..9]),
        salt: None,
        verifier: None,
        name: None,
        remembered: false,
        created_at: now,
        updated_at: now,
        last_authenticated_at: Some(now),
    };
    svc.store.insert_device(&device).await?;
    Ok((
        Some(device.key.clone()),
        Some(NewDeviceMetadata {
            device_key: device.key,
            device_group_key: device.group_key,
        }),
    ))
}

/// The user's remembered, confirmed device `key` that may stand in for MFA, if the pool lets
/// remembered devices do so.
pub async fn remembered_for_mfa(
    svc: &Services,
    pool: &UserPool,
    user: &User,
    key: Option<&str>,
) -> Result<Option<Device>, AuthError> {
    let Some(config) = DeviceConfiguration::of(pool.settings.device_configuration.as_ref()) else {
        return Ok(None);
    };
    let Some(key) = key.filter(|k| valid_key(k) && config.challenge_required_on_new_device) else {
        return Ok(None);
    };
    Ok(svc
        .store
        .get_device(key)
        .await?
        .filter(|d| d.user_sub == user.sub && d.confirmed() && d.remembered))
}

fn not_found() -> AuthError {
    AuthError::ResourceNotFound("Device does not exist.".into())
}

fn check_key(key: &str) -> Result<(), AuthError> {
    let mut v = Violations::new();
    v.length("DeviceKey", Some(key), 1, 55);
    v.finish()?;
    if valid_key(key) {
        Ok(())
    } else {
        Err(not_found())
    }
}

/// The user's device `key`, or ResourceNotFoundException.
async fn own(svc: &Services, user: &User, key: &str) -> Result<Device, AuthError> {
    check_key(key)?;
    svc.store
        .get_device(key)
        .await?
        .filter(|d| d.user_sub == user.sub)
        .ok_or_else(not_found)
}

fn hex_of(member: &str, value: &str) -> Result<String, AuthError> {
    base64::engine::general_purpose::STANDARD
        .decode(value)
        .ok()
        .filter(|b| !b.is_empty() && b.len() <= 1024)
        .map(hex::encode)
        .ok_or_else(|| AuthError::InvalidParameter(format!("{member} is not valid base64.").into()))
}

/// ConfirmDevice, with an access token of the sign-in the device was made for: the device's
/// SRP verifier and salt (base64, as the SDKs send them) and its name. Returns `UserConfirmationNecessary`: whether the user still has to say the device
/// is to be remembered.
pub async fn confirm(
    svc: &Services,
    access_token: &str,
    key: &str,
    verifier: &str,
    salt: &str,
    name: Option<&str>,
) -> Result<bool, AuthError> {
    let ctx = account::signed_in(svc, access_token).await?;
    let mut device = own(svc, &ctx.user, key).await?;
    // Only the sign-in that got the device (NewDeviceMetadata) confirms it: another session of
    // the user cannot set a secret for a device it did not make.
    let made_by = svc.store.device_of_sign_in(&ctx.origin_jti).await?;
    if made_by.as_deref() != Some(key) {
        return Err(not_found());
    }
    if device.confirmed() {
        return Err(AuthError::NotAuthorized(
            "Device is already confirmed.".into(),
        ));
    }
    let config = DeviceConfiguration::of(ctx.pool.settings.device_configuration.as_ref())
        .ok_or_else(|| {
            AuthError::InvalidParameter("The user pool does not track devices.".into())
        })?;
    let mut v = Violations::new();
    v.length("DeviceName", name, 1, 1024);
    v.finish()?;
    device.verifier = Some(hex_of("PasswordVerifier", verifier)?);
    device.salt = Some(hex_of("Salt", salt)?);
    device.name = name.map(str::to_string);
    device.remembered = !config.device_only_remembered_on_user_prompt;
    device.updated_at = svc.now();
    svc.store.update_device(&device).await?;
    Ok(config.device_only_remembered_on_user_prompt)
}

/// Whose devices an action is about: the signed-in user, or a user an administrator names.
pub enum Owner<'a> {
    Token(&'a str),
    Admin { pool_id: &'a str, username: &'a str },
}

async fn owner(svc: &Services, owner: Owner<'_>) -> Result<User, AuthError> {
    match owner {
        Owner::Token(token) => Ok(account::signed_in(svc, token).await?.user),
        Owner::Admin { pool_id, username } => {
            crate::services::admin::users::get_user(svc, pool_id, username).await
        }
    }
}

/// GetDevice / AdminGetDevice.
pub async fn get(svc: &Services, who: Owner<'_>, key: &str) -> Result<Device, AuthError> {
    let user = owner(svc, who).await?;
    own(svc, &user, key).await
}

/// UpdateDeviceStatus / AdminUpdateDeviceStatus (`remembered` or `not_remembered`).
pub async fn set_remembered(
    svc: &Services,
    who: Owner<'_>,
    key: &str,
    status: Option<&str>,
) -> Result<(), AuthError> {
    let remembered = match status {
        Some("remembered") => true,
        None | Some("not_remembered") => false,
        Some(_) => {
            let mut v = Violations::new();
            v.one_of(
                "DeviceRememberedStatus",
                status,
                &["remembered", "not_remembered"],
            );
            v.finish()?;
            false
        }
    };
    let user = owner(svc, who).await?;
    let mut device = own(svc, &user, key).await?;
    device.remembered = remembered;
    device.updated_at = svc.now();
    svc.store.update_device(&device).await?;
    Ok(())
}

/// ForgetDevice / AdminForgetDevice: the device is gone; the sign-ins made on it can no
/// longer refresh (their access tokens run out as usual).
pub async fn forget(svc: &Services, who: Owner<'_>, key: &str) -> Result<(), AuthError> {
    let user = owner(svc, who).await?;
    own(svc, &user, key).await?;
    if !svc.store.forget_device(key).await? {
        return Err(not_found());
    }
    Ok(())
}

/// ListDevices / AdminListDevices: the confirmed devices, oldest first, `limit` a page.
pub async fn list(
    svc: &Services,
    who: Owner<'_>,
    limit: i64,
    token: Option<&str>,
) -> Result<(Vec<Device>, Option<String>), AuthError> {
    let user = owner(svc, who).await?;
    let after = match token {
        Some(t) => {
            let text = decode_token(t)?;
            let (time, key) = text
                .split_once(' ')
                .and_then(|(t, k)| Some((t.parse::<i64>().ok()?, k.to_string())))
                .ok_or_else(|| AuthError::InvalidParameter("Invalid pagination token.".into()))?;
            Some((time, key))
        }
        None => None,
    };
    let mut found = svc
        .store
        .list_devices(
            &user.sub,
            after.as_ref().map(|(t, k)| (*t, k.as_str())),
            limit + 1,
        )
        .await?;
    let next = if found.len() as i64 > limit {
        found.truncate(limit as usize);
        found
            .last()
            .map(|d| encode_token(&format!("{} {}", d.created_at, d.key)))
    } else {
        None
    };
    Ok((found, next))
}

/// The device's SRP verifier, for DEVICE_SRP_AUTH.
pub fn verifier(device: &Device) -> Result<srp::Verifier, AuthError> {
    match (&device.salt, &device.verifier) {
        (Some(salt), Some(verifier)) => Ok(srp::Verifier {
            salt: salt.clone(),
            verifier: verifier.clone(),
        }),
        _ => Err(AuthError::NotAuthorized(Reason::IncorrectCredentials)),
    }
}
