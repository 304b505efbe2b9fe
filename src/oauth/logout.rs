//! `GET /logout` (reference §1.4): ends the hosted-UI session and goes to the client's
//! sign-out URL, or back to the sign-in page; with `federated=true`, through the sign-out of
//! the identity provider the user signed in with, which comes back to `/oauth2/idplogout`.

use super::redirect;
use crate::crypto::constant_time_eq;
use crate::http::site::Site;
use crate::services::Services;
use crate::services::oauth::logout::{self, AfterLogout};
use crate::ui::{page, session};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

fn target(site: &Site, next: &AfterLogout) -> String {
    match next {
        AfterLogout::LogoutUri(uri) => uri.clone(),
        AfterLogout::SignIn(query) => format!("{}?{query}", site.path("/login")),
        AfterLogout::Upstream { url, .. } => url.clone(),
    }
}

pub async fn get(
    svc: web::Data<Services>,
    site: Site,
    cookie: Session,
    req: HttpRequest,
) -> HttpResponse {
    let sso_id = session::sso_id(&cookie, &site.pool_id);
    let callback = site.url("/oauth2/idplogout");
    match logout::logout(
        &svc,
        &site.pool_id,
        req.query_string(),
        sso_id.as_deref(),
        &callback,
    )
    .await
    {
        Ok(next) => {
            session::clear_sso_id(&cookie, &site.pool_id);
            if let AfterLogout::Upstream { state, then, .. } = &next {
                let pending = session::UpstreamLogout {
                    state: state.clone(),
                    next: target(&site, then),
                };
                if let Err(e) = session::set_upstream_logout(&cookie, &site.pool_id, &pending) {
                    tracing::error!(cause = %e, "storing a sign-out in the cookie");
                    return page::internal();
                }
            }
            redirect::found(&target(&site, &next))
        }
        Err(e) => redirect::authorize_error(&site, e),
    }
}

/// `GET /oauth2/idplogout`: back from the identity provider's sign-out; goes on to where the
/// sign-out was going, when `state` is the one this browser left with.
pub async fn upstream_done(site: Site, cookie: Session, req: HttpRequest) -> HttpResponse {
    let state = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    match session::take_upstream_logout(&cookie, &site.pool_id) {
        Some(pending) if constant_time_eq(pending.state.as_bytes(), state.as_bytes()) => {
            redirect::found(&pending.next)
        }
        _ => page::error_page(
            StatusCode::BAD_REQUEST,
            "You are signed out. This page was not reached from a sign-out in this browser.",
        ),
    }
}
