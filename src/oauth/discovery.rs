//! `GET {iss}/.well-known/openid-configuration`: the pool's OpenID Provider metadata, shaped
//! like Cognito's (reference §1.8). Its endpoints are on the pool's domain when it has one, else
//! under `{iss}`; see `services::keys::discovery`.

use crate::services::{Services, keys};
use actix_web::{HttpResponse, web};

/// Clients may cache the document this long (seconds).
const MAX_AGE: u32 = 3600;

pub async fn get(svc: web::Data<Services>, pool_id: web::Path<String>) -> HttpResponse {
    match keys::discovery(&svc, &pool_id).await {
        Ok(body) => super::document(body, MAX_AGE),
        Err(e) => super::error(e),
    }
}
