//! Self-service on the signed-in user (reference §2.2 "AccessToken-authorized"): GetUser,
//! UpdateUserAttributes, DeleteUserAttributes, GetUserAttributeVerificationCode,
//! VerifyUserAttribute, DeleteUser, ChangePassword. Each authenticates its access token (which
//! must carry `aws.cognito.signin.user.admin`) through `services::tokens`.

use crate::domain::AuthError;
use crate::domain::attributes::{self, WriteKind};
use crate::domain::mask::{CodeDeliveryDetails, DeliveryMedium};
use crate::domain::mfa::UserMfa;
use crate::domain::pool::UserPool;
use crate::domain::user::{self, User, UserStatus};
use crate::services::admin::clients::find_client;
use crate::services::admin::users::{SaveMode, delete_attributes, save_user};
use crate::services::codes::{self, Destination, Limited, Purpose};
use crate::services::sign_up::{check_writable, user_disabled};
use crate::services::tokens::{self, AccessContext};
use crate::services::{Services, passwords};
use std::collections::BTreeMap;

/// The access token's context, refusing users who may not act on themselves now.
pub(crate) async fn signed_in(
    svc: &Services,
    access_token: &str,
) -> Result<AccessContext, AuthError> {
    let ctx = tokens::authenticate_user(svc, access_token).await?;
    if !ctx.user.enabled {
        return Err(user_disabled());
    }
    match ctx.user.status {
        UserStatus::ResetRequired => Err(AuthError::PasswordResetRequired(
            "Password reset required for the user".into(),
        )),
        UserStatus::Unconfirmed => {
            Err(AuthError::UserNotConfirmed("User is not confirmed.".into()))
        }
        _ => Ok(ctx),
    }
}

/// GetUser: the user, all its attributes, and its MFA settings (read with the token's checks,
/// in the same query).
pub async fn get_user(svc: &Services, access_token: &str) -> Result<(User, UserMfa), AuthError> {
    let ctx = signed_in(svc, access_token).await?;
    Ok((ctx.user, ctx.mfa))
}

/// GetUserAuthFactors: the user, its MFA settings and the first factors it can sign in with.
pub async fn auth_factors(
    svc: &Services,
    access_token: &str,
) -> Result<(User, UserMfa, Vec<&'static str>), AuthError> {
    let ctx = signed_in(svc, access_token).await?;
    let has_passkey =
        crate::services::passkeys::has_passkey(svc, &ctx.pool, Some(&ctx.user)).await?;
    let factors =
        crate::domain::first_factors::configured(&ctx.pool.settings, &ctx.user, has_passkey);
    Ok((ctx.user, ctx.mfa, factors))
}

/// Whether the pool keeps the old value of `attribute` until a new one is verified
/// (`UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate`).
fn verify_before_update(pool: &UserPool, attribute: &str) -> bool {
    pool.settings
        .user_attribute_update_settings
        .as_ref()
        .and_then(|s| s.get("AttributesRequireVerificationBeforeUpdate"))
        .and_then(|list| list.as_array())
        .is_some_and(|list| list.iter().any(|a| a.as_str() == Some(attribute)))
}

/// UpdateUserAttributes: the client's WriteAttributes and the schema apply. A changed email or
/// phone number is unverified, and gets a code when the pool auto-verifies it; where the pool
/// requires verification before update, a verified old value stays until the code for the new
/// one is entered (VerifyUserAttribute).
pub async fn update_user_attributes(
    svc: &Services,
    access_token: &str,
    mut values: BTreeMap<String, String>,
) -> Result<Vec<CodeDeliveryDetails>, AuthError> {
    let ctx = signed_in(svc, access_token).await?;
    let pool = ctx.pool;
    let mut user = ctx.user;
    let client = find_client(svc, &ctx.client_id).await?;
    check_writable(&client, &values)?;
    attributes::check_values(&pool.settings.schema, &values, WriteKind::Update)?;
    let mut to_verify: Vec<(Purpose, Destination, Option<String>)> = Vec::new();
    for (attribute, medium, purpose) in [
        ("email", DeliveryMedium::Email, Purpose::VerifyEmail),
        (
            "phone_number",
            DeliveryMedium::Sms,
            Purpose::VerifyPhoneNumber,
        ),
    ] {
        let Some(new) = values.get(attribute).cloned() else {
            continue;
        };
        if user.attributes.get(attribute) == Some(&new) {
            continue;
        }
        let flag = format!("{attribute}_verified");
        let to = Destination {
            medium,
            to: new.clone(),
        };
        if !new.is_empty() && verify_before_update(&pool, attribute) && user.is_verified(&flag) {
            values.remove(attribute);
            to_verify.push((purpose, to, Some(new)));
            continue;
        }
        user.attributes.insert(flag, "false".into());
        let auto = pool
            .settings
            .auto_verified_attributes
            .iter()
            .any(|a| a == attribute);
        if auto && !new.is_empty() {
            to_verify.push((purpose, to, None));
        } else {
            // A code sent for the old value must not verify the new one.
            svc.store.delete_code(&user.sub, purpose.as_str()).await?;
        }
    }
    user.attributes.extend(values);
    user::check_required(&pool, &user.attributes)?;
    user.updated_at = svc.now();
    save_user(svc, &pool, &user, SaveMode::Update, false).await?;
    let mut delivered = Vec::new();
    for (purpose, to, pending) in to_verify {
        delivered.push(codes::issue(svc, &pool, &user, purpose, &to, pending.as_deref()).await?);
    }
    Ok(delivered)
}

/// DeleteUserAttributes: as AdminDeleteUserAttributes, within the client's WriteAttributes.
pub async fn delete_user_attributes(
    svc: &Services,
    access_token: &str,
    names: &[String],
) -> Result<(), AuthError> {
    let ctx = signed_in(svc, access_token).await?;
    let client = find_client(svc, &ctx.client_id).await?;
    let as_map: BTreeMap<String, String> =
        names.iter().map(|n| (n.clone(), String::new())).collect();
    check_writable(&client, &as_map)?;
    delete_attributes(svc, &ctx.pool.id, &ctx.user.sub, names).await
}

fn verify_purpose(attribute: &str) -> Result<Purpose, AuthError> {
    Purpose::verify(attribute).ok_or_else(|| {
        AuthError::InvalidParameter(format!(
            "Invalid attribute name: {attribute} cannot be verified; only email and phone_number can."
        ).into())
    })
}

/// GetUserAttributeVerificationCode: a code for the user's current email or phone number.
pub async fn get_user_attribute_verification_code(
    svc: &Services,
    access_token: &str,
    attribute: &str,
) -> Result<CodeDeliveryDetails, AuthError> {
    let ctx = signed_in(svc, access_token).await?;
    let purpose = verify_purpose(attribute)?;
    let user = ctx.user;
    codes::limit(svc, &user, Limited::GetUserAttributeVerificationCode).await?;
    let medium = if attribute == "email" {
        DeliveryMedium::Email
    } else {
        DeliveryMedium::Sms
    };
    let Some(value) = user.attribute(attribute) else {
        return Err(AuthError::InvalidParameter(
            format!("User does not have the attribute {attribute}.").into(),
        ));
    };
    let to = Destination {
        medium,
        to: value.to_string(),
    };
    codes::issue(svc, &ctx.pool, &user, purpose, &to, None).await
}

/// VerifyUserAttribute: the right code marks the attribute verified (taking the pending new
/// value where the pool keeps the old one until now). An alias held by another user is
/// AliasExistsException.
pub async fn verify_user_attribute(
    svc: &Services,
    access_token: &str,
    attribute: &str,
    code: &str,
) -> Result<(), AuthError> {
    let ctx = signed_in(svc, access_token).await?;
    let purpose = verify_purpose(attribute)?;
    let pool = ctx.pool;
    let mut user = ctx.user;
    codes::limit(svc, &user, Limited::VerifyUserAttribute).await?;
    let matched = codes::check(svc, &user, purpose, code).await?;
    if let Some(value) = &matched.pending_value {
        user.attributes.insert(attribute.to_string(), value.clone());
    }
    if user.attribute(attribute).is_none() {
        return Err(codes::expired_code());
    }
    user.attributes
        .insert(format!("{attribute}_verified"), "true".into());
    user.updated_at = svc.now();
    save_user(svc, &pool, &user, SaveMode::Update, false).await?;
    codes::consume(svc, &user, purpose, &matched).await?;
    Ok(())
}

/// DeleteUser: the user, its codes, memberships and tokens go (cascade).
pub async fn delete_user(svc: &Services, access_token: &str) -> Result<(), AuthError> {
    let ctx = signed_in(svc, access_token).await?;
    if !svc.store.delete_user(&ctx.pool.id, &ctx.user.sub).await? {
        return Err(AuthError::user_not_found());
    }
    tracing::info!(pool_id = %ctx.pool.id, sub = %ctx.user.sub, "user deleted itself");
    Ok(())
}

/// ChangePassword: the previous password must match (NotAuthorizedException "Incorrect
/// username or password."); the proposed one must meet the policy; 5 calls an hour.
pub async fn change_password(
    svc: &Services,
    access_token: &str,
    previous: Option<&str>,
    proposed: &str,
) -> Result<(), AuthError> {
    let ctx = signed_in(svc, access_token).await?;
    let pool = ctx.pool;
    let mut user = ctx.user;
    codes::limit(svc, &user, Limited::ChangePassword).await?;
    let passwordless = user.password_hash.is_none() && previous.is_none();
    if !passwordless {
        let ok = passwords::verify_password(svc, Some(&user), previous.unwrap_or_default()).await?;
        if !ok {
            return Err(AuthError::incorrect_credentials());
        }
    }
    passwords::set_password(svc, &pool, &mut user, proposed).await?;
    user.updated_at = svc.now();
    save_user(svc, &pool, &user, SaveMode::Update, false).await?;
    tracing::info!(pool_id = %pool.id, sub = %user.sub, "password changed");
    crate::services::audit::security(
        svc,
        &pool.id,
        "PasswordChange",
        "success",
        Some(&user),
        None,
        Some("ChangePassword"),
    );
    Ok(())
}
