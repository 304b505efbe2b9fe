//! OAuth errors as HTTP responses: the token and revocation endpoints answer with a JSON body
//! `{"error", "error_description"}` (RFC 6749 §5.2, RFC 7009 §2.2.1), the userInfo endpoint
//! with a `WWW-Authenticate: Bearer` challenge too (RFC 6750 §3). Our own faults were logged
//! where they happened (`services::oauth::internal`) and show only `server_error`.

use crate::domain::oauth_error::{OAuthError, OAuthErrorCode};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, HttpResponseBuilder};

/// The headers every token-endpoint answer carries (RFC 6749 §5.1; CORS as Cognito's token
/// endpoint answers, reference §1.0).
pub fn no_store(mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
    builder
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::ACCESS_CONTROL_EXPOSE_HEADERS, "WWW-Authenticate"));
    builder
}

/// The CORS pre-flight answer of the back-channel endpoints (token, userInfo, revoke), which
/// single-page apps call from the browser with an `Authorization` header: any origin may call
/// them, as Cognito's token endpoint allows (reference §1.0); no cookies are involved.
pub async fn preflight() -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, OPTIONS"))
        .insert_header((
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            "Authorization, Content-Type",
        ))
        .insert_header((header::ACCESS_CONTROL_MAX_AGE, "86400"))
        .finish()
}

fn body(e: &OAuthError) -> serde_json::Value {
    serde_json::json!({ "error": e.error.as_str(), "error_description": e.description })
}

/// A token or revocation endpoint error. `invalid_client` is 401, with a `Basic` challenge
/// when the client tried HTTP Basic authentication (RFC 6749 §5.2); `server_error` is 500;
/// everything else 400.
pub fn token_error(e: &OAuthError, basic_used: bool) -> HttpResponse {
    let status = match e.error {
        OAuthErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
        OAuthErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    let mut builder = no_store(HttpResponse::build(status));
    if status == StatusCode::UNAUTHORIZED && basic_used {
        builder.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"oauth2\""));
    }
    builder.json(body(e))
}

/// A quoted-string for a challenge parameter: quotes and backslashes are dropped, so a
/// description can never break the header.
fn quoted(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '"' && *c != '\\' && !c.is_control())
        .collect()
}

/// A userInfo error (RFC 6750 §3.1): `invalid_token` 401, `insufficient_scope` 403,
/// `invalid_request` 400, each with its `WWW-Authenticate: Bearer error=…` challenge;
/// `server_error` 500.
pub fn bearer_error(e: &OAuthError) -> HttpResponse {
    let status = match e.error {
        OAuthErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
        OAuthErrorCode::InsufficientScope => StatusCode::FORBIDDEN,
        OAuthErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    let mut builder = no_store(HttpResponse::build(status));
    if status != StatusCode::INTERNAL_SERVER_ERROR {
        let mut challenge = format!(
            "Bearer error=\"{}\", error_description=\"{}\"",
            e.error.as_str(),
            quoted(&e.description)
        );
        if e.error == OAuthErrorCode::InsufficientScope {
            challenge.push_str(", scope=\"openid\"");
        }
        builder.insert_header((header::WWW_AUTHENTICATE, challenge));
    }
    builder.json(body(e))
}

/// A userInfo request with no access token at all: 401 with a bare `Bearer` challenge, no
/// error code (RFC 6750 §3.1).
pub fn bearer_missing() -> HttpResponse {
    no_store(HttpResponse::Unauthorized())
        .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
        .json(body(&OAuthError::invalid_request(
            "An access token is required (Authorization: Bearer).",
        )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_challenges() {
        let r = token_error(&OAuthError::invalid_client("no"), true);
        assert_eq!(r.status(), 401);
        assert!(r.headers().contains_key(header::WWW_AUTHENTICATE));
        let r = token_error(&OAuthError::invalid_client("no"), false);
        assert!(!r.headers().contains_key(header::WWW_AUTHENTICATE));
        assert_eq!(
            token_error(&OAuthError::invalid_grant("no"), true).status(),
            400
        );
        let r = bearer_error(&OAuthError::invalid_token("bad \"token\""));
        assert_eq!(r.status(), 401);
        assert_eq!(
            r.headers().get(header::WWW_AUTHENTICATE).unwrap(),
            "Bearer error=\"invalid_token\", error_description=\"bad token\""
        );
    }
}
