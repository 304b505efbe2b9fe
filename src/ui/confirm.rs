//! `/confirm` (reference §1.3, §5.5): the code page after sign-up. POST confirms the account
//! with `services::sign_up::confirm_sign_up` (the JSON API's ConfirmSignUp); when this browser
//! signed that user up in the last 15 minutes it signs them in and goes back to the client,
//! otherwise to the sign-in page with a notice. The "Send a new code" button
//! (`action=resend`) runs ResendConfirmationCode.

use super::error;
use super::forms::{Field, FormState};
use super::page::{self, Flow, Layout};
use super::{inputs, session};
use crate::http::site::Site;
use crate::services::Services;
use crate::services::auth::hosted;
use crate::services::client_auth::first_party_secret_hash;
use crate::services::sign_up::{self, UserRef};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

/// The confirmation page's view-model.
#[derive(Template)]
#[template(path = "ui/confirm.html")]
pub struct ConfirmView {
    pub layout: Layout,
    pub form: FormState,
    pub description: String,
    /// The username, when the page knows it (then it is not asked for).
    pub hidden_username: Option<String>,
    pub login_link: String,
}

/// The notice on the sign-in page after a confirmation that does not sign in.
pub const CONFIRMED: &str = "Your account is confirmed. Sign in to continue.";

fn code_field() -> Field {
    Field::new("code", "Verification code")
        .autocomplete("one-time-code")
        .inputmode("numeric")
        .spellcheck_off()
}

async fn view(
    svc: &Services,
    flow: &Flow,
    cookie: &Session,
    username: &str,
) -> Result<ConfirmView, HttpResponse> {
    let csrf = page::csrf_token(cookie)?;
    let pool = &flow.request.pool;
    let signed_up = session::signed_up(cookie, &flow.site.pool_id, svc.now())
        .filter(|s| pool.username_key(&s.username) == pool.username_key(username));
    let description = match signed_up.and_then(|s| s.destination) {
        Some(to) => format!("We have sent a code {to}. Enter it below to confirm your account."),
        None => "Enter the code we sent you to confirm your account.".to_string(),
    };
    let (hidden_username, fields) = if username.is_empty() {
        (None, vec![inputs::username(pool), code_field()])
    } else {
        (Some(username.to_string()), vec![code_field()])
    };
    let action = if username.is_empty() {
        flow.link("/confirm")
    } else {
        flow.link_for("/confirm", username)
    };
    Ok(ConfirmView {
        layout: flow.layout(svc, "Confirm your account").await,
        form: FormState::new(action, csrf, fields),
        description,
        hidden_username,
        login_link: flow.link("/login"),
    })
}

/// `GET /confirm`.
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
    let username = page::query_param(&req, "username").unwrap_or_default();
    let mut view = match view(&svc, &flow, &cookie, username.trim()).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    view.form.notice = session::take_notice(&cookie, &flow.site.pool_id);
    page::render(StatusCode::OK, &view)
}

/// `POST /confirm`.
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
    if let Some(f) = view.form.fields.iter_mut().find(|f| f.name == "username") {
        f.value = username.clone();
    }
    if let Err(e) = crate::http::rate_limit::per_ip(&svc, &req, "sign_up").await {
        view.form.show(None, &error::describe(&e).message);
        return page::render(StatusCode::TOO_MANY_REQUESTS, &view);
    }
    if username.is_empty() {
        view.form.show(Some("username"), "This field is required.");
        return page::render(StatusCode::OK, &view);
    }
    let client = &flow.request.client;
    let user = UserRef {
        client_id: client.id.clone(),
        secret_hash: first_party_secret_hash(client, &username),
        username: username.clone(),
    };
    if form.get("action") == Some("resend") {
        match sign_up::resend_confirmation_code(&svc, user).await {
            Ok(details) => {
                view.form.notice = Some(format!(
                    "We have sent a new code {}.",
                    page::delivered(&details)
                ));
            }
            Err(e) => {
                let problem = error::describe(&e);
                view.form.show(problem.field.as_deref(), &problem.message);
            }
        }
        return page::render(StatusCode::OK, &view);
    }
    let code = form.text("code");
    if code.is_empty() {
        view.form.show(Some("code"), "Enter the code we sent you.");
        return page::render(StatusCode::OK, &view);
    }
    if let Err(e) = sign_up::confirm_sign_up(&svc, user, &code, false, &Default::default()).await {
        let problem = error::describe(&e);
        view.form.show(problem.field.as_deref(), &problem.message);
        return page::render(StatusCode::OK, &view);
    }
    let pool = &flow.request.pool;
    let pool_id = &flow.site.pool_id;
    let signed_up = session::signed_up(&cookie, pool_id, svc.now())
        .filter(|s| pool.username_key(&s.username) == pool.username_key(&username));
    if let Some(signed_up) = signed_up {
        match hosted::confirmed_user(&svc, pool, &flow.request.client, &signed_up.sub).await {
            Ok(Some(step)) => {
                session::clear_signed_up(&cookie, pool_id);
                return page::continue_step(&svc, &cookie, &flow, step).await;
            }
            Ok(None) => {}
            Err(e) => tracing::error!(cause = %e, "signing in a just-confirmed user"),
        }
    }
    if let Err(e) = session::set_notice(&cookie, pool_id, CONFIRMED) {
        tracing::error!(cause = %e, "storing a notice in the cookie");
    }
    page::found(&flow.link("/login"))
}
