//! `POST /oauth2/token` (reference §1.5, RFC 6749 §3.2): form body, client authentication by
//! `client_secret_basic` or `client_secret_post`, one grant per request. The form and client
//! parsing here is shared with `/oauth2/revoke`.
//!
//! Nothing of a request is logged: its secrets, codes and tokens are in the body.

use super::error::{no_store, token_error};
use crate::domain::oauth_error::{OAuthError, OAuthErrorCode};
use crate::http::site::Site;
use crate::services::Services;
use crate::services::oauth::grants::{self, ClientAuth, Grant, TokenResponse};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use std::collections::HashMap;

/// Largest form accepted: codes, verifiers and refresh tokens are short.
const MAX_FORM_BYTES: usize = 16 * 1024;

/// A parsed `application/x-www-form-urlencoded` body: each parameter at most once (RFC 6749
/// §3.2), empty values treated as absent (§3.1).
pub(super) type Form = HashMap<String, String>;

/// Whether the request says its body is a form (parameters such as `charset` allowed).
pub(super) fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| {
            t.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// Parses the form body of a token or revocation request.
pub(super) fn parse_form(req: &HttpRequest, body: &[u8]) -> Result<Form, OAuthError> {
    if !is_form(req) {
        return Err(OAuthError::invalid_request(
            "The body must be application/x-www-form-urlencoded.",
        ));
    }
    if body.len() > MAX_FORM_BYTES {
        return Err(OAuthError::invalid_request(
            "The request body is too large.",
        ));
    }
    let mut form = Form::new();
    for (name, value) in url::form_urlencoded::parse(body) {
        if value.is_empty() {
            continue;
        }
        if form.insert(name.to_string(), value.into_owned()).is_some() {
            return Err(OAuthError::invalid_request(format!(
                "The parameter {name} is given more than once."
            )));
        }
    }
    Ok(form)
}

/// The client's credentials as presented, and whether HTTP Basic was used (its failures get a
/// `WWW-Authenticate: Basic` challenge).
pub(crate) struct Presented {
    pub auth: ClientAuth,
    pub basic: bool,
}

/// One part of Basic credentials: RFC 6749 §2.3.1 form-encodes the id and the secret before
/// Basic-encoding them.
fn form_decode(part: &str) -> Option<String> {
    percent_encoding::percent_decode_str(&part.replace('+', " "))
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

fn basic_credentials(value: &str) -> Option<(String, String)> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

/// Finds the client authentication of a request: `Authorization: Basic` or `client_id` (and
/// `client_secret`) in the form; never both kinds at once (RFC 6749 §2.3). Errors come with
/// whether Basic was tried.
pub(super) fn presented_client(
    req: &HttpRequest,
    form: &Form,
) -> Result<Presented, (OAuthError, bool)> {
    let failed = || OAuthError::invalid_client("Client authentication failed.");
    let Some(authorization) = req.headers().get(header::AUTHORIZATION) else {
        return match form.get("client_id") {
            Some(id) => Ok(Presented {
                auth: ClientAuth {
                    client_id: id.clone(),
                    client_secret: form.get("client_secret").cloned(),
                },
                basic: false,
            }),
            None => Err((failed(), false)),
        };
    };
    let value = authorization.to_str().unwrap_or_default();
    let basic = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("basic") => rest,
        // Only client_secret_basic and client_secret_post are supported.
        _ => return Err((failed(), false)),
    };
    let Some((client_id, secret)) = basic_credentials(basic).filter(|(id, _)| !id.is_empty())
    else {
        return Err((failed(), true));
    };
    if form.contains_key("client_secret") {
        return Err((
            OAuthError::invalid_request("Use one client authentication method, not two."),
            true,
        ));
    }
    if form.get("client_id").is_some_and(|id| *id != client_id) {
        return Err((
            OAuthError::invalid_request("client_id differs from the Authorization header."),
            true,
        ));
    }
    Ok(Presented {
        auth: ClientAuth {
            client_id,
            client_secret: Some(secret),
        },
        basic: true,
    })
}

fn required(form: &Form, name: &str) -> Result<String, OAuthError> {
    form.get(name)
        .cloned()
        .ok_or_else(|| OAuthError::invalid_request(format!("{name} is required.")))
}

/// The grant a token request asks for.
fn grant(form: &Form) -> Result<Grant, OAuthError> {
    match form.get("grant_type").map(String::as_str) {
        None => Err(OAuthError::invalid_request("grant_type is required.")),
        Some("authorization_code") => Ok(Grant::AuthorizationCode {
            code: required(form, "code")?,
            redirect_uri: form.get("redirect_uri").cloned(),
            code_verifier: form.get("code_verifier").cloned(),
        }),
        Some("refresh_token") => Ok(Grant::RefreshToken {
            refresh_token: required(form, "refresh_token")?,
            scope: form.get("scope").cloned(),
        }),
        Some("client_credentials") => Ok(Grant::ClientCredentials {
            scope: form.get("scope").cloned(),
        }),
        Some(other) => Err(OAuthError::new(
            OAuthErrorCode::UnsupportedGrantType,
            format!("grant_type {other} is not supported."),
        )),
    }
}

/// Reads a token request: its form, the client's credentials and the grant. Errors come with
/// whether Basic was tried.
pub(crate) fn read_request(
    req: &HttpRequest,
    body: &[u8],
) -> Result<(Presented, Grant), (OAuthError, bool)> {
    let form = parse_form(req, body).map_err(|e| (e, false))?;
    let presented = presented_client(req, &form)?;
    let grant = grant(&form).map_err(|e| (e, presented.basic))?;
    Ok((presented, grant))
}

fn success(t: TokenResponse) -> HttpResponse {
    let mut body = serde_json::Map::new();
    body.insert("access_token".into(), t.access_token.into());
    if let Some(id) = t.id_token {
        body.insert("id_token".into(), id.into());
    }
    if let Some(refresh) = t.refresh_token {
        body.insert("refresh_token".into(), refresh.into());
    }
    body.insert("token_type".into(), "Bearer".into());
    body.insert("expires_in".into(), t.expires_in.into());
    no_store(HttpResponse::Ok()).json(body)
}

pub async fn post(
    svc: web::Data<Services>,
    site: Site,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let (presented, grant) = match read_request(&req, &body) {
        Ok(read) => read,
        Err((e, basic)) => return token_error(&e, basic),
    };
    match grants::token(&svc, &site.pool_id, presented.auth, grant).await {
        Ok(t) => success(t),
        Err(e) => token_error(&e, presented.basic),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        // id "a b", secret "x:y+z/" form-encoded, then Basic-encoded.
        let encoded = base64::engine::general_purpose::STANDARD.encode("a+b:x%3Ay%2Bz%2F");
        assert_eq!(
            basic_credentials(&encoded),
            Some(("a b".to_string(), "x:y+z/".to_string()))
        );
        assert_eq!(basic_credentials("not base64!"), None);
        let no_colon = base64::engine::general_purpose::STANDARD.encode("abc");
        assert_eq!(basic_credentials(&no_colon), None);
    }
}
