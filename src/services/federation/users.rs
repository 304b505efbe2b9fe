//! Who an upstream account signs in as (reference §1.10, §5.6): the user it was linked to, or
//! the federated user `{ProviderName}_{id}` (status `EXTERNAL_PROVIDER`), made on its first
//! sign-in and given the mapped attributes again on every later one. Links are made by
//! AdminLinkProviderForUser or, when a provider opts in, by a verified email that a native
//! user has verified too; AdminDisableProviderForUser undoes a link.

use crate::domain::AuthError;
use crate::domain::attributes::{WriteKind, check_values};
use crate::domain::group::Group;
use crate::domain::identity_provider::{
    self as idp, Identity, IdentityProvider, MAX_LINKED_IDENTITIES,
};
use crate::domain::pool::UserPool;
use crate::domain::user::{User, UserStatus};
use crate::services::Services;
use crate::services::admin::groups::MAX_GROUPS_PER_USER;
use crate::services::triggers::{self, Caller};
use crate::store::users::{UserKey, UserWrite};
use serde_json::{Map, Value};

fn identity(p: &IdentityProvider, subject: &str, primary: bool, now: i64) -> Identity {
    Identity {
        user_id: subject.to_string(),
        provider_name: p.name.clone(),
        provider_type: p.kind.as_str().to_string(),
        issuer: None,
        primary: primary.to_string(),
        date_created: now.to_string(),
    }
}

/// `user` with `identity` added to its `identities` attribute.
fn with_identity(mut user: User, identity: Identity) -> Result<User, AuthError> {
    let mut list = idp::parse_identities(user.attributes.get("identities").map(String::as_str));
    if list.len() >= MAX_LINKED_IDENTITIES {
        return Err(AuthError::LimitExceeded(
            format!("A user can be linked to at most {MAX_LINKED_IDENTITIES} identities.").into(),
        ));
    }
    list.push(identity);
    user.attributes
        .insert("identities".into(), idp::identities_attribute(&list));
    Ok(user)
}

fn write<'a>(pool: &UserPool, user: &'a User, insert: bool) -> UserWrite<'a> {
    UserWrite {
        user,
        columns: user.columns(pool),
        insert,
    }
}

/// The user an upstream account with `claims` signs in as, created or updated.
pub async fn sign_in(
    svc: &Services,
    pool: &UserPool,
    client_id: &str,
    p: &IdentityProvider,
    claims: &Map<String, Value>,
) -> Result<User, AuthError> {
    let subject = idp::subject_of(claims, p.subject_claim()).ok_or_else(|| {
        AuthError::InvalidParameter(
            format!("The provider's answer has no {} claim.", p.subject_claim()).into(),
        )
    })?;
    let mapped = p.map_claims(claims);
    check_values(&pool.settings.schema, &mapped, WriteKind::Update)?;
    let now = svc.now();
    if let Some(mut user) = svc
        .store
        .user_for_identity(&pool.id, &p.name, &subject)
        .await?
    {
        if !user.enabled {
            return Err(AuthError::NotAuthorized("User is disabled.".into()));
        }
        // A native user linked to the account keeps its own attributes: an upstream must not
        // change how someone signs in with a password.
        if user.status == UserStatus::ExternalProvider
            && mapped
                .iter()
                .any(|(k, v)| user.attributes.get(k) != Some(v))
        {
            user.attributes.extend(mapped);
            user.updated_at = now;
            svc.store.save_users(&[write(pool, &user, false)]).await?;
        }
        return Ok(user);
    }
    if p.links_by_email()
        && idp::email_verified(claims)
        && let Some(Value::String(email)) = claims.get("email")
        && let Some(user) = native_with_verified_email(svc, pool, email).await?
    {
        let user = with_identity(user, identity(p, &subject, false, now))?;
        return link(svc, pool, p, &subject, user).await;
    }
    let mut attributes = mapped;
    crate::domain::user::check_required(pool, &attributes)?;
    attributes.insert("sub".into(), uuid::Uuid::new_v4().to_string());
    let mut user = User {
        sub: attributes["sub"].clone(),
        pool_id: pool.id.clone(),
        username: p.username_for(&subject),
        status: UserStatus::ExternalProvider,
        enabled: true,
        attributes,
        password_hash: None,
        password_changed_at: None,
        srp_salt: None,
        srp_verifier: None,
        created_at: now,
        updated_at: now,
    };
    triggers::pre_sign_up(
        svc,
        pool,
        "PreSignUp_ExternalProvider",
        &user,
        Caller::client(client_id),
        None,
    )
    .await?;
    user = with_identity(user, identity(p, &subject, true, now))?;
    match svc
        .store
        .save_user_with_identity(&write(pool, &user, true), &p.name, &subject)
        .await
    {
        Ok(()) => {}
        Err(e) if e.is_unique_on("user_identities") => {
            // The same account's first sign-in raced this one and won.
            return svc
                .store
                .user_for_identity(&pool.id, &p.name, &subject)
                .await?
                .ok_or_else(|| AuthError::Internal("a new identity vanished".into()));
        }
        Err(e) if e.is_unique_on("username") => {
            return Err(AuthError::UsernameExists(
                format!("User {} already exists.", user.username).into(),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    join_provider_group(svc, p, &user).await?;
    triggers::post_confirmation(
        svc,
        pool,
        "PostConfirmation_ConfirmSignUp",
        &user,
        Caller::client(client_id),
    )
    .await?;
    Ok(user)
}

/// The native, confirmed user whose verified email is `email`, if exactly one.
async fn native_with_verified_email(
    svc: &Services,
    pool: &UserPool,
    email: &str,
) -> Result<Option<User>, AuthError> {
    let key = crate::domain::user::search_key(pool, "email", email);
    // Two confirmed users with this address (where email is not unique) link neither.
    let found = svc.store.users_with_email(&pool.id, &key, 2).await?;
    if found.len() > 1 {
        return Ok(None);
    }
    let mut candidates = found.into_iter().filter(|u| {
        u.status == UserStatus::Confirmed
            && u.enabled
            && u.is_verified("email_verified")
            && u.attribute("email") == Some(email)
    });
    match (candidates.next(), candidates.next()) {
        (Some(user), None) => Ok(Some(user)),
        _ => Ok(None),
    }
}

/// Saves `user` (with its new identity) and the link, in one transaction.
async fn link(
    svc: &Services,
    pool: &UserPool,
    p: &IdentityProvider,
    subject: &str,
    mut user: User,
) -> Result<User, AuthError> {
    user.updated_at = svc.now();
    match svc
        .store
        .save_user_with_identity(&write(pool, &user, false), &p.name, subject)
        .await
    {
        Ok(()) => Ok(user),
        Err(e) if e.is_unique_on("user_identities") => Err(already_linked()),
        Err(e) => Err(e.into()),
    }
}

fn already_linked() -> AuthError {
    AuthError::InvalidParameter(
        "Merging is not currently supported, provide a SourceUser that has not been linked to a \
         DestinationUser"
            .into(),
    )
}

/// Puts a federated user in the provider's group, made on first use as Cognito does.
async fn join_provider_group(
    svc: &Services,
    p: &IdentityProvider,
    user: &User,
) -> Result<(), AuthError> {
    let name = p.group_name();
    if svc.store.get_group(&p.pool_id, &name).await?.is_none() {
        let now = svc.now();
        let group = Group {
            pool_id: p.pool_id.clone(),
            name: name.clone(),
            description: Some(format!(
                "Autogenerated group for users who sign in using {}",
                p.name
            )),
            role_arn: None,
            precedence: None,
            created_at: now,
            updated_at: now,
        };
        match svc.store.insert_group(&group).await {
            Ok(()) => {}
            Err(e) if e.is_unique_on("pool_groups") => {}
            Err(e) => return Err(e.into()),
        }
    }
    svc.store
        .add_member(&p.pool_id, &name, &user.sub, svc.now(), MAX_GROUPS_PER_USER)
        .await?;
    Ok(())
}

/// AdminLinkProviderForUser: the upstream account `subject` of provider `p` will sign in as
/// the native user `username`.
pub async fn link_provider_for_user(
    svc: &Services,
    pool: &UserPool,
    username: &str,
    p: &IdentityProvider,
    subject: &str,
) -> Result<(), AuthError> {
    let user = svc
        .store
        .get_user_by(&pool.id, UserKey::Username, &pool.username_key(username))
        .await?
        .ok_or_else(|| AuthError::UserNotFound("User does not exist.".into()))?;
    if user.status == UserStatus::ExternalProvider {
        return Err(AuthError::InvalidParameter(
            "The destination user must be a user of the user pool, not a federated user.".into(),
        ));
    }
    if svc
        .store
        .user_for_identity(&pool.id, &p.name, subject)
        .await?
        .is_some()
    {
        return Err(already_linked());
    }
    let user = with_identity(user, identity(p, subject, false, svc.now()))?;
    link(svc, pool, p, subject, user).await.map(|_| ())
}

/// AdminDisableProviderForUser: a native user linked to the account is unlinked (the account's
/// next sign-in makes a new federated user); the federated user made from it is disabled.
pub async fn disable_provider_for_user(
    svc: &Services,
    pool: &UserPool,
    p: &IdentityProvider,
    subject: &str,
) -> Result<(), AuthError> {
    let Some(mut user) = svc
        .store
        .user_for_identity(&pool.id, &p.name, subject)
        .await?
    else {
        return Err(AuthError::UserNotFound("User does not exist.".into()));
    };
    user.updated_at = svc.now();
    if user.status == UserStatus::ExternalProvider {
        user.enabled = false;
        svc.store.save_users(&[write(pool, &user, false)]).await?;
        return Ok(());
    }
    let list: Vec<Identity> =
        idp::parse_identities(user.attributes.get("identities").map(String::as_str))
            .into_iter()
            .filter(|i| !(i.provider_name == p.name && i.user_id == subject))
            .collect();
    if list.is_empty() {
        user.attributes.remove("identities");
    } else {
        user.attributes
            .insert("identities".into(), idp::identities_attribute(&list));
    }
    svc.store
        .unlink_identity(&write(pool, &user, false), &p.name, subject)
        .await?;
    Ok(())
}
