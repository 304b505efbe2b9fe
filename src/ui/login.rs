//! `/login` (reference §1.3): the sign-in page. GET shows the form (the username pre-filled
//! from `login_hint`); POST signs in with `services::auth::hosted::sign_in` and goes back to
//! the client with a code or tokens, or to `/resetPassword` for a user who must choose a new
//! password. Wrong credentials show the form again with the services' answer.

use super::error::{self, Next};
use super::forms::{Field, FormState, Link};
use super::page::{self, Flow, Layout};
use super::{inputs, session};
use crate::domain::client_oauth::COGNITO;
use crate::http::site::Site;
use crate::services::Services;
use crate::services::auth::hosted;
use crate::services::codes;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

/// The sign-in page's view-model.
#[derive(Template)]
#[template(path = "ui/login.html")]
pub struct LoginView {
    pub layout: Layout,
    pub form: FormState,
    /// "Forgot your password?", when the pool lets users recover their password.
    pub forgot_link: Option<String>,
    /// "Sign up", when the pool lets users sign themselves up.
    pub signup_link: Option<String>,
    /// A button per identity provider the client supports.
    pub providers: Vec<Link>,
    /// Whether the client signs in with the pool's own users (the form).
    pub show_form: bool,
    /// "Sign in with a passkey", "Email me a sign-in code", "Text me a sign-in code":
    /// (factor, label), as the pool allows them as the first factor.
    pub code_factors: Vec<(&'static str, &'static str)>,
}

/// The first factors besides the password the pool allows as a whole sign-in: a passkey, and
/// one-time codes (not when MFA is required).
fn code_factors(pool: &crate::domain::pool::UserPool) -> Vec<(&'static str, &'static str)> {
    use crate::domain::first_factors::{EMAIL_OTP, SMS_OTP, WEB_AUTHN, available};
    // What a user with every factor is offered.
    let offered = available(&pool.settings, None, true, true);
    [
        (WEB_AUTHN, "Sign in with a passkey"),
        (EMAIL_OTP, "Email me a sign-in code"),
        (SMS_OTP, "Text me a sign-in code"),
    ]
    .into_iter()
    .filter(|(f, _)| offered.contains(f))
    .collect()
}

/// The client's identity providers as buttons to `/oauth2/authorize?…&identity_provider=…`.
fn provider_links(flow: &Flow) -> Vec<Link> {
    flow.request
        .client
        .settings
        .supported_identity_providers
        .iter()
        .filter(|p| *p != COGNITO)
        .map(|name| {
            let mut params = flow.request.params.clone();
            params.identity_provider = Some(name.clone());
            params.idp_identifier = None;
            Link {
                href: format!(
                    "{}?{}",
                    flow.site.path("/oauth2/authorize"),
                    params.to_query()
                ),
                text: format!("Continue with {name}"),
            }
        })
        .collect()
}

/// The sign-in page as the pool's users would see it, for the console's branding preview:
/// the pool's own fields and links, a form that goes nowhere.
pub fn preview(pool: &crate::domain::pool::UserPool, layout: Layout) -> LoginView {
    LoginView {
        layout,
        form: FormState::new("#".into(), String::new(), fields(pool, "")),
        forgot_link: Some("#".into()),
        signup_link: self_sign_up(pool).then(|| "#".into()),
        providers: Vec::new(),
        show_form: true,
        code_factors: code_factors(pool),
    }
}

/// The sign-in form's inputs, the username filled in.
fn fields(pool: &crate::domain::pool::UserPool, username: &str) -> Vec<Field> {
    vec![
        inputs::username(pool)
            .id("signInFormUsername")
            .value(username),
        Field::new("password", "Password")
            .id("signInFormPassword")
            .kind("password")
            .autocomplete("current-password"),
    ]
}

/// Whether the pool lets users sign themselves up ("Sign up").
fn self_sign_up(pool: &crate::domain::pool::UserPool) -> bool {
    !pool
        .settings
        .admin_create_user_config
        .allow_admin_create_user_only
}

async fn view(
    svc: &Services,
    flow: &Flow,
    cookie: &Session,
    username: &str,
) -> Result<LoginView, HttpResponse> {
    let pool = &flow.request.pool;
    let csrf = page::csrf_token(cookie)?;
    Ok(LoginView {
        layout: flow.layout(svc, "Sign in").await,
        form: FormState::new(flow.link("/login"), csrf, fields(pool, username)),
        forgot_link: (!codes::admin_only_recovery(pool)).then(|| flow.link("/forgotPassword")),
        signup_link: self_sign_up(pool).then(|| flow.link("/signup")),
        providers: provider_links(flow),
        show_form: flow.signs_in_users(),
        code_factors: code_factors(pool),
    })
}

/// `GET /login`.
pub async fn get(
    svc: web::Data<Services>,
    site: Site,
    cookie: Session,
    req: HttpRequest,
) -> HttpResponse {
    let flow = match page::begin_any(&svc, site, &req).await {
        Ok(flow) => flow,
        Err(response) => return response,
    };
    let hint = flow.request.login_hint.clone().unwrap_or_default();
    let mut view = match view(&svc, &flow, &cookie, &hint).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    view.form.notice = session::take_notice(&cookie, &flow.site.pool_id);
    page::render(StatusCode::OK, &view)
}

/// `POST /login`.
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
    let password = form.raw("password");
    let mut view = match view(&svc, &flow, &cookie, &username).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    if let Err(e) = crate::http::rate_limit::per_ip(&svc, &req, "auth").await {
        let problem = error::describe(&e);
        view.form.show(None, &problem.message);
        return page::render(StatusCode::TOO_MANY_REQUESTS, &view);
    }
    if password.is_empty()
        && let Some(name) = provider_for_email(&svc, &flow, &username).await
    {
        return crate::oauth::idpresponse::go_upstream(
            &svc,
            &flow.site,
            &cookie,
            &flow.request.with_login_hint(&username),
            &name,
        )
        .await;
    }
    let factor = form.text("factor");
    if let Some((factor, _)) = view.code_factors.iter().find(|(f, _)| *f == factor) {
        if username.is_empty() {
            view.form.show(Some("username"), "Enter your username.");
            return page::render(StatusCode::OK, &view);
        }
        let pool = &flow.request.pool;
        let step =
            hosted::sign_in_with_code(&svc, pool, &flow.request.client, &username, factor).await;
        if let Err(e) = &step {
            crate::http::rate_limit::failed(&svc, &req, e).await;
        }
        return match step {
            Ok(step) => page::continue_step(&svc, &cookie, &flow, step).await,
            Err(e) => {
                let problem = error::describe(&e);
                view.form.show(problem.field.as_deref(), &problem.message);
                page::render(StatusCode::OK, &view)
            }
        };
    }
    if username.is_empty() || password.is_empty() {
        view.form
            .show(None, "Enter your username and your password.");
        return page::render(StatusCode::OK, &view);
    }
    let step = hosted::sign_in(
        &svc,
        &flow.request.pool,
        &flow.request.client,
        &username,
        &password,
    )
    .await;
    if let Err(e) = &step {
        crate::http::rate_limit::failed(&svc, &req, e).await;
    }
    match step {
        Ok(step) => page::continue_step(&svc, &cookie, &flow, step).await,
        Err(e) => {
            let problem = error::describe(&e);
            view.form.show(problem.field.as_deref(), &problem.message);
            match problem.next {
                Next::Confirm => view.form.error_links.push(Link {
                    href: flow.link_for("/confirm", &username),
                    text: "Confirm your account".into(),
                }),
                Next::ResetPassword => view.form.error_links.push(Link {
                    href: flow.link_for("/forgotPassword", &username),
                    text: "Reset your password".into(),
                }),
                Next::Nothing => {}
            }
            page::render(page::status_of(&e), &view)
        }
    }
}

/// The identity provider whose `IdpIdentifiers` name the domain of `typed` (an email address),
/// among the client's: email-domain routing, when the user types their address and no password.
async fn provider_for_email(svc: &Services, flow: &Flow, typed: &str) -> Option<String> {
    let (_, domain) = typed.rsplit_once('@')?;
    let supported = &flow.request.client.settings.supported_identity_providers;
    let providers = crate::services::admin::identity_providers::all(svc, &flow.site.pool_id)
        .await
        .map_err(|e| tracing::error!(cause = %e, "loading identity providers"))
        .ok()?;
    providers
        .into_iter()
        .find(|p| {
            supported.contains(&p.name)
                && p.idp_identifiers
                    .iter()
                    .any(|i| i.eq_ignore_ascii_case(domain))
        })
        .map(|p| p.name)
}
