//! The live migration from Amazon Cognito (a pool's `MigrationSource`): Tessera's own answer
//! to the UserMigration event, used when the pool sets no UserMigration trigger (a trigger
//! replaces it).
//!
//! - Sign-in with a password, for a user Tessera does not have, or has without a password (one
//!   the bulk copy brought): the source checks the password (AdminInitiateAuth,
//!   ADMIN_USER_PASSWORD_AUTH); if it accepts, the user is stored with its attributes, status
//!   and groups (AdminGetUser, AdminListGroupsForUser) and the password typed.
//! - ForgotPassword for a user Tessera does not have: the user is copied first, without a
//!   password, so the code goes to the address the source knows.
//! - [`copy_all`]: every user of the source (ListUsers), without passwords, so the directory
//!   is complete from day one; their passwords arrive at their first sign-in. [`pending`] lists
//!   those that have not signed in since.

use crate::aws::cognito::{SourceError, SourceUser};
use crate::crypto::random;
use crate::domain::AuthError;
use crate::domain::migration_source::MigrationSource;
use crate::domain::pool::UserPool;
use crate::domain::triggers::Trigger;
use crate::domain::user::{self, User, UserStatus};
use crate::services::admin::list_users::AllUsers;
use crate::services::admin::users::find_user;
use crate::services::{Services, passwords};
use crate::store::StoreError;
use crate::store::transfers::Belongings;
use crate::store::users::UserWrite;

/// The pool's migration source, unless a UserMigration trigger takes its place.
fn source_of(pool: &UserPool) -> Option<&MigrationSource> {
    if crate::services::triggers::is_set(pool, Trigger::UserMigration) {
        return None;
    }
    pool.settings.migration_source.as_ref()
}

/// The user the source vouches for with `password`, stored with it (a new user), or given it
/// (a user copied without a password). None when the pool has no source or the source does
/// not know the name; NotAuthorized when the source refuses the password.
pub async fn on_sign_in(
    svc: &Services,
    pool: &UserPool,
    username: &str,
    password: &str,
    known: Option<&User>,
) -> Result<Option<User>, AuthError> {
    let Some(source) = source_of(pool) else {
        return Ok(None);
    };
    match svc.cognito.check_password(source, username, password).await {
        Ok(()) => {}
        Err(SourceError::UserNotFound) => return Ok(None),
        Err(SourceError::NotAuthorized) => return Err(AuthError::incorrect_credentials()),
        Err(e) => return Err(unavailable(e)),
    }
    let mut user = match known {
        Some(u) => u.clone(),
        None => match copy_user(svc, pool, source, username).await? {
            Some(u) => u,
            None => return Ok(None),
        },
    };
    let previous = user.password_hash.clone();
    passwords::set_password_unchecked(svc, pool, &mut user, password).await?;
    if previous.is_none() {
        svc.store.set_first_password(&user).await?;
    }
    tracing::info!(pool_id = %pool.id, sub = %user.sub, "user's password migrated from the source pool");
    Ok(Some(user))
}

/// ForgotPassword for a user this pool does not have: the user copied from the source,
/// without a password; None when there is no source or it does not know the name.
pub async fn on_forgot_password(
    svc: &Services,
    pool: &UserPool,
    username: &str,
) -> Result<Option<User>, AuthError> {
    let Some(source) = source_of(pool) else {
        return Ok(None);
    };
    copy_user(svc, pool, source, username).await
}

/// Copies one user of the source (attributes, status, groups; no password).
async fn copy_user(
    svc: &Services,
    pool: &UserPool,
    source: &MigrationSource,
    username: &str,
) -> Result<Option<User>, AuthError> {
    let found = match svc.cognito.user(source, username).await {
        Ok(u) => u,
        Err(SourceError::UserNotFound) => return Ok(None),
        Err(e) => return Err(unavailable(e)),
    };
    let groups = svc
        .cognito
        .groups(source, &found.username)
        .await
        .map_err(unavailable)?;
    store_copy(svc, pool, &found, &groups).await.map(Some)
}

/// Stores a copy of a source user; a parallel copy that won gives its user.
async fn store_copy(
    svc: &Services,
    pool: &UserPool,
    found: &SourceUser,
    groups: &[String],
) -> Result<User, AuthError> {
    let mut attributes = found.attributes.clone();
    // The pool makes these; the source's sub is kept as an attribute of the copy.
    let sub = attributes.remove("sub").unwrap_or_else(random::uuid);
    attributes.retain(|name, _| !name.starts_with("cognito:"));
    let status = match found.status.as_str() {
        "UNCONFIRMED" => UserStatus::Unconfirmed,
        "RESET_REQUIRED" => UserStatus::ResetRequired,
        "FORCE_CHANGE_PASSWORD" => UserStatus::ForceChangePassword,
        _ => UserStatus::Confirmed,
    };
    let now = svc.now();
    let mut made = user::new_user(pool, sub, &found.username, attributes, status, now)?;
    made.enabled = found.enabled;
    let write = UserWrite {
        columns: made.columns(pool),
        user: &made,
        insert: true,
    };
    match svc
        .store
        .insert_transferred_user(
            &write,
            &Belongings {
                groups,
                ..Belongings::default()
            },
            now,
        )
        .await
    {
        Ok(()) => Ok(made),
        Err(StoreError::Unique(_)) => find_user(svc, pool, &found.username).await,
        Err(e) => Err(e.into()),
    }
}

/// What [`copy_all`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CopySummary {
    pub copied: u64,
    /// Users this pool has already.
    pub skipped: u64,
    /// Usernames not copied, and why.
    pub failed: Vec<(String, String)>,
}

/// Copies every user of the pool's source that this pool does not have yet.
pub async fn copy_all(svc: &Services, pool_id: &str) -> Result<CopySummary, AuthError> {
    let pool = svc.require_pool(pool_id).await?;
    let source = pool.settings.migration_source.clone().ok_or_else(|| {
        AuthError::InvalidParameter("The user pool has no MigrationSource.".into())
    })?;
    let mut summary = CopySummary::default();
    let mut token: Option<String> = None;
    loop {
        let (users, next) = svc
            .cognito
            .list_users(&source, token.as_deref())
            .await
            .map_err(unavailable)?;
        for found in users {
            match find_user(svc, &pool, &found.username).await {
                Ok(_) => {
                    summary.skipped += 1;
                    continue;
                }
                Err(AuthError::UserNotFound(_)) => {}
                Err(e) => return Err(e),
            }
            let groups = svc
                .cognito
                .groups(&source, &found.username)
                .await
                .map_err(unavailable)?;
            match store_copy(svc, &pool, &found, &groups).await {
                Ok(_) => summary.copied += 1,
                Err(e) => summary.failed.push((found.username.clone(), e.to_string())),
            }
        }
        match next {
            Some(t) => token = Some(t),
            None => return Ok(summary),
        }
    }
}

/// Users copied from the source who have not signed in with a password since (they have
/// none yet), by username.
pub async fn pending(svc: &Services, pool_id: &str) -> Result<Vec<String>, AuthError> {
    let pool = svc.require_pool(pool_id).await?;
    let mut out = Vec::new();
    let mut users = AllUsers::new(svc, &pool);
    loop {
        let page = users.next_page().await?;
        if page.is_empty() {
            return Ok(out);
        }
        out.extend(
            page.iter()
                .filter(|u| u.password_hash.is_none() && u.status != UserStatus::ExternalProvider)
                .map(|u| u.username.clone()),
        );
    }
}

fn unavailable(e: SourceError) -> AuthError {
    tracing::warn!(error = %e, "the migration source pool");
    AuthError::UnexpectedLambda(crate::domain::error::Reason::TriggerUnreachable {
        trigger: "UserMigration",
        cause: e.to_string(),
    })
}
