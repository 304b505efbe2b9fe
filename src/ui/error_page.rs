//! `GET /error?error=…&error_description=…` (reference §1.2): where an authorization request
//! with an untrusted client or redirect URI ends — HTTP 400, "An error was encountered with
//! the requested page.", and the description.

use super::page;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

/// Longest description shown.
const MAX_DESCRIPTION: usize = 500;

/// `GET /error`.
pub async fn get(req: HttpRequest) -> HttpResponse {
    let description: String = page::query_param(&req, "error_description")
        .or_else(|| page::query_param(&req, "error"))
        .unwrap_or_default()
        .chars()
        .take(MAX_DESCRIPTION)
        .collect();
    page::error_page(StatusCode::BAD_REQUEST, &description)
}
