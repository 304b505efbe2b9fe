//! The OAuth 2.0 / OpenID Connect door. Each pool is an issuer, `{PUBLIC_URL}/{poolId}`
//! (DESIGN §2 "Addresses"), with its `/.well-known/` documents there; its endpoints
//! (`/oauth2/authorize`, `/oauth2/token`, `/oauth2/userInfo`, `/oauth2/revoke`, `/logout`)
//! are served under `{PUBLIC_URL}/{poolId}` and on the pool's domain. Like the other doors it
//! only parses, calls a service (`services::oauth`, `services::keys`) and renders.

pub mod authorize;
pub mod discovery;
pub mod error;
pub mod idpresponse;
pub mod jwks;
pub mod logout;
pub mod redirect;
pub mod revoke;
pub mod token;
pub mod userinfo;

use crate::domain::AuthError;
use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web;
use std::sync::Arc;

/// Mounts the `/.well-known/` routes of every pool.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/{pool_id}/.well-known/jwks.json", web::get().to(jwks::get))
        .route(
            "/{pool_id}/.well-known/openid-configuration",
            web::get().to(discovery::get),
        );
}

/// Mounts a pool's OAuth endpoints (under `/{poolId}` and at the root of a pool domain).
pub fn configure_site(cfg: &mut web::ServiceConfig) {
    cfg.route("/oauth2/authorize", web::get().to(authorize::get))
        .route("/oauth2/token", web::post().to(token::post))
        .route("/oauth2/userInfo", web::get().to(userinfo::get))
        .route("/oauth2/userInfo", web::post().to(userinfo::post))
        .route("/oauth2/revoke", web::post().to(revoke::post))
        .route("/logout", web::get().to(logout::get))
        .route("/oauth2/idpresponse", web::get().to(idpresponse::get))
        .route("/oauth2/idpresponse", web::post().to(idpresponse::post))
        .route("/oauth2/idplogout", web::get().to(logout::upstream_done));
    for path in ["/oauth2/token", "/oauth2/userInfo", "/oauth2/revoke"] {
        cfg.route(
            path,
            web::method(actix_web::http::Method::OPTIONS).to(error::preflight),
        );
    }
}

/// A JSON document from memory, cacheable by clients for `max_age` seconds.
fn document(body: Arc<str>, max_age: u32) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, format!("public, max-age={max_age}")))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(body.to_string())
}

/// An error as a JSON body `{"error": …}`: 404 for an unknown pool, 500 (logged, generic) for
/// our own faults.
fn error(e: AuthError) -> HttpResponse {
    match e {
        AuthError::ResourceNotFound(message) => {
            HttpResponse::NotFound().json(serde_json::json!({ "error": message.to_string() }))
        }
        AuthError::Internal(cause) => {
            tracing::error!(%cause, "internal error");
            HttpResponse::InternalServerError()
                .json(serde_json::json!({ "error": "An internal error occurred." }))
        }
        other => HttpResponse::BadRequest().json(serde_json::json!({ "error": other.to_string() })),
    }
}
