//! `POST /oauth2/revoke` (reference §1.7, RFC 7009): form `token` (and an optional
//! `token_type_hint`, which is not needed: only refresh tokens are revocable), client
//! authentication as at the token endpoint. Success is HTTP 200 with an empty body.

use super::error::{no_store, token_error};
use super::token::{parse_form, presented_client};
use crate::domain::oauth_error::OAuthError;
use crate::http::site::Site;
use crate::services::Services;
use crate::services::oauth::grants;
use actix_web::{HttpRequest, HttpResponse, web};

pub async fn post(
    svc: web::Data<Services>,
    site: Site,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let form = match parse_form(&req, &body) {
        Ok(f) => f,
        Err(e) => return token_error(&e, false),
    };
    let presented = match presented_client(&req, &form) {
        Ok(p) => p,
        Err((e, basic)) => return token_error(&e, basic),
    };
    let Some(token) = form.get("token") else {
        return token_error(
            &OAuthError::invalid_request("token is required."),
            presented.basic,
        );
    };
    match grants::revoke(&svc, &site.pool_id, presented.auth, token).await {
        Ok(()) => no_store(HttpResponse::Ok()).finish(),
        Err(e) => token_error(&e, presented.basic),
    }
}
