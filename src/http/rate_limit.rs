//! Per-IP limits for the browser-facing endpoints (hosted-page POSTs, `/oauth2/authorize`):
//! the same buckets as the JSON API's unauthenticated actions (`ip:{ip}:{group}`), counted in
//! the database so every node agrees, `TESSERA_RATE_LIMIT_PER_IP` calls a minute.

use crate::api::ApiState;
use crate::domain::AuthError;
use crate::services::Services;
use actix_web::{HttpRequest, web};

/// Counts a request against the per-IP limit of its group (`auth`, `sign_up`, `recovery`).
pub async fn per_ip(svc: &Services, req: &HttpRequest, group: &str) -> Result<(), AuthError> {
    let Some(state) = req.app_data::<web::Data<ApiState>>() else {
        return Ok(());
    };
    let ip = super::client_ip::client_ip(req, state.trust_forwarded_for);
    let bucket = format!("ip:{ip}:{group}");
    crate::services::rate_limit::check(svc, &bucket, state.rate_limit_per_ip, 60_000).await
}
