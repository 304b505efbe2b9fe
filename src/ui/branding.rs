//! Serves a pool's or client's custom CSS and logo (SetUICustomization) to the hosted pages:
//! `GET {base}/ui/custom.css?client_id=…` and `GET {base}/ui/logo?client_id=…`, each the
//! customization that applies to that client (its own, else the pool's; `client_id` absent or
//! "ALL": the pool's), 404 when there is none. A request carrying the current version (`v`,
//! as the pages and `ImageUrl` put it) may be cached for a year; one without, for a minute.

use crate::http::site::Site;
use crate::services::Services;
use crate::services::branding;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

/// Mounts `/ui/custom.css` and `/ui/logo` (query `client_id`: "ALL" or a client id).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/ui/custom.css", web::get().to(css))
        .route("/ui/logo", web::get().to(logo));
}

/// The query of both routes.
#[derive(Deserialize)]
pub struct AssetQuery {
    pub client_id: Option<String>,
    /// The version the page links; only decides how long the answer may be cached.
    pub v: Option<String>,
}

fn cache_control(query: &AssetQuery, version: i64) -> &'static str {
    if query.v.as_deref() == Some(version.to_string().as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=60"
    }
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body("No customization is set.")
}

fn internal(e: crate::domain::AuthError) -> HttpResponse {
    tracing::error!(cause = %e, "serving a UI customization");
    HttpResponse::InternalServerError()
        .content_type("text/plain; charset=utf-8")
        .body("An internal error occurred.")
}

async fn css(svc: web::Data<Services>, site: Site, query: web::Query<AssetQuery>) -> HttpResponse {
    let found = match branding::effective(&svc, &site.pool_id, query.client_id.as_deref()).await {
        Ok(found) => found,
        Err(e) => return internal(e),
    };
    match found {
        Some(c) if c.css.is_some() => HttpResponse::Ok()
            .content_type("text/css; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, cache_control(&query, c.version)))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(c.css.unwrap_or_default()),
        _ => not_found(),
    }
}

async fn logo(svc: web::Data<Services>, site: Site, query: web::Query<AssetQuery>) -> HttpResponse {
    match branding::effective_logo(&svc, &site.pool_id, query.client_id.as_deref()).await {
        Ok(Some(logo)) => HttpResponse::Ok()
            .content_type(logo.content_type)
            .insert_header((header::CACHE_CONTROL, cache_control(&query, logo.version)))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(logo.bytes),
        Ok(None) => not_found(),
        Err(e) => internal(e),
    }
}
