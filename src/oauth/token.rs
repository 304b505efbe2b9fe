//! `POST /oauth2/token` (reference §1.5, RFC 6749 §3.2): form body, client authentication by
//! `client_secret_basic` or `client_secret_post`, one grant per request.

use actix_web::HttpResponse;

pub async fn post() -> HttpResponse {
    HttpResponse::NotImplemented().finish()
}
