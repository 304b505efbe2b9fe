//! `GET|POST /oauth2/userInfo` (reference §1.6): the user's claims for a bearer access token,
//! sent in the `Authorization: Bearer` header (RFC 6750 §2.1) or, on POST, as the
//! `access_token` form parameter (§2.2) — one of the two, never both.

use super::error::{bearer_error, bearer_missing, no_store};
use super::token::{is_form, parse_form};
use crate::domain::oauth_error::OAuthError;
use crate::http::site::Site;
use crate::services::Services;
use crate::services::oauth::userinfo;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

/// The token of an `Authorization: Bearer` header; None when there is no Bearer header.
fn header_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}

async fn answer(svc: &Services, site: &Site, token: Option<String>) -> HttpResponse {
    let Some(token) = token else {
        return bearer_missing();
    };
    match userinfo::userinfo(svc, &site.pool_id, &token).await {
        Ok(claims) => no_store(HttpResponse::Ok()).json(claims),
        Err(e) => bearer_error(&e),
    }
}

pub async fn get(svc: web::Data<Services>, site: Site, req: HttpRequest) -> HttpResponse {
    answer(&svc, &site, header_token(&req)).await
}

pub async fn post(
    svc: web::Data<Services>,
    site: Site,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let from_header = header_token(&req);
    let from_form = if is_form(&req) {
        match parse_form(&req, &body) {
            Ok(mut form) => form.remove("access_token"),
            Err(e) => return bearer_error(&e),
        }
    } else {
        None
    };
    let token = match (from_header, from_form) {
        (Some(_), Some(_)) => {
            return bearer_error(&OAuthError::invalid_request(
                "Send the access token once: in the header or in the body.",
            ));
        }
        (h, f) => h.or(f),
    };
    answer(&svc, &site, token).await
}
