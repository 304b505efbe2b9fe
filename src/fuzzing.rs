//! Entry points for the fuzz targets in `tests/fuzz/` (docs/fuzzing.md): the parsers behind
//! the doors that are not reachable from outside the crate, each behind one small function that
//! calls the real code. The server never calls anything here; the parsers that are already
//! public (`Filter::parse`, `sigv4`, `jwt`, `css::check`, …) are fuzzed directly.

use crate::domain::oauth_error::OAuthError;
use crate::services::federation::Answer;
use crate::services::oauth::grants::{ClientAuth, Grant};
use serde_json::{Map, Value};

/// `POST /oauth2/token` as far as the door reads it (no service is called): the form, the
/// client's credentials (`Authorization: Basic` or the form's) and the grant. The error comes
/// with whether Basic was tried.
pub fn token_request(
    content_type: Option<&str>,
    authorization: Option<&[u8]>,
    body: &[u8],
) -> Result<(ClientAuth, Grant), (OAuthError, bool)> {
    let mut req = actix_web::test::TestRequest::post().uri("/oauth2/token");
    if let Some(t) = content_type {
        req = req.insert_header((actix_web::http::header::CONTENT_TYPE, t));
    }
    if let Some(value) =
        authorization.and_then(|a| actix_web::http::header::HeaderValue::from_bytes(a).ok())
    {
        req = req.insert_header((actix_web::http::header::AUTHORIZATION, value));
    }
    let req = req.to_http_request();
    crate::oauth::token::read_request(&req, body).map(|(p, g)| (p.auth, g))
}

/// The upstream's answer at `/oauth2/idpresponse`, from its query or posted form.
pub fn idp_answer(query: &[u8]) -> Answer {
    crate::oauth::idpresponse::answer_of(url::form_urlencoded::parse(query))
}

/// The query `POST /oauth2/idpresponse` hands `answer` on to the GET with.
pub fn idp_hand_on(answer: &Answer) -> String {
    crate::oauth::idpresponse::query_of(answer)
}

/// Adds the name Sign in with Apple posts (`user`) to an account's claims.
pub fn apple_name(claims: &mut Map<String, Value>, user: &str) {
    crate::services::federation::apple_name(claims, user)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::oauth_error::OAuthErrorCode;

    #[test]
    fn the_entry_points_read_what_the_doors_read() {
        let (auth, grant) = token_request(
            Some("application/x-www-form-urlencoded"),
            None,
            b"grant_type=client_credentials&client_id=c&client_secret=s",
        )
        .unwrap();
        assert_eq!(auth.client_id, "c");
        assert!(matches!(grant, Grant::ClientCredentials { scope: None }));
        let (e, basic) = token_request(None, Some(b"Basic !!"), b"").unwrap_err();
        assert_eq!((e.error, basic), (OAuthErrorCode::InvalidRequest, false));
        let answer = idp_answer(b"code=c&state=s&state=t");
        assert_eq!(answer.code.as_deref(), Some("c"));
        assert_eq!(answer.state.as_deref(), Some(""));
        let mut claims = Map::new();
        apple_name(&mut claims, r#"{"name":{"firstName":"Ann"}}"#);
        assert_eq!(claims["firstName"], "Ann");
    }
}
