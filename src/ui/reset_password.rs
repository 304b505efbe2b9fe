//! `/resetPassword` (reference §1.3, §5.6): the new-password page of a FORCE_CHANGE_PASSWORD
//! user, after `/login` answered NEW_PASSWORD_REQUIRED. The challenge's session string waits
//! in the encrypted cookie (never in the page); POST answers it with
//! `services::auth::hosted::new_password` — a new password under the pool's policy and the
//! required attributes the user still lacks — and goes back to the client signed in.

use super::error;
use super::forms::{FormData, FormState};
use super::page::{self, Flow, Layout};
use super::{inputs, session};
use crate::domain::{AuthError, Reason};
use crate::http::site::Site;
use crate::services::Services;
use crate::services::auth::hosted;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use std::collections::BTreeMap;

/// The new-password page's view-model.
#[derive(Template)]
#[template(path = "ui/reset_password.html")]
pub struct ResetPasswordView {
    pub layout: Layout,
    pub form: FormState,
    pub description: String,
    pub login_link: String,
}

/// The notice on the sign-in page when the challenge can no longer be answered.
const EXPIRED: &str = "Your sign-in has expired. Sign in again with your temporary password.";

async fn view(
    svc: &Services,
    flow: &Flow,
    cookie: &Session,
    challenge: &session::Challenge,
    typed: &FormData,
) -> Result<ResetPasswordView, HttpResponse> {
    let csrf = page::csrf_token(cookie)?;
    let mut fields =
        inputs::new_password_pair(&flow.request.pool.settings.password_policy).to_vec();
    for name in &challenge.required_attributes {
        fields.push(inputs::attribute(name).value(typed.text(name)));
    }
    Ok(ResetPasswordView {
        layout: flow.layout(svc, "Choose a new password").await,
        form: FormState::new(flow.link("/resetPassword"), csrf, fields),
        description: "Your account needs a new password before you can continue. Choose one below."
            .into(),
        login_link: flow.link("/login"),
    })
}

fn back_to_sign_in(flow: &Flow, cookie: &Session) -> HttpResponse {
    session::clear_challenge(cookie, &flow.site.pool_id);
    if let Err(e) = session::set_notice(cookie, &flow.site.pool_id, EXPIRED) {
        tracing::error!(cause = %e, "storing a notice in the cookie");
    }
    page::found(&flow.link("/login"))
}

/// `GET /resetPassword`.
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
    let Some(challenge) = session::challenge(&cookie, &flow.site.pool_id) else {
        return page::found(&flow.link("/login"));
    };
    match view(&svc, &flow, &cookie, &challenge, &FormData::default()).await {
        Ok(view) => page::render(StatusCode::OK, &view),
        Err(response) => response,
    }
}

/// `POST /resetPassword`.
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
    let Some(challenge) = session::challenge(&cookie, &flow.site.pool_id) else {
        return back_to_sign_in(&flow, &cookie);
    };
    let mut view = match view(&svc, &flow, &cookie, &challenge, &form).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    if let Err(e) = crate::http::rate_limit::per_ip(&svc, &req, "auth").await {
        view.form.show(None, &error::describe(&e).message);
        return page::render(StatusCode::TOO_MANY_REQUESTS, &view);
    }
    let password = form.raw("password");
    if password != form.raw("password_repeat") {
        view.form.show(
            Some("password_repeat"),
            "The two passwords are not the same.",
        );
        return page::render(StatusCode::OK, &view);
    }
    // The challenge can be answered once: a password the policy refuses is caught first.
    if let Err(e) = flow.request.pool.settings.password_policy.check(&password) {
        let problem = error::describe(&e);
        view.form.show(problem.field.as_deref(), &problem.message);
        return page::render(StatusCode::OK, &view);
    }
    let attributes: BTreeMap<String, String> = challenge
        .required_attributes
        .iter()
        .map(|name| (name.clone(), form.text(name)))
        .filter(|(_, value)| !value.is_empty())
        .collect();
    let step = hosted::new_password(
        &svc,
        &flow.request.pool,
        &flow.request.client,
        &challenge.session,
        &challenge.username,
        &password,
        attributes,
    )
    .await;
    if let Err(e) = &step {
        crate::http::rate_limit::failed(&svc, &req, e).await;
    }
    match step {
        Ok(step) => page::continue_step(&svc, &cookie, &flow, step).await,
        Err(AuthError::NotAuthorized(Reason::InvalidSession(_))) => back_to_sign_in(&flow, &cookie),
        Err(e) => {
            let problem = error::describe(&e);
            view.form.show(problem.field.as_deref(), &problem.message);
            page::render(StatusCode::OK, &view)
        }
    }
}
