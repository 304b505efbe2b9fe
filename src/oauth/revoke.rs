//! `POST /oauth2/revoke` (reference §1.7, RFC 7009).

use actix_web::HttpResponse;

pub async fn post() -> HttpResponse {
    HttpResponse::NotImplemented().finish()
}
