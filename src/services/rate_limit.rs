//! Rate limits kept in the database, so that every node behind a load balancer counts the same
//! hits: a window per bucket, opened by its first hit (per client IP and action group for the
//! public actions, per user and action for code requests). Over the limit:
//! TooManyRequestsException "Rate exceeded", as Cognito answers.
//!
//! Sign-ins and token refreshes count only their failures ([`check_failures`], [`failed`]):
//! guessing is stopped, and a backend signing its users in from one address is not (a load
//! test from one address had most of its sign-ins refused when every attempt counted).
//! Sign-ups and recovery, which send messages, count every request.

use crate::domain::AuthError;
use crate::services::Services;

/// Counts a hit on `bucket` and refuses it when the window already had `limit` hits.
/// `limit == 0` turns the limit off.
pub async fn check(
    svc: &Services,
    bucket: &str,
    limit: u32,
    window_ms: i64,
) -> Result<(), AuthError> {
    if limit == 0 {
        return Ok(());
    }
    let hits = svc.store.count_hit(bucket, svc.now(), window_ms).await?;
    if hits > i64::from(limit) {
        return Err(AuthError::TooManyRequests("Rate exceeded".into()));
    }
    Ok(())
}

/// Refuses a request when `bucket` already had `limit` failures in the window; counts nothing
/// (see [`failed`]). `limit == 0` turns the limit off.
pub async fn check_failures(
    svc: &Services,
    bucket: &str,
    limit: u32,
    window_ms: i64,
) -> Result<(), AuthError> {
    if limit == 0 {
        return Ok(());
    }
    let failures = svc.store.peek_hits(bucket, svc.now(), window_ms).await?;
    if failures >= i64::from(limit) {
        return Err(AuthError::TooManyRequests("Rate exceeded".into()));
    }
    Ok(())
}

/// Whether an error is the caller's failure (a wrong password or code, an unknown user, a
/// malformed request), not ours nor a refusal for the limit itself: what [`failed`] counts.
pub fn is_callers(error: &AuthError) -> bool {
    !matches!(
        error,
        AuthError::Internal(_) | AuthError::TooManyRequests(_)
    )
}

/// Counts a failed attempt on `bucket` (see [`is_callers`]).
pub async fn failed(svc: &Services, bucket: &str, limit: u32, window_ms: i64) {
    if limit == 0 {
        return;
    }
    if let Err(e) = svc.store.count_hit(bucket, svc.now(), window_ms).await {
        tracing::error!(cause = %e, "counting a failed attempt");
    }
}
