//! Per-IP limits for the browser-facing endpoints (hosted-page POSTs, `/oauth2/authorize`):
//! the same buckets as the JSON API's unauthenticated actions (`ip:{ip}:{group}`), counted in
//! the database so every node agrees, `TESSERA_RATE_LIMIT_PER_IP` a minute. Sign-in pages
//! (group `auth`) count failed attempts only ([`failed`]); the others every POST.

use crate::api::ApiState;
use crate::domain::AuthError;
use crate::services::{Services, rate_limit};
use actix_web::{HttpRequest, web};

/// Counts a request against the per-IP limit of its group (`auth`, `sign_up`, `recovery`).
pub async fn per_ip(svc: &Services, req: &HttpRequest, group: &str) -> Result<(), AuthError> {
    let Some(state) = req.app_data::<web::Data<ApiState>>() else {
        return Ok(());
    };
    let ip = super::client_ip::client_ip(req, state.trust_forwarded_for);
    let bucket = format!("ip:{ip}:{group}");
    let limit = state.rate_limit_per_ip;
    if group == FAILURES_ONLY {
        rate_limit::check_failures(svc, &bucket, limit, 60_000).await
    } else {
        rate_limit::check(svc, &bucket, limit, 60_000).await
    }
}

/// The group whose limit counts failed attempts only.
const FAILURES_ONLY: &str = "auth";

/// Counts a failed sign-in step of the hosted pages against the client IP, when `error` is
/// the caller's ([`rate_limit::is_callers`]).
pub async fn failed(svc: &Services, req: &HttpRequest, error: &AuthError) {
    let Some(state) = req.app_data::<web::Data<ApiState>>() else {
        return;
    };
    if !rate_limit::is_callers(error) {
        return;
    }
    let ip = super::client_ip::client_ip(req, state.trust_forwarded_for);
    let bucket = format!("ip:{ip}:{FAILURES_ONLY}");
    rate_limit::failed(svc, &bucket, state.rate_limit_per_ip, 60_000).await;
}
