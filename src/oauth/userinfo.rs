//! `GET|POST /oauth2/userInfo` (reference §1.6): the user's claims for a bearer access token.

use actix_web::HttpResponse;

pub async fn get() -> HttpResponse {
    HttpResponse::NotImplemented().finish()
}
