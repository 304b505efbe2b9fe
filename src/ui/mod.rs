//! The hosted UI door (reference §1.3): server-rendered sign-in, sign-up, confirmation,
//! password recovery and new-password pages (askama), reached through `/oauth2/authorize` and
//! carrying the authorization request from page to page. Each page is a handler pair
//! (`get` / `post`) over the services; nothing here decides a rule.

pub mod branding;
pub mod session;

use actix_web::web;

/// Mounts the static assets of the hosted pages (`/static/…`, shared by every pool).
pub fn configure_static(cfg: &mut web::ServiceConfig) {
    let _ = cfg;
}

/// Mounts the hosted pages (under `/{poolId}` and at the root of a pool domain).
pub fn configure(cfg: &mut web::ServiceConfig) {
    branding::configure(cfg);
}
