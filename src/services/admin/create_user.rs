//! AdminCreateUser (reference §5.5): a new user in FORCE_CHANGE_PASSWORD with a given or
//! generated temporary password, and the invitation sent by email and/or SMS; or, with
//! `MessageAction=RESEND`, a new temporary password and invitation for an existing
//! FORCE_CHANGE_PASSWORD user. Temporary passwords are never logged.

use super::users::{SaveMode, find_user, save_user};
use crate::crypto::random;
use crate::delivery::{Email, Sms};
use crate::domain::AuthError;
use crate::domain::messages;
use crate::domain::pool::UserPool;
use crate::domain::user::{self, User, UserStatus};
use crate::services::Services;
use crate::services::passwords;
use crate::services::triggers::{self, Caller, Metadata};
use crate::store::users::UserWrite;
use std::collections::BTreeMap;

/// `MessageAction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageAction {
    /// Send the invitation (no MessageAction given).
    Send,
    Resend,
    Suppress,
}

/// `DeliveryMediumType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Medium {
    Email,
    Sms,
}

/// What AdminCreateUser asks for, validated on the wire.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub attributes: BTreeMap<String, String>,
    pub temporary_password: Option<String>,
    pub force_alias_creation: bool,
    pub message_action: MessageAction,
    /// Empty: Cognito's default (SMS).
    pub mediums: Vec<Medium>,
    /// `ValidationData` and `ClientMetadata`, for the PreSignUp trigger.
    pub validation_data: Metadata,
    pub client_metadata: Metadata,
}

/// AdminCreateUser.
pub async fn create_user(svc: &Services, pool_id: &str, input: NewUser) -> Result<User, AuthError> {
    let pool = svc.require_pool(pool_id).await?;
    let mediums = if input.mediums.is_empty() {
        vec![Medium::Sms]
    } else {
        input.mediums.clone()
    };
    let password = match &input.temporary_password {
        Some(p) => {
            pool.settings.password_policy.check(p)?;
            p.clone()
        }
        None => pool.settings.password_policy.generate(&mut rand::rng()),
    };
    if input.message_action == MessageAction::Resend {
        return resend(svc, &pool, &input.username, &password, &mediums).await;
    }
    let mut user = user::new_user(
        &pool,
        random::uuid(),
        &input.username,
        input.attributes,
        UserStatus::ForceChangePassword,
        svc.now(),
    )?;
    // The policy was checked above (a given password) or built in (a generated one).
    passwords::set_password_unchecked(svc, &pool, &mut user, &password).await?;
    let caller = Caller {
        client_id: None,
        client_metadata: Some(&input.client_metadata),
    };
    let decision = triggers::pre_sign_up(
        svc,
        &pool,
        "PreSignUp_AdminCreateUser",
        &user,
        caller,
        Some(&input.validation_data),
    )
    .await?;
    // An administrator's user always starts by setting a password: only the verifications
    // of the decision apply.
    crate::services::sign_up::apply_sign_up_decision(
        &mut user,
        triggers::SignUpDecision {
            auto_confirm: false,
            ..decision
        },
    );
    if input.message_action == MessageAction::Send {
        check_mediums(&user, &mediums)?;
    }
    let displaced = save_user(
        svc,
        &pool,
        &user,
        SaveMode::Insert,
        input.force_alias_creation,
    )
    .await?;
    tracing::info!(pool_id, sub = %user.sub, "user created by admin");
    if input.message_action == MessageAction::Send
        && let Err(e) = invite(svc, &pool, &user, &input.username, &password, &mediums).await
    {
        // Nothing of the failed creation stays: the user goes, and aliases it took return.
        let restore: Vec<UserWrite<'_>> = displaced
            .iter()
            .map(|u| UserWrite {
                user: u,
                columns: u.columns(&pool),
                insert: false,
            })
            .collect();
        svc.store
            .undo_user_insert(&pool.id, &user.sub, &restore)
            .await?;
        return Err(e);
    }
    Ok(user)
}

async fn resend(
    svc: &Services,
    pool: &UserPool,
    username: &str,
    password: &str,
    mediums: &[Medium],
) -> Result<User, AuthError> {
    let mut user = find_user(svc, pool, username).await?;
    if user.status != UserStatus::ForceChangePassword {
        return Err(AuthError::UnsupportedUserState(
            format!(
                "Resend not possible. {} status is not FORCE_CHANGE_PASSWORD.",
                user.username
            )
            .into(),
        ));
    }
    check_mediums(&user, mediums)?;
    passwords::set_password_unchecked(svc, pool, &mut user, password).await?;
    user.updated_at = svc.now();
    save_user(svc, pool, &user, SaveMode::Update, false).await?;
    invite(svc, pool, &user, username, password, mediums).await?;
    Ok(user)
}

/// Every desired medium needs its attribute.
fn check_mediums(user: &User, mediums: &[Medium]) -> Result<(), AuthError> {
    for m in mediums {
        let attribute = match m {
            Medium::Email => "email",
            Medium::Sms => "phone_number",
        };
        if user.attribute(attribute).is_none() {
            return Err(AuthError::InvalidParameter(format!(
                "User has no attribute matching desired delivery mediums: {attribute} is missing."
            ).into()));
        }
    }
    Ok(())
}

/// Sends the invitation over each medium; `shown_username` is what the user signs in with.
async fn invite(
    svc: &Services,
    pool: &UserPool,
    user: &User,
    shown_username: &str,
    password: &str,
    mediums: &[Medium],
) -> Result<(), AuthError> {
    let failed = |e: crate::delivery::DeliveryError| {
        tracing::warn!(pool_id = %pool.id, sub = %user.sub, error = %e, "invitation not delivered");
        AuthError::CodeDeliveryFailure("Unable to deliver the invitation message.".into())
    };
    let custom = triggers::custom_message(svc, pool, user, "CustomMessage_AdminCreateUser", false)
        .await?
        .unwrap_or_default();
    let fill = |m: &str| {
        m.replace("{####}", password)
            .replace("{username}", shown_username)
    };
    for m in mediums {
        match m {
            Medium::Email => {
                let message = messages::invitation_email(pool, shown_username, password);
                svc.delivery
                    .send_email(Email {
                        to: user.attribute("email").unwrap_or_default().to_string(),
                        subject: custom.email_subject.clone().unwrap_or(message.subject),
                        text: match custom.email_message.as_deref() {
                            Some(m) => fill(m),
                            None => message.body,
                        },
                        html: None,
                    })
                    .await
                    .map_err(failed)?;
            }
            Medium::Sms => {
                svc.delivery
                    .send_sms(Sms {
                        to: user
                            .attribute("phone_number")
                            .unwrap_or_default()
                            .to_string(),
                        message: match custom.sms_message.as_deref() {
                            Some(m) => fill(m),
                            None => messages::invitation_sms(pool, shown_username, password),
                        },
                        pool_id: pool.id.clone(),
                        kind: "invitation".into(),
                    })
                    .await
                    .map_err(failed)?;
            }
        }
    }
    Ok(())
}
