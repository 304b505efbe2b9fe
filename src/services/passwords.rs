//! Setting a user's password, the one way every path does it (sign-up, admin creation and
//! set-password, change, recovery, NEW_PASSWORD_REQUIRED): the pool's policy, an argon2id
//! hash off the async threads, and the SRP salt and verifier USER_SRP_AUTH needs.

use crate::crypto::srp;
use crate::domain::AuthError;
use crate::domain::pool::UserPool;
use crate::domain::user::User;
use crate::services::Services;

/// Checks `password` against the pool's policy, then stores its hash and SRP verifier on
/// `user` (not yet saved) with `password_changed_at = now`.
pub async fn set_password(
    svc: &Services,
    pool: &UserPool,
    user: &mut User,
    password: &str,
) -> Result<(), AuthError> {
    pool.settings.password_policy.check(password)?;
    set_password_unchecked(svc, pool, user, password).await
}

/// As [`set_password`] without the policy check (generated temporary passwords).
pub async fn set_password_unchecked(
    svc: &Services,
    pool: &UserPool,
    user: &mut User,
    password: &str,
) -> Result<(), AuthError> {
    let hash = svc.hasher.hash(password).await.map_err(AuthError::from)?;
    let verifier = srp::make_verifier(srp::pool_name(&pool.id), &user.username, password);
    user.password_hash = Some(hash);
    user.srp_salt = Some(verifier.salt);
    user.srp_verifier = Some(verifier.verifier);
    user.password_changed_at = Some(svc.now());
    Ok(())
}

/// Whether `password` matches the user's stored hash (false when the user has none). Takes
/// as long as a real check when there is no hash, so timing does not reveal it.
pub async fn verify_password(
    svc: &Services,
    user: Option<&User>,
    password: &str,
) -> Result<bool, AuthError> {
    let hash = user.and_then(|u| u.password_hash.clone());
    svc.hasher
        .verify_or_dummy(hash.as_deref(), password)
        .await
        .map_err(AuthError::from)
}

/// After a sign-in proved `password`: a hash made elsewhere (imported) or with older
/// parameters, or one without the SRP verifier USER_SRP_AUTH needs (an imported argon2id
/// hash), is replaced by an argon2id hash and a verifier.
/// Returns the user as now stored. A busy hasher or a password changed meanwhile leaves the
/// stored hash as it is; the sign-in goes on either way.
pub async fn upgrade_hash(svc: &Services, pool: &UserPool, user: User, password: &str) -> User {
    let Some(previous) = user.password_hash.as_deref() else {
        return user;
    };
    if crate::crypto::password::is_current(previous) && user.srp_verifier.is_some() {
        return user;
    }
    let mut upgraded = user.clone();
    if let Err(e) = set_password_unchecked(svc, pool, &mut upgraded, password).await {
        tracing::info!(error = %e, "password hash not upgraded now");
        return user;
    }
    upgraded.password_changed_at = user.password_changed_at;
    match svc.store.upgrade_password_hash(&upgraded, previous).await {
        Ok(true) => {
            tracing::info!(pool_id = %pool.id, sub = %user.sub, "password hash upgraded to argon2id");
            upgraded
        }
        Ok(false) => user,
        Err(e) => {
            tracing::warn!(error = %e, "password hash not upgraded");
            user
        }
    }
}
