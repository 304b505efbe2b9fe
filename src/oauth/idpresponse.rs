//! Federation's two doors (reference §1.10): [`go_upstream`] sends the browser to an identity
//! provider, remembering the attempt in its encrypted cookie; `/oauth2/idpresponse` (GET, and
//! POST for providers that post their answer, as Sign in with Apple does) finishes it with
//! `services::federation` and goes back to the app like any hosted sign-in.

use super::redirect;
use crate::domain::identity_provider::IdentityProvider;
use crate::http::site::Site;
use crate::services::Services;
use crate::services::federation::{self, Answer, Finished, Problem};
use crate::services::oauth::authorize::AuthorizeRequest;
use crate::ui::page::{self, Flow};
use crate::ui::session;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

/// The callback address the upstream sends the browser back to, on the host it left from (so
/// the cookie comes back with it).
pub fn callback_url(site: &Site) -> String {
    site.url("/oauth2/idpresponse")
}

/// Sends the browser to provider `name` for `request`; the attempt waits in its cookie.
pub async fn go_upstream(
    svc: &Services,
    site: &Site,
    cookie: &Session,
    request: &AuthorizeRequest,
    name: &str,
) -> HttpResponse {
    let provider: IdentityProvider = match federation::provider_for(svc, request, name).await {
        Ok(Some(p)) => p,
        Ok(None) => {
            return redirect::found(&request.error_redirect(
                &crate::domain::oauth_error::OAuthError::invalid_request(format!(
                    "Identity provider {name} is not configured for this client."
                )),
            ));
        }
        Err(e) => {
            tracing::error!(cause = %e, "loading an identity provider");
            return page::internal();
        }
    };
    match federation::start(svc, request, &provider, &callback_url(site)) {
        Ok((url, pending)) => {
            if let Err(e) = session::set_federation(cookie, &site.pool_id, &pending) {
                tracing::error!(cause = %e, "storing a federated sign-in in the cookie");
                return page::internal();
            }
            redirect::found(&url)
        }
        Err(e) => page::authorize_error(e),
    }
}

pub(crate) fn answer_of(pairs: url::form_urlencoded::Parse<'_>) -> Answer {
    let mut a = Answer::default();
    for (name, value) in pairs {
        let slot = match name.as_ref() {
            "code" => &mut a.code,
            "state" => &mut a.state,
            "error" => &mut a.error,
            "error_description" => &mut a.error_description,
            "iss" => &mut a.iss,
            "user" => &mut a.user,
            _ => continue,
        };
        // A parameter given twice makes the answer ambiguous: keep neither.
        if slot.is_some() {
            *slot = Some(String::new());
        } else {
            *slot = Some(value.into_owned());
        }
    }
    a
}

/// `GET /oauth2/idpresponse`.
pub async fn get(
    svc: web::Data<Services>,
    site: Site,
    cookie: Session,
    req: HttpRequest,
) -> HttpResponse {
    let answer = answer_of(url::form_urlencoded::parse(req.query_string().as_bytes()));
    finish(&svc, site, &cookie, answer).await
}

/// `POST /oauth2/idpresponse` (`response_mode=form_post`). The hosted UI's cookie is
/// SameSite=Lax, so a browser does not send it with another site's POST: the answer is
/// handed on to the GET, which a top-level navigation carries the cookie to.
pub async fn post(site: Site, body: web::Bytes) -> HttpResponse {
    let answer = answer_of(url::form_urlencoded::parse(&body));
    HttpResponse::SeeOther()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("{}?{}", site.path("/oauth2/idpresponse"), query_of(&answer)),
        ))
        .finish()
}

/// The answer as the query `answer_of` reads back (the POST's hand-off to the GET).
pub(crate) fn query_of(answer: &Answer) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    let fields = [
        ("code", &answer.code),
        ("state", &answer.state),
        ("error", &answer.error),
        ("error_description", &answer.error_description),
        ("iss", &answer.iss),
        ("user", &answer.user),
    ];
    for (name, value) in fields {
        if let Some(v) = value {
            q.append_pair(name, v);
        }
    }
    q.finish()
}

async fn finish(svc: &Services, site: Site, cookie: &Session, answer: Answer) -> HttpResponse {
    let Some(pending) = session::take_federation(cookie, &site.pool_id) else {
        return page::error_page(
            StatusCode::BAD_REQUEST,
            "This sign-in was not started in this browser, or was already used. Start again from the app.",
        );
    };
    let redirect_uri = callback_url(&site);
    match federation::finish(svc, &site.pool_id, &redirect_uri, pending, answer).await {
        Ok(Finished::SignedIn {
            request,
            user,
            auth_time,
            provider,
        }) => {
            let flow = Flow {
                site,
                request: *request,
            };
            page::signed_in_through(svc, cookie, &flow, &user, auth_time, Some(&provider)).await
        }
        Ok(Finished::Back(url)) => redirect::found(&url),
        Err(Problem::Page(description)) => page::error_page(StatusCode::BAD_REQUEST, &description),
        Err(Problem::Authorize(e)) => page::authorize_error(e),
        Err(Problem::Internal(e)) => {
            tracing::error!(cause = %e, "finishing a federated sign-in");
            page::internal()
        }
    }
}
