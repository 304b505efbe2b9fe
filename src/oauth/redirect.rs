//! Redirects of the browser-facing OAuth endpoints: to the client (only to a checked URL), or
//! to the pool's error page when the client cannot be trusted.

use crate::domain::oauth_error::OAuthError;
use crate::http::site::Site;
use crate::services::oauth::authorize::AuthorizeError;
use actix_web::HttpResponse;
use actix_web::http::header;

/// `302 Found` to `url`; never cached.
pub fn found(url: &str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, url))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// `302` to the pool's `/error` page describing `e` (Cognito's behaviour for an untrusted
/// client or redirect URI, reference §1.2).
pub fn error_page(site: &Site, e: &OAuthError) -> HttpResponse {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("error", e.error.as_str());
    q.append_pair("error_description", &e.description);
    found(&format!("{}?{}", site.path("/error"), q.finish()))
}

/// Renders an authorization error: back to the client, or the error page.
pub fn authorize_error(site: &Site, e: AuthorizeError) -> HttpResponse {
    match e {
        AuthorizeError::Redirect(url) => found(&url),
        AuthorizeError::ErrorPage(e) => error_page(site, &e),
    }
}
