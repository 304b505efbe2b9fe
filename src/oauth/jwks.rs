//! `GET {iss}/.well-known/jwks.json`: the pool's public keys (reference §1.9): the two keys
//! signing now and retired ones until their tokens have expired.

use crate::services::{Services, keys};
use actix_web::{HttpResponse, web};

/// Relying parties may cache the key set this long (seconds). Rotation keeps old keys
/// published far longer, and new keys appear in the JWKS before their first token reaches a
/// relying party that refetches on an unknown `kid`.
const MAX_AGE: u32 = 300;

pub async fn get(svc: web::Data<Services>, pool_id: web::Path<String>) -> HttpResponse {
    match keys::jwks(&svc, &pool_id).await {
        Ok(body) => super::document(body, MAX_AGE),
        Err(e) => super::error(e),
    }
}
