//! Security headers of the hosted pages and the browser-facing OAuth endpoints (DESIGN §4):
//! a Content-Security-Policy that allows only the server's own style sheets and images (no
//! script at all, no framing, no `<base>`), `X-Frame-Options: DENY`, `nosniff`, no Referer
//! (page URLs carry authorization requests), and `Cache-Control: no-store` (pages carry CSRF
//! tokens). A header a handler has set itself (the long cache of a versioned asset) is kept.
//! A 429 or 503 page gets `Retry-After`.
//!
//! The policy has no `form-action`: browsers apply it to the redirects that follow a form
//! POST, and the sign-in form's answer is a redirect to the client's callback URL.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;

/// The Content-Security-Policy of every page.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";

/// `Retry-After` of a page refused with 429 or 503 (a limit or overload).
pub const RETRY_AFTER_SECONDS: &str = "10";

/// The headers and their values.
const HEADERS: [(HeaderName, &str); 5] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::CACHE_CONTROL, "no-store"),
];

/// Adds the security headers a response does not already carry.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let busy = matches!(response.status().as_u16(), 429 | 503);
    let headers = response.headers_mut();
    // A page refused for a limit or overload says when to try again.
    if busy && !headers.contains_key(header::RETRY_AFTER) {
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(RETRY_AFTER_SECONDS),
        );
    }
    for (name, value) in HEADERS {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    Ok(response)
}
