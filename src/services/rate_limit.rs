//! Rate limits kept in the database, so that every node behind a load balancer counts the same
//! hits: a window per bucket, opened by its first hit (per client IP and action group for the public actions,
//! per user and action for code requests). Over the limit: TooManyRequestsException
//! "Rate exceeded", as Cognito answers.

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
