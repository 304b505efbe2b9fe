//! The hosted pages' static assets (`static/`), compiled into the binary and served at
//! `/static/…` for every pool. Pages link them with a content hash in the URL (`?v=`), so
//! browsers may keep them for a year and still see a new version at once.

use crate::http::security_headers;
use actix_web::http::header;
use actix_web::{HttpResponse, middleware, web};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// Tessera's default theme.
const STYLESHEET: &str = include_str!("../../static/css/tessera.css");

/// The path the style sheet is served at.
pub const STYLESHEET_PATH: &str = "/static/css/tessera.css";

/// The first 16 hex digits of the style sheet's SHA-256.
static STYLESHEET_VERSION: LazyLock<String> =
    LazyLock::new(|| hex::encode(Sha256::digest(STYLESHEET.as_bytes()))[..16].to_string());

/// The style sheet's URL, versioned by its content.
pub fn stylesheet_url() -> String {
    format!("{STYLESHEET_PATH}?v={}", *STYLESHEET_VERSION)
}

/// The passkey pages' script: the only script Tessera serves.
const PASSKEY_SCRIPT: &str = include_str!("../../static/js/passkey.js");

/// The path the passkey script is served at.
pub const PASSKEY_SCRIPT_PATH: &str = "/static/js/passkey.js";

static PASSKEY_SCRIPT_VERSION: LazyLock<String> =
    LazyLock::new(|| hex::encode(Sha256::digest(PASSKEY_SCRIPT.as_bytes()))[..16].to_string());

/// The passkey script's URL, versioned by its content.
pub fn passkey_script_url() -> String {
    format!("{PASSKEY_SCRIPT_PATH}?v={}", *PASSKEY_SCRIPT_VERSION)
}

/// Mounts the assets under `/static`, with the security headers of the pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/static")
            .wrap(middleware::from_fn(security_headers::middleware))
            .route("/css/tessera.css", web::get().to(stylesheet))
            .route("/js/passkey.js", web::get().to(passkey_script)),
    );
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::ETAG, format!("\"{}\"", *STYLESHEET_VERSION)))
        .body(STYLESHEET)
}

async fn passkey_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::ETAG, format!("\"{}\"", *PASSKEY_SCRIPT_VERSION)))
        .body(PASSKEY_SCRIPT)
}
