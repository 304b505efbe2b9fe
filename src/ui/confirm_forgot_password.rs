//! `/confirmForgotPassword` (also `/confirmforgotPassword`, the spelling Cognito documents;
//! reference §1.3): the reset code and a new password, set with
//! `services::recovery::confirm_forgot_password` (the JSON API's ConfirmForgotPassword); then
//! the sign-in page with a "Password changed" notice.

use super::error;
use super::forms::{Field, FormState};
use super::page::{self, Flow, Layout};
use super::{inputs, session};
use crate::http::site::Site;
use crate::services::Services;
use crate::services::client_auth::first_party_secret_hash;
use crate::services::recovery;
use crate::services::sign_up::UserRef;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

/// The reset-with-code page's view-model.
#[derive(Template)]
#[template(path = "ui/confirm_forgot_password.html")]
pub struct ConfirmForgotPasswordView {
    pub layout: Layout,
    pub form: FormState,
    pub description: String,
    pub username: String,
    /// Back to `/forgotPassword` for a new code.
    pub resend_link: String,
    pub login_link: String,
}

/// The notice on the sign-in page after a reset.
pub const PASSWORD_CHANGED: &str = "Password changed. Sign in with your new password.";

async fn view(
    svc: &Services,
    flow: &Flow,
    cookie: &Session,
    username: &str,
) -> Result<ConfirmForgotPasswordView, HttpResponse> {
    let csrf = page::csrf_token(cookie)?;
    let [password, repeat] = inputs::new_password_pair(&flow.request.pool.settings.password_policy);
    let fields = vec![
        Field::new("code", "Reset code")
            .autocomplete("one-time-code")
            .inputmode("numeric")
            .spellcheck_off(),
        password,
        repeat,
    ];
    Ok(ConfirmForgotPasswordView {
        layout: flow.layout(svc, "Choose a new password").await,
        form: FormState::new(
            flow.link_for("/confirmForgotPassword", username),
            csrf,
            fields,
        ),
        description: "Enter the code we sent you and choose a new password.".into(),
        username: username.to_string(),
        resend_link: flow.link_for("/forgotPassword", username),
        login_link: flow.link("/login"),
    })
}

/// `GET /confirmForgotPassword`.
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
    let Some(username) = page::query_param(&req, "username").filter(|u| !u.trim().is_empty())
    else {
        return page::found(&flow.link("/forgotPassword"));
    };
    let mut view = match view(&svc, &flow, &cookie, username.trim()).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    view.form.notice = session::take_notice(&cookie, &flow.site.pool_id);
    page::render(StatusCode::OK, &view)
}

/// `POST /confirmForgotPassword`.
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
    let mut username = form.text("username");
    if username.is_empty() {
        username = page::query_param(&req, "username")
            .unwrap_or_default()
            .trim()
            .to_string();
    }
    let mut view = match view(&svc, &flow, &cookie, &username).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    if let Err(e) = crate::http::rate_limit::per_ip(&svc, &req, "recovery").await {
        view.form.show(None, &error::describe(&e).message);
        return page::render(StatusCode::TOO_MANY_REQUESTS, &view);
    }
    if username.is_empty() {
        return page::found(&flow.link("/forgotPassword"));
    }
    let code = form.text("code");
    let password = form.raw("password");
    if code.is_empty() {
        view.form.show(Some("code"), "Enter the code we sent you.");
        return page::render(StatusCode::OK, &view);
    }
    if password != form.raw("password_repeat") {
        view.form.show(
            Some("password_repeat"),
            "The two passwords are not the same.",
        );
        return page::render(StatusCode::OK, &view);
    }
    let client = &flow.request.client;
    let user = UserRef {
        client_id: client.id.clone(),
        secret_hash: first_party_secret_hash(client, &username),
        username: username.clone(),
    };
    match recovery::confirm_forgot_password(&svc, user, &code, &password).await {
        Ok(()) => {
            if let Err(e) = session::set_notice(&cookie, &flow.site.pool_id, PASSWORD_CHANGED) {
                tracing::error!(cause = %e, "storing a notice in the cookie");
            }
            page::found(&flow.link("/login"))
        }
        Err(e) => {
            let problem = error::describe(&e);
            view.form.show(problem.field.as_deref(), &problem.message);
            page::render(StatusCode::OK, &view)
        }
    }
}
