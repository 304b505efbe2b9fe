//! Request metrics and `GET /metrics` (DESIGN §2 Operations). Every request is counted by its
//! door and action: the JSON API by its Cognito action (`X-Amz-Target`, one the server
//! implements, else `unknown`), the other doors by their route without the pool id
//! (`/oauth2/token`, `/login`); health checks, `/metrics` and static assets are not counted.
//! `/metrics` answers in the OpenMetrics text format, behind `TESSERA_METRICS_TOKEN` as a bearer
//! token when it is set.

use crate::crypto::constant_time_eq;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use std::borrow::Cow;

/// Where `GET /metrics` is served, and the token it wants.
#[derive(Clone)]
pub struct MetricsAccess {
    pub token: Option<crate::config::Secret>,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(metrics));
}

async fn metrics(
    req: HttpRequest,
    access: web::Data<MetricsAccess>,
    svc: web::Data<crate::services::Services>,
) -> HttpResponse {
    if let Some(token) = &access.token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !constant_time_eq(given.as_bytes(), token.expose().as_bytes()) {
            return HttpResponse::Unauthorized()
                .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
                .finish();
        }
    }
    let (idle, in_use) = svc.store.connection_counts();
    crate::metrics::db_connections(idle, in_use);
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(crate::metrics::encode())
}

/// Which door a request came through and what it asked, or None for what is not counted.
fn door_and_action(req: &HttpRequest) -> Option<(&'static str, Cow<'static, str>)> {
    if req.path() == "/" {
        let target = req
            .headers()
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .and_then(|t| t.rsplit('.').next())
            .unwrap_or_default();
        let known = crate::api::dispatch::IMPLEMENTED
            .iter()
            .find(|a| **a == target)
            .copied();
        return Some(("api", Cow::Borrowed(known.unwrap_or("unknown"))));
    }
    let pattern = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    // The route without its `/{pool_id…}` segment.
    let route = match pattern.strip_prefix("/{pool_id") {
        Some(rest) => rest.split_once('}').map_or("", |(_, r)| r).to_string(),
        None => pattern,
    };
    let door = if route == "/metrics"
        || route == "/health"
        || route == "/ready"
        || route.starts_with("/static/")
    {
        return None;
    } else if route.starts_with("/oauth2/")
        || route.starts_with("/.well-known/")
        || route == "/logout"
    {
        "oauth"
    } else if route.starts_with("/admin") {
        "console"
    } else {
        "ui"
    };
    Some((door, Cow::Owned(route)))
}

/// Counts an answered request (called by the request-id middleware, which times it).
pub fn observe(req: &HttpRequest, status: u16, seconds: f64) {
    if let Some((door, action)) = door_and_action(req) {
        crate::metrics::request(door, action, status, seconds);
    }
}
