//! `/signup` (reference §1.3, §5.5): self sign-up. The form asks for the username (or the
//! email address / phone number the pool signs in with), a password under the pool's policy,
//! and the pool's required attributes; POST runs `services::sign_up::sign_up` — the same
//! SignUp as the JSON API — and goes to `/confirm`. This browser remembers whom it signed up,
//! so that confirming the code signs that user in without a second password entry.

use super::error;
use super::forms::{Field, FormData, FormState};
use super::page::{self, Flow, Layout};
use super::{inputs, session};
use crate::http::site::Site;
use crate::services::Services;
use crate::services::auth::hosted;
use crate::services::client_auth::first_party_secret_hash;
use crate::services::sign_up::{self, SignUp};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use std::collections::BTreeMap;

/// The sign-up page's view-model.
#[derive(Template)]
#[template(path = "ui/signup.html")]
pub struct SignUpView {
    pub layout: Layout,
    pub form: FormState,
    pub login_link: String,
}

/// The notice for a user whose account an administrator must confirm.
const ADMIN_CONFIRMS: &str =
    "Your account has been created. An administrator must confirm it before you can sign in.";

fn fields(flow: &Flow, typed: &FormData) -> Vec<Field> {
    let pool = &flow.request.pool;
    let mut fields = vec![inputs::username(pool).value(typed.text("username"))];
    for (name, required) in inputs::sign_up_attributes(pool) {
        let mut field = inputs::attribute(&name).value(typed.text(&name));
        if !required {
            field = field.optional();
        }
        fields.push(field);
    }
    let [password, _] = inputs::new_password_pair(&pool.settings.password_policy);
    fields.push(password.label_text("Password"));
    fields
}

async fn view(
    svc: &Services,
    flow: &Flow,
    cookie: &Session,
    typed: &FormData,
) -> Result<SignUpView, HttpResponse> {
    let csrf = page::csrf_token(cookie)?;
    Ok(SignUpView {
        layout: flow.layout(svc, "Sign up").await,
        form: FormState::new(flow.link("/signup"), csrf, fields(flow, typed)),
        login_link: flow.link("/login"),
    })
}

fn self_sign_up(flow: &Flow) -> bool {
    !flow
        .request
        .pool
        .settings
        .admin_create_user_config
        .allow_admin_create_user_only
}

/// `GET /signup`.
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
    if !self_sign_up(&flow) {
        return page::found(&flow.link("/login"));
    }
    match view(&svc, &flow, &cookie, &FormData::default()).await {
        Ok(view) => page::render(StatusCode::OK, &view),
        Err(response) => response,
    }
}

/// `POST /signup`.
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
    let mut view = match view(&svc, &flow, &cookie, &form).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    if let Err(e) = crate::http::rate_limit::per_ip(&svc, &req, "sign_up").await {
        view.form.show(None, &error::describe(&e).message);
        return page::render(StatusCode::TOO_MANY_REQUESTS, &view);
    }
    let username = form.text("username");
    let password = form.raw("password");
    let empty = view
        .form
        .fields
        .iter()
        .find(|f| f.required && f.name != "password" && form.text(&f.name).is_empty())
        .map(|f| f.name.clone());
    if let Some(name) = empty {
        view.form.show(Some(&name), "This field is required.");
        return page::render(StatusCode::OK, &view);
    }
    // Only the attributes the form asks for; empty optional ones are left out.
    let attributes: BTreeMap<String, String> = inputs::sign_up_attributes(&flow.request.pool)
        .into_iter()
        .map(|(name, _)| {
            let value = form.text(&name);
            (name, value)
        })
        .filter(|(_, value)| !value.is_empty())
        .collect();
    let client = &flow.request.client;
    let outcome = sign_up::sign_up(
        &svc,
        SignUp {
            client_id: client.id.clone(),
            secret_hash: first_party_secret_hash(client, &username),
            username: username.clone(),
            password,
            attributes,
            validation_data: Default::default(),
            client_metadata: Default::default(),
        },
    )
    .await;
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            let mut problem = error::describe(&e);
            // In pools that sign in with an email / phone, the username input holds it.
            if matches!(problem.field.as_deref(), Some("email" | "phone_number"))
                && view
                    .form
                    .fields
                    .iter()
                    .all(|f| Some(&f.name) != problem.field.as_ref())
            {
                problem.field = Some("username".into());
            }
            view.form.show(problem.field.as_deref(), &problem.message);
            return page::render(StatusCode::OK, &view);
        }
    };
    let pool_id = &flow.site.pool_id;
    if outcome.confirmed {
        let (pool, client) = (&flow.request.pool, &flow.request.client);
        return match hosted::confirmed_user(&svc, pool, client, &outcome.user_sub).await {
            Ok(Some(step)) => page::continue_step(&svc, &cookie, &flow, step).await,
            Ok(None) => page::found(&flow.link("/login")),
            Err(e) => {
                tracing::error!(cause = %e, "signing in a confirmed new user");
                page::found(&flow.link("/login"))
            }
        };
    }
    let Some(delivery) = outcome.delivery else {
        if let Err(e) = session::set_notice(&cookie, pool_id, ADMIN_CONFIRMS) {
            tracing::error!(cause = %e, "storing a notice in the cookie");
        }
        return page::found(&flow.link("/login"));
    };
    let signed_up = session::SignedUp {
        sub: outcome.user_sub,
        username: username.clone(),
        destination: Some(page::delivered(&delivery)),
        at: svc.now(),
    };
    if let Err(e) = session::set_signed_up(&cookie, pool_id, &signed_up) {
        tracing::error!(cause = %e, "storing the new user in the cookie");
        return page::internal();
    }
    page::found(&flow.link_for("/confirm", &username))
}
