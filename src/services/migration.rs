//! Users brought in by the UserMigration trigger (reference §7): the function vouches for a
//! user this pool does not know yet, and the user is stored with the attributes and status it
//! returned, and the password the person typed (kept as Tessera keeps every password; the
//! pool's password policy does not apply to it, as in Cognito).

use crate::crypto::random;
use crate::domain::AuthError;
use crate::domain::pool::UserPool;
use crate::domain::user::{self, User};
use crate::services::admin::users::{SaveMode, find_user, save_user};
use crate::services::triggers::Migrated;
use crate::services::{Services, passwords};

/// Stores a migrated user under the name the person typed.
pub async fn store_migrated(
    svc: &Services,
    pool: &UserPool,
    username: &str,
    migrated: Migrated,
    password: Option<&str>,
) -> Result<User, AuthError> {
    let mut attributes = migrated.attributes;
    // The pool makes these; a function cannot choose them.
    attributes
        .retain(|name, _| name != "sub" && name != "username" && !name.starts_with("cognito:"));
    let mut user = user::new_user(
        pool,
        random::uuid(),
        username,
        attributes,
        migrated.status,
        svc.now(),
    )?;
    if let Some(p) = password {
        passwords::set_password_unchecked(svc, pool, &mut user, p).await?;
    }
    match save_user(svc, pool, &user, SaveMode::Insert, false).await {
        Ok(_) => {}
        // A parallel sign-in of the same person stored the user first: theirs stands, and this
        // sign-in goes on with it if the password is the one stored.
        Err(AuthError::UsernameExists(_)) => {
            let stored = find_user(svc, pool, username).await?;
            let same = match password {
                Some(p) => passwords::verify_password(svc, Some(&stored), p).await?,
                None => true,
            };
            return match same {
                true => Ok(stored),
                false => Err(AuthError::incorrect_credentials()),
            };
        }
        Err(e) => return Err(e),
    }
    tracing::info!(pool_id = %pool.id, sub = %user.sub, status = user.status.as_str(), "user migrated");
    Ok(user)
}
