//! `/mfa` (reference §3.2, §5.8): the code page of a sign-in's second factor — the code from
//! the user's authenticator app (SOFTWARE_TOKEN_MFA) or the code we sent by text message
//! (SMS_MFA) or email (EMAIL_OTP). The challenge's session string waits in the encrypted
//! cookie (never in the page); POST answers it with `services::auth::hosted::answer_mfa`. A
//! wrong code shows the page again (the session stays valid for a retry); a session that is
//! no longer usable sends the browser back to `/login` with a notice.
//!
//! Also what the three MFA pages share: finding the waiting challenge, and leaving it.

use super::error::{self, Problem};
use super::forms::{Field, FormState};
use super::page::{self, Flow, Layout};
use super::session::{self, MfaChallenge};
use crate::domain::{AuthError, Reason};
use crate::http::site::Site;
use crate::services::Services;
use crate::services::auth::hosted;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use std::collections::BTreeMap;

/// The code page's view-model.
#[derive(Template)]
#[template(path = "ui/mfa.html")]
pub struct MfaView {
    pub layout: Layout,
    pub form: FormState,
    pub description: String,
    pub login_link: String,
}

/// The notice on the sign-in page when the challenge can no longer be answered.
pub const EXPIRED: &str = "Your sign-in expired. Sign in again.";

/// The MFA challenge waiting for the page at `path`. Without one, the response is the sign-in
/// page; with one that another MFA page answers, that page.
// Like `page::begin`, an error is the response to send.
#[allow(clippy::result_large_err)]
pub fn waiting(flow: &Flow, cookie: &Session, path: &str) -> Result<MfaChallenge, HttpResponse> {
    let Some(challenge) = session::mfa(cookie, &flow.site.pool_id) else {
        return Err(page::found(&flow.link("/login")));
    };
    let expected = page::mfa_path(&challenge.challenge);
    if expected != path {
        return Err(page::found(&flow.link(expected)));
    }
    Ok(challenge)
}

/// Forgets the challenge and goes back to the sign-in page with `notice`.
pub fn sign_in_again(flow: &Flow, cookie: &Session, notice: &str) -> HttpResponse {
    session::clear_mfa(cookie, &flow.site.pool_id);
    if let Err(e) = session::set_notice(cookie, &flow.site.pool_id, notice) {
        tracing::error!(cause = %e, "storing a notice in the cookie");
    }
    page::found(&flow.link("/login"))
}

/// What a refused answer leads to: NotAuthorized means the session is gone (expired, used
/// up by too many wrong codes, the user locked out or disabled) — back to the sign-in page;
/// anything else is shown on the page, where the same session can try again.
// Like `page::begin`, an error is the response to send.
#[allow(clippy::result_large_err)]
pub fn refused(flow: &Flow, cookie: &Session, e: &AuthError) -> Result<Problem, HttpResponse> {
    match e {
        AuthError::NotAuthorized(Reason::InvalidSession(_)) => {
            Err(sign_in_again(flow, cookie, EXPIRED))
        }
        AuthError::NotAuthorized(_) => {
            Err(sign_in_again(flow, cookie, &error::describe(e).message))
        }
        _ => Ok(error::describe(e)),
    }
}

/// The field of a six-digit code.
pub fn code_field(label: &str) -> Field {
    Field::new("code", label)
        .autocomplete("one-time-code")
        .inputmode("numeric")
        .spellcheck_off()
}

/// The response key of a code challenge, and what the page says about the code.
fn describe_challenge(challenge: &MfaChallenge) -> Option<(&'static str, String)> {
    let destination = challenge
        .parameters
        .get("CODE_DELIVERY_DESTINATION")
        .map(String::as_str)
        .unwrap_or_default();
    match challenge.challenge.as_str() {
        "SOFTWARE_TOKEN_MFA" => Some((
            "SOFTWARE_TOKEN_MFA_CODE",
            "Enter the code from your authenticator app.".to_string(),
        )),
        "SMS_MFA" => Some((
            "SMS_MFA_CODE",
            format!("We sent a code by SMS to {destination}. Enter it below."),
        )),
        "SMS_OTP" => Some((
            "SMS_OTP_CODE",
            format!("We sent a code by SMS to {destination}. Enter it below."),
        )),
        "EMAIL_OTP" => Some((
            "EMAIL_OTP_CODE",
            format!("We sent a code by email to {destination}. Enter it below."),
        )),
        _ => None,
    }
}

async fn view(
    svc: &Services,
    flow: &Flow,
    cookie: &Session,
    description: String,
) -> Result<MfaView, HttpResponse> {
    let csrf = page::csrf_token(cookie)?;
    let fields = vec![code_field("Code")];
    Ok(MfaView {
        layout: flow.layout(svc, "Enter your code").await,
        form: FormState::new(flow.link("/mfa"), csrf, fields),
        description,
        login_link: flow.link("/login"),
    })
}

/// The challenge of this page, its response key and what the page says, or the response
/// to send.
// Like `page::begin`, an error is the response to send.
#[allow(clippy::result_large_err)]
fn code_challenge(
    flow: &Flow,
    cookie: &Session,
) -> Result<(MfaChallenge, &'static str, String), HttpResponse> {
    let challenge = waiting(flow, cookie, "/mfa")?;
    match describe_challenge(&challenge) {
        Some((key, description)) => Ok((challenge, key, description)),
        None => Err(sign_in_again(flow, cookie, EXPIRED)),
    }
}

/// `GET /mfa`.
pub async fn get(
    svc: web::Data<Services>,
    site: Site,
    cookie: Session,
    req: HttpRequest,
) -> HttpResponse {
    let flow = match page::begin(&svc, site, &req).await {
        Ok(flow) => flow,
        Err(response) => return response,
    };
    let (_, _, description) = match code_challenge(&flow, &cookie) {
        Ok(waiting) => waiting,
        Err(response) => return response,
    };
    match view(&svc, &flow, &cookie, description).await {
        Ok(view) => page::render(StatusCode::OK, &view),
        Err(response) => response,
    }
}

/// `POST /mfa`.
pub async fn post(
    svc: web::Data<Services>,
    site: Site,
    cookie: Session,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let (flow, form) = match page::begin_post(&svc, site, &req, &cookie, &body).await {
        Ok(started) => started,
        Err(response) => return response,
    };
    let (challenge, key, description) = match code_challenge(&flow, &cookie) {
        Ok(waiting) => waiting,
        Err(response) => return response,
    };
    let mut view = match view(&svc, &flow, &cookie, description).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    if let Err(e) = crate::http::rate_limit::per_ip(&svc, &req, "auth").await {
        view.form.show(None, &error::describe(&e).message);
        return page::render(StatusCode::TOO_MANY_REQUESTS, &view);
    }
    let code = form.text("code");
    if code.is_empty() {
        view.form.show(Some("code"), "Enter the code.");
        return page::render(StatusCode::OK, &view);
    }
    let step = hosted::answer_mfa(
        &svc,
        &flow.request.pool,
        &flow.request.client,
        &challenge.challenge,
        &challenge.session,
        &challenge.username,
        BTreeMap::from([(key.to_string(), code)]),
    )
    .await;
    if let Err(e) = &step {
        crate::http::rate_limit::failed(&svc, &req, e).await;
    }
    match step {
        Ok(step) => page::continue_step(&svc, &cookie, &flow, step).await,
        Err(e) => match refused(&flow, &cookie, &e) {
            Ok(problem) => {
                view.form.show(problem.field.as_deref(), &problem.message);
                page::render(StatusCode::OK, &view)
            }
            Err(response) => response,
        },
    }
}
