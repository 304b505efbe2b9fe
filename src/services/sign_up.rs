//! Self sign-up (reference §5.5, §5.6): SignUp creates an UNCONFIRMED user and sends a
//! confirmation code per AutoVerifiedAttributes; ConfirmSignUp confirms with it (and verifies
//! the attribute the code went to); ResendConfirmationCode sends a new one. Unknown users are
//! answered per the client's PreventUserExistenceErrors (§5.7).

use crate::crypto::random;
use crate::domain::client::UserPoolClient;
use crate::domain::mask::CodeDeliveryDetails;
use crate::domain::pool::UserPool;
use crate::domain::user::{self, User, UserStatus};
use crate::domain::{AuthError, Reason};
use crate::services::admin::users::{SaveMode, find_user, save_user};
use crate::services::client_auth::{check_secret_hash, load_client};
use crate::services::codes::{self, Limited, Purpose, Sending};
use crate::services::triggers::{self, Caller, Metadata};
use crate::services::{Services, passwords};
use std::collections::BTreeMap;

/// SignUp's input, validated on the wire.
#[derive(Debug, Clone)]
pub struct SignUp {
    pub client_id: String,
    pub secret_hash: Option<String>,
    pub username: String,
    pub password: String,
    pub attributes: BTreeMap<String, String>,
    /// `ValidationData` and `ClientMetadata`, for the PreSignUp trigger.
    pub validation_data: Metadata,
    pub client_metadata: Metadata,
}

/// What SignUp reports.
#[derive(Debug, Clone)]
pub struct SignUpOutcome {
    pub user_sub: String,
    pub confirmed: bool,
    /// Absent when the pool verifies nothing automatically.
    pub delivery: Option<CodeDeliveryDetails>,
}

/// A public action naming a user by what the caller typed.
#[derive(Debug, Clone)]
pub struct UserRef {
    pub client_id: String,
    pub secret_hash: Option<String>,
    pub username: String,
}

/// True when the client answers unknown users as if they existed.
pub fn prevents_existence_errors(client: &UserPoolClient) -> bool {
    client.settings.prevent_user_existence_errors == "ENABLED"
}

/// Cognito's LEGACY answer to an unknown user on the ClientId-based actions.
pub fn unknown_user() -> AuthError {
    AuthError::UserNotFound("Username/client id combination not found.".into())
}

pub fn user_disabled() -> AuthError {
    AuthError::NotAuthorized(Reason::UserDisabled)
}

/// The client and pool of a public user action, the user if one matches `username` (username,
/// sign-in alias or sub), after the SECRET_HASH check (what was typed, or the internal
/// username, as Cognito accepts either).
pub async fn resolve(
    svc: &Services,
    r: &UserRef,
) -> Result<(UserPool, UserPoolClient, Option<User>), AuthError> {
    let (pool, client) = load_client(svc, &r.client_id).await?;
    let user = match find_user(svc, &pool, &r.username).await {
        Ok(u) => Some(u),
        Err(AuthError::UserNotFound(_)) => None,
        Err(e) => return Err(e),
    };
    let mut names = vec![r.username.as_str()];
    if let Some(u) = &user {
        names.push(u.username.as_str());
    }
    check_secret_hash(&client, &names, r.secret_hash.as_deref())?;
    Ok((pool, client, user))
}

/// Refuses attributes the client may not write (WriteAttributes; by default every attribute
/// but the `*_verified` flags).
pub fn check_writable(
    client: &UserPoolClient,
    values: &BTreeMap<String, String>,
) -> Result<(), AuthError> {
    if values.keys().any(|name| !client.can_write(name)) {
        return Err(AuthError::NotAuthorized(Reason::UnauthorizedAttributeWrite));
    }
    Ok(())
}

/// SignUp.
pub async fn sign_up(svc: &Services, input: SignUp) -> Result<SignUpOutcome, AuthError> {
    let (pool, client) = load_client(svc, &input.client_id).await?;
    check_secret_hash(&client, &[&input.username], input.secret_hash.as_deref())?;
    if pool
        .settings
        .admin_create_user_config
        .allow_admin_create_user_only
    {
        return Err(AuthError::NotAuthorized(Reason::SignUpNotPermitted));
    }
    check_writable(&client, &input.attributes)?;
    let link = codes::confirm_link(svc, &pool, &client.id).await?;
    let mut user = user::new_user(
        &pool,
        random::uuid(),
        &input.username,
        input.attributes,
        UserStatus::Unconfirmed,
        svc.now(),
    )?;
    passwords::set_password(svc, &pool, &mut user, &input.password).await?;
    let caller = Caller {
        client_id: Some(&client.id),
        client_metadata: Some(&input.client_metadata),
    };
    let decision = triggers::pre_sign_up(
        svc,
        &pool,
        "PreSignUp_SignUp",
        &user,
        caller,
        Some(&input.validation_data),
    )
    .await?;
    apply_sign_up_decision(&mut user, decision);
    save_user(svc, &pool, &user, SaveMode::Insert, false)
        .await
        .map_err(|e| match e {
            AuthError::UsernameExists(Reason::UserAccountExists) => {
                AuthError::UsernameExists(Reason::UserExists)
            }
            other => other,
        })?;
    tracing::info!(pool_id = %pool.id, sub = %user.sub, "user signed up");
    crate::services::audit::security(svc, &pool.id, "SignUp", "success", Some(&user), None, None);
    let confirmed = user.status == UserStatus::Confirmed;
    let destination = match confirmed {
        true => None,
        false => codes::sign_up_destination(&pool, &user),
    };
    let delivery = match destination {
        None => None,
        Some(to) => {
            match codes::issue_sign_up(svc, &pool, &user, &to, Sending::Wait, link.as_ref()).await {
                Ok(details) => Some(details),
                Err(e) => {
                    // No half-made account: the user goes (its code with it).
                    svc.store.undo_user_insert(&pool.id, &user.sub, &[]).await?;
                    return Err(e);
                }
            }
        }
    };
    Ok(SignUpOutcome {
        user_sub: user.sub.clone(),
        confirmed,
        delivery,
    })
}

/// What PreSignUp decided, applied to the user about to be stored: confirmed, and the email
/// or phone number verified when the user has one.
pub fn apply_sign_up_decision(user: &mut User, decision: triggers::SignUpDecision) {
    if decision.auto_confirm {
        user.status = UserStatus::Confirmed;
    }
    for (verify, attribute) in [
        (decision.auto_verify_email, "email"),
        (decision.auto_verify_phone, "phone_number"),
    ] {
        if verify && user.attribute(attribute).is_some() {
            user.attributes
                .insert(format!("{attribute}_verified"), "true".into());
        }
    }
}

/// ConfirmSignUp: the right code confirms the user and verifies the attribute it was sent to.
pub async fn confirm_sign_up(
    svc: &Services,
    r: UserRef,
    code: &str,
    force_alias_creation: bool,
    client_metadata: &Metadata,
) -> Result<Option<String>, AuthError> {
    let (pool, client, found) = resolve(svc, &r).await?;
    let hide = prevents_existence_errors(&client);
    let mut user = match found {
        Some(u) if u.enabled => u,
        Some(_) if !hide => return Err(user_disabled()),
        None if !hide => return Err(unknown_user()),
        _ => {
            codes::limit_unknown(svc, &pool, &r.username, Limited::ConfirmSignUp).await?;
            codes::check_nothing(svc, code).await?;
            return Err(codes::code_mismatch());
        }
    };
    codes::limit(svc, &user, Limited::ConfirmSignUp).await?;
    if user.status != UserStatus::Unconfirmed {
        return Err(AuthError::NotAuthorized(Reason::CannotConfirm(user.status)));
    }
    let matched = codes::check(svc, &user, Purpose::ConfirmSignUp, code).await?;
    if let Some(to) = codes::sign_up_destination(&pool, &user) {
        let flag = format!("{}_verified", to.medium.attribute());
        user.attributes.insert(flag, "true".into());
    }
    user.status = UserStatus::Confirmed;
    user.updated_at = svc.now();
    save_user(svc, &pool, &user, SaveMode::Update, force_alias_creation).await?;
    codes::consume(svc, &user, Purpose::ConfirmSignUp, &matched).await?;
    tracing::info!(pool_id = %pool.id, sub = %user.sub, "sign-up confirmed");
    let caller = Caller {
        client_id: Some(&client.id),
        client_metadata: Some(client_metadata),
    };
    triggers::post_confirmation(svc, &pool, "PostConfirmation_ConfirmSignUp", &user, caller)
        .await?;
    // A client that signs in with USER_AUTH may continue with this session instead of the
    // password (InitiateAuth USER_AUTH with `Session`), once, within its session validity.
    if client.auth_flow_allowed("USER_AUTH") {
        let token = crate::services::auth::session::new_token();
        let state = crate::services::auth::session::State::SignUpConfirmed {
            user_sub: user.sub.clone(),
        };
        crate::services::auth::session::save(svc, &client, &token, &state).await?;
        return Ok(Some(token));
    }
    Ok(None)
}

/// ResendConfirmationCode: a new code replaces the old one.
pub async fn resend_confirmation_code(
    svc: &Services,
    r: UserRef,
) -> Result<CodeDeliveryDetails, AuthError> {
    let (pool, client, found) = resolve(svc, &r).await?;
    let hide = prevents_existence_errors(&client);
    let user = match found {
        Some(u) if u.enabled => u,
        Some(_) if !hide => return Err(user_disabled()),
        None if !hide => return Err(unknown_user()),
        _ => {
            // The work of issuing a code, then the answer a real user would get.
            codes::limit_unknown(svc, &pool, &r.username, Limited::ResendConfirmationCode).await?;
            codes::new_code(svc).await?;
            let mediums = codes::sign_up_mediums(&pool);
            return codes::simulated_details(svc, &pool, &r.username, &mediums).await;
        }
    };
    if user.status != UserStatus::Unconfirmed {
        return Err(AuthError::InvalidParameter(Reason::AlreadyConfirmed));
    }
    codes::limit(svc, &user, Limited::ResendConfirmationCode).await?;
    let Some(to) = codes::sign_up_destination(&pool, &user) else {
        return Err(AuthError::InvalidParameter(
            "Auto verification not turned on.".into(),
        ));
    };
    let sending = if hide {
        Sending::Background
    } else {
        Sending::Wait
    };
    let link = codes::confirm_link(svc, &pool, &client.id).await?;
    codes::issue_sign_up(svc, &pool, &user, &to, sending, link.as_ref()).await
}
