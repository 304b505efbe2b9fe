//! `/forgotPassword` (reference §1.3): asks for the username and sends a reset code with
//! `services::recovery::forgot_password` (the JSON API's ForgotPassword, so an unknown user
//! gets what the client's PreventUserExistenceErrors says), then goes to
//! `/confirmForgotPassword`.

use super::error;
use super::forms::FormState;
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

/// The forgot-password page's view-model.
#[derive(Template)]
#[template(path = "ui/forgot_password.html")]
pub struct ForgotPasswordView {
    pub layout: Layout,
    pub form: FormState,
    /// What the username is called in this pool ("username", "email address").
    pub username_noun: String,
    pub login_link: String,
}

async fn view(
    svc: &Services,
    flow: &Flow,
    cookie: &Session,
    username: &str,
) -> Result<ForgotPasswordView, HttpResponse> {
    let csrf = page::csrf_token(cookie)?;
    let field = inputs::username(&flow.request.pool).value(username);
    let username_noun = field.label.to_lowercase();
    Ok(ForgotPasswordView {
        layout: flow.layout(svc, "Reset your password").await,
        form: FormState::new(flow.link("/forgotPassword"), csrf, vec![field]),
        username_noun,
        login_link: flow.link("/login"),
    })
}

/// `GET /forgotPassword`.
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
    match view(&svc, &flow, &cookie, username.trim()).await {
        Ok(view) => page::render(StatusCode::OK, &view),
        Err(response) => response,
    }
}

/// `POST /forgotPassword`.
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
    let username = form.text("username");
    let mut view = match view(&svc, &flow, &cookie, &username).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    if let Err(e) = crate::http::rate_limit::per_ip(&svc, &req, "recovery").await {
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
    match recovery::forgot_password(&svc, user).await {
        Ok(details) => {
            let notice = format!(
                "We have sent a password reset code {}. Enter it below with your new password.",
                page::delivered(&details)
            );
            if let Err(e) = session::set_notice(&cookie, &flow.site.pool_id, &notice) {
                tracing::error!(cause = %e, "storing a notice in the cookie");
            }
            page::found(&flow.link_for("/confirmForgotPassword", &username))
        }
        Err(e) => {
            let problem = error::describe(&e);
            view.form.show(problem.field.as_deref(), &problem.message);
            page::render(StatusCode::OK, &view)
        }
    }
}
