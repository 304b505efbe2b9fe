//! `GET /logout` (reference §1.4): ends the hosted-UI session and goes to the client's
//! sign-out URL, or back to the sign-in page.

use super::redirect;
use crate::http::site::Site;
use crate::services::Services;
use crate::services::oauth::logout::{self, AfterLogout};
use crate::ui::session;
use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};

pub async fn get(
    svc: web::Data<Services>,
    site: Site,
    cookie: Session,
    req: HttpRequest,
) -> HttpResponse {
    let sso_id = session::sso_id(&cookie, &site.pool_id);
    match logout::logout(&svc, &site.pool_id, req.query_string(), sso_id.as_deref()).await {
        Ok(next) => {
            session::clear_sso_id(&cookie, &site.pool_id);
            match next {
                AfterLogout::LogoutUri(uri) => redirect::found(&uri),
                AfterLogout::SignIn(query) => {
                    redirect::found(&format!("{}?{query}", site.path("/login")))
                }
            }
        }
        Err(e) => redirect::authorize_error(&site, e),
    }
}
