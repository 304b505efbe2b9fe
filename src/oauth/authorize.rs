//! `GET /oauth2/authorize` (reference §1.2): checks the request, then goes to the sign-in page
//! carrying it — or, when the browser's hosted-UI session is alive, straight back to the
//! client with a code or tokens.

use super::redirect;
use crate::domain::oauth_error::{OAuthError, OAuthErrorCode};
use crate::http::site::Site;
use crate::services::Services;
use crate::services::oauth::authorize::{self, AuthorizeParams, Authorized};
use crate::ui::session;
use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};

pub async fn get(
    svc: web::Data<Services>,
    site: Site,
    cookie: Session,
    req: HttpRequest,
) -> HttpResponse {
    let params = match AuthorizeParams::from_query(req.query_string()) {
        Ok(p) => p,
        Err(e) => return redirect::error_page(&site, &e),
    };
    // Every authorize can mint a code (with a live session): counted like a sign-in.
    if let Err(e) = crate::http::rate_limit::per_ip(&svc, &req, "auth").await {
        return redirect::error_page(
            &site,
            &OAuthError::new(OAuthErrorCode::TemporarilyUnavailable, e.to_string()),
        );
    }
    let sso_id = session::sso_id(&cookie, &site.pool_id);
    match authorize::authorize(&svc, &site.pool_id, &params, sso_id.as_deref()).await {
        Ok(Authorized::Done(url)) => redirect::found(&url),
        Ok(Authorized::SignIn(request)) if request.upstream.is_some() => {
            let name = request.upstream.clone().unwrap_or_default();
            super::idpresponse::go_upstream(&svc, &site, &cookie, &request, &name).await
        }
        Ok(Authorized::SignIn(request)) => redirect::found(&format!(
            "{}?{}",
            site.path("/login"),
            request.params.to_query()
        )),
        Err(e) => redirect::authorize_error(&site, e),
    }
}
