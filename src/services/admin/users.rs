//! Admin user use cases on existing users: lookup (username, sign-in alias or sub), AdminGetUser,
//! AdminDeleteUser, AdminEnableUser / AdminDisableUser, AdminUpdateUserAttributes,
//! AdminDeleteUserAttributes, AdminSetUserPassword, AdminConfirmSignUp; and [`save_user`], the
//! one place that writes users and resolves alias clashes. Creation is in `create_user`,
//! password reset in `reset_password`, listing in `list_users`.

use crate::domain::attributes::{self, WriteKind};
use crate::domain::error::{AttributeProblem, AuthError, Reason};
use crate::domain::pool::UserPool;
use crate::domain::user::{self, ALIAS_ATTRIBUTES, User, UserStatus, alias_key};
use crate::services::Services;
use crate::store::StoreError;
use crate::store::users::{UserKey, UserWrite};
use std::collections::BTreeMap;

/// Finds a user by username (the pool's case rule applies), then by a sign-in alias the pool
/// has, then by `sub`, as Cognito's Admin* actions do. Unknown: UserNotFoundException.
pub async fn find_user(svc: &Services, pool: &UserPool, username: &str) -> Result<User, AuthError> {
    let store = &svc.store;
    let key = pool.username_key(username);
    if let Some(u) = store.get_user_by(&pool.id, UserKey::Username, &key).await? {
        return Ok(u);
    }
    let s = &pool.settings;
    for (attribute, column) in [
        ("email", UserKey::EmailAlias),
        ("phone_number", UserKey::PhoneAlias),
        ("preferred_username", UserKey::PreferredUsernameAlias),
    ] {
        let configured = s.alias_attributes.iter().any(|a| a == attribute)
            || s.username_attributes.iter().any(|a| a == attribute);
        if configured {
            let alias = alias_key(pool, attribute, username);
            if let Some(u) = store.get_user_by(&pool.id, column, &alias).await? {
                return Ok(u);
            }
        }
    }
    store
        .get_user_by(&pool.id, UserKey::Sub, username)
        .await?
        .ok_or_else(AuthError::user_not_found)
}

/// Loads the pool and the user in it.
pub async fn load(
    svc: &Services,
    pool_id: &str,
    username: &str,
) -> Result<(UserPool, User), AuthError> {
    let pool = svc.require_pool(pool_id).await?;
    let user = find_user(svc, &pool, username).await?;
    Ok((pool, user))
}

/// How [`save_user`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveMode {
    Insert,
    Update,
}

/// Writes a user (with any alias moved off another user, in the same transaction). An alias
/// held by someone else is AliasExistsException unless `force_alias`; in UsernameAttributes
/// pools a new user whose email/phone is taken is UsernameExistsException.
pub async fn save_user(
    svc: &Services,
    pool: &UserPool,
    user: &User,
    mode: SaveMode,
    force_alias: bool,
) -> Result<Vec<User>, AuthError> {
    let columns = user.columns(pool);
    // Users losing an alias to `user`, each once (one user may hold several aliases), and
    // their states before, so a caller can undo.
    let mut displaced: Vec<User> = Vec::new();
    let mut before: Vec<User> = Vec::new();
    for (attribute, flag) in ALIAS_ATTRIBUTES {
        let (key, column) = match *attribute {
            "email" => (&columns.email_alias, UserKey::EmailAlias),
            "phone_number" => (&columns.phone_alias, UserKey::PhoneAlias),
            _ => (
                &columns.preferred_username_alias,
                UserKey::PreferredUsernameAlias,
            ),
        };
        let Some(key) = key else { continue };
        let Some(found) = svc.store.get_user_by(&pool.id, column, key).await? else {
            continue;
        };
        if found.sub == user.sub {
            continue;
        }
        let message = format!("An account with the given {attribute} already exists.");
        let is_username = pool
            .settings
            .username_attributes
            .iter()
            .any(|a| a == attribute);
        if is_username && mode == SaveMode::Insert {
            return Err(AuthError::UsernameExists(message.into()));
        }
        if is_username || !force_alias {
            return Err(AuthError::AliasExists(message.into()));
        }
        let index = match displaced.iter().position(|d| d.sub == found.sub) {
            Some(i) => i,
            None => {
                before.push(found.clone());
                displaced.push(found);
                displaced.len() - 1
            }
        };
        let holder = &mut displaced[index];
        match flag {
            Some(flag) => holder.attributes.insert(flag.to_string(), "false".into()),
            None => holder.attributes.remove(*attribute),
        };
        holder.updated_at = svc.now();
    }
    let mut writes: Vec<UserWrite<'_>> = displaced
        .iter()
        .map(|u| UserWrite {
            user: u,
            columns: u.columns(pool),
            insert: false,
        })
        .collect();
    writes.push(UserWrite {
        user,
        columns,
        insert: mode == SaveMode::Insert,
    });
    svc.store.save_users(&writes).await.map_err(clash_error)?;
    Ok(before)
}

/// The error for a write a unique index refused: a taken alias (AliasExistsException) or
/// username (UsernameExistsException).
pub(crate) fn clash_error(e: StoreError) -> AuthError {
    for attribute in ["email", "phone", "preferred_username"] {
        if e.is_unique_on(&format!("{attribute}_alias")) {
            let name = if attribute == "phone" {
                "phone_number"
            } else {
                attribute
            };
            return AuthError::AliasExists(
                format!("An account with the given {name} already exists.").into(),
            );
        }
    }
    if e.is_unique_on("username_key") || e.is_unique_on("pkey") {
        return AuthError::UsernameExists(Reason::UserAccountExists);
    }
    e.into()
}

/// AdminGetUser.
pub async fn get_user(svc: &Services, pool_id: &str, username: &str) -> Result<User, AuthError> {
    Ok(load(svc, pool_id, username).await?.1)
}

/// AdminDeleteUser (memberships and codes go with the user).
pub async fn delete_user(svc: &Services, pool_id: &str, username: &str) -> Result<(), AuthError> {
    let (_, user) = load(svc, pool_id, username).await?;
    if !svc.store.delete_user(pool_id, &user.sub).await? {
        return Err(AuthError::user_not_found());
    }
    tracing::info!(pool_id, sub = %user.sub, "user deleted");
    Ok(())
}

/// AdminEnableUser / AdminDisableUser.
pub async fn set_enabled(
    svc: &Services,
    pool_id: &str,
    username: &str,
    enabled: bool,
) -> Result<(), AuthError> {
    let (pool, mut user) = load(svc, pool_id, username).await?;
    user.enabled = enabled;
    user.updated_at = svc.now();
    save_user(svc, &pool, &user, SaveMode::Update, false).await?;
    Ok(())
}

/// AdminUpdateUserAttributes: schema and mutability checked; a changed email or phone number
/// loses its verified flag unless the request sets it; alias clashes are refused.
pub async fn update_attributes(
    svc: &Services,
    pool_id: &str,
    username: &str,
    values: BTreeMap<String, String>,
) -> Result<(), AuthError> {
    let (pool, mut user) = load(svc, pool_id, username).await?;
    attributes::check_values(&pool.settings.schema, &values, WriteKind::Update)?;
    for (attribute, flag) in ALIAS_ATTRIBUTES {
        let Some(flag) = flag else { continue };
        if let Some(new) = values.get(*attribute)
            && user.attributes.get(*attribute) != Some(new)
            && !values.contains_key(*flag)
        {
            user.attributes.insert(flag.to_string(), "false".into());
        }
    }
    user.attributes.extend(values);
    user::check_required(&pool, &user.attributes)?;
    user.updated_at = svc.now();
    save_user(svc, &pool, &user, SaveMode::Update, false).await?;
    Ok(())
}

/// AdminDeleteUserAttributes: required attributes (and `sub`) cannot be deleted.
pub async fn delete_attributes(
    svc: &Services,
    pool_id: &str,
    username: &str,
    names: &[String],
) -> Result<(), AuthError> {
    let (pool, mut user) = load(svc, pool_id, username).await?;
    let required = attributes::required_names(&pool.settings.schema);
    for name in names {
        if !pool
            .settings
            .schema
            .iter()
            .any(|a| a.name.as_deref() == Some(name.as_str()))
        {
            return Err(AuthError::InvalidParameter(Reason::Attribute {
                name: name.clone(),
                problem: AttributeProblem::NotInSchema,
            }));
        }
        if name == "sub" || required.contains(name) {
            return Err(AuthError::InvalidParameter(Reason::AttributesRequired(
                vec![name.clone()],
            )));
        }
    }
    for name in names {
        user.attributes.remove(name);
        if let Some((_, Some(flag))) = ALIAS_ATTRIBUTES.iter().find(|(a, _)| a == name) {
            user.attributes.remove(*flag);
        }
    }
    user.updated_at = svc.now();
    save_user(svc, &pool, &user, SaveMode::Update, false).await?;
    Ok(())
}

/// AdminSetUserPassword: policy checked; permanent → CONFIRMED, else FORCE_CHANGE_PASSWORD.
pub async fn set_password(
    svc: &Services,
    pool_id: &str,
    username: &str,
    password: &str,
    permanent: bool,
) -> Result<(), AuthError> {
    let (pool, mut user) = load(svc, pool_id, username).await?;
    crate::services::passwords::set_password(svc, &pool, &mut user, password).await?;
    let now = svc.now();
    user.status = if permanent {
        UserStatus::Confirmed
    } else {
        UserStatus::ForceChangePassword
    };
    user.updated_at = now;
    save_user(svc, &pool, &user, SaveMode::Update, false).await?;
    Ok(())
}

/// AdminConfirmSignUp: only UNCONFIRMED users can be confirmed.
pub async fn confirm_sign_up(
    svc: &Services,
    pool_id: &str,
    username: &str,
) -> Result<(), AuthError> {
    let (pool, mut user) = load(svc, pool_id, username).await?;
    if user.status != UserStatus::Unconfirmed {
        return Err(AuthError::NotAuthorized(Reason::CannotConfirm(user.status)));
    }
    user.status = UserStatus::Confirmed;
    user.updated_at = svc.now();
    save_user(svc, &pool, &user, SaveMode::Update, false).await?;
    let caller = crate::services::triggers::Caller {
        client_id: None,
        client_metadata: None,
    };
    let source = "PostConfirmation_ConfirmSignUp";
    crate::services::triggers::post_confirmation(svc, &pool, source, &user, caller).await
}
