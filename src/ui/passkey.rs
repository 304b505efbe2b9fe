//! The passkey pages (reference §5.8): `/passkey` signs in with a passkey (USER_AUTH's
//! WEB_AUTHN challenge, started from the sign-in page's "Sign in with a passkey"), and
//! `/passkeyPrompt` offers a user who has just signed in to add one (Cognito's passkey
//! prompt). The browser's part is `static/js/passkey.js`, the only script Tessera serves: the
//! page carries the server's WebAuthn options, the script asks the browser and posts its
//! answer in the page's form. The challenge's session waits in the encrypted cookie, as for
//! the MFA pages; the registration's state waits in the database.

use super::error;
use super::forms::FormState;
use super::mfa::{self, refused, sign_in_again};
use super::page::{self, Flow, Layout};
use super::{assets, session};
use crate::http::site::Site;
use crate::services::Services;
use crate::services::auth::hosted;
use crate::services::oauth::sso;
use actix_session::Session;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use std::collections::BTreeMap;

/// The Content-Security-Policy of the passkey pages: the other pages' policy, and scripts
/// from Tessera itself (it serves only `passkey.js`).
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";

/// A passkey page's view-model.
#[derive(Template)]
#[template(path = "ui/passkey.html")]
pub struct PasskeyView {
    pub layout: Layout,
    pub form: FormState,
    pub description: String,
    /// `get` (sign in) or `create` (add a passkey).
    pub mode: &'static str,
    /// The WebAuthn options for the browser, as JSON.
    pub options: String,
    pub button: &'static str,
    /// What the page says when the browser gives no passkey.
    pub failed: &'static str,
    /// "Not now" on the prompt.
    pub skip: Option<&'static str>,
    /// "Sign in another way".
    pub other_link: Option<String>,
    pub script: String,
}

fn render(status: StatusCode, view: &PasskeyView) -> HttpResponse {
    let mut response = page::render(status, view);
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    response
}

const SIGN_IN_TEXT: &str = "Use the passkey saved on this device or on your phone.";

async fn sign_in_view(
    svc: &Services,
    flow: &Flow,
    cookie: &Session,
    options: String,
) -> Result<PasskeyView, HttpResponse> {
    Ok(PasskeyView {
        layout: flow.layout(svc, "Sign in with a passkey").await,
        form: FormState::new(flow.link("/passkey"), page::csrf_token(cookie)?, Vec::new()),
        description: SIGN_IN_TEXT.into(),
        mode: "get",
        options,
        button: "Use my passkey",
        failed: "No passkey was used. Try again, or sign in another way.",
        skip: None,
        other_link: Some(flow.link("/login")),
        script: assets::passkey_script_url(),
    })
}

/// The waiting WEB_AUTHN challenge and its request options (kept with the challenge's
/// session), or the response to send.
async fn passkey_challenge(
    svc: &Services,
    flow: &Flow,
    cookie: &Session,
) -> Result<(session::MfaChallenge, String), HttpResponse> {
    let challenge = mfa::waiting(flow, cookie, "/passkey")?;
    match hosted::passkey_options(svc, &flow.request.client, &challenge.session).await {
        Ok(Some(options)) => Ok((challenge, options)),
        Ok(None) => Err(sign_in_again(flow, cookie, mfa::EXPIRED)),
        Err(e) => {
            tracing::error!(cause = %e, "reading the passkey challenge");
            Err(page::internal())
        }
    }
}

/// `GET /passkey`.
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
    let (_, options) = match passkey_challenge(&svc, &flow, &cookie).await {
        Ok(waiting) => waiting,
        Err(response) => return response,
    };
    match sign_in_view(&svc, &flow, &cookie, options).await {
        Ok(view) => render(StatusCode::OK, &view),
        Err(response) => response,
    }
}

/// `POST /passkey`: the browser's assertion answers the challenge. A refused passkey ends
/// the challenge (it counts as a wrong password): back to the sign-in page.
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
    let (challenge, options) = match passkey_challenge(&svc, &flow, &cookie).await {
        Ok(waiting) => waiting,
        Err(response) => return response,
    };
    let mut view = match sign_in_view(&svc, &flow, &cookie, options).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    if let Err(e) = crate::http::rate_limit::per_ip(&svc, &req, "auth").await {
        view.form.show(None, &error::describe(&e).message);
        return render(StatusCode::TOO_MANY_REQUESTS, &view);
    }
    let credential = form.raw("credential");
    if credential.is_empty() {
        view.form.show(None, view.failed);
        return render(StatusCode::OK, &view);
    }
    let step = hosted::answer_mfa(
        &svc,
        &flow.request.pool,
        &flow.request.client,
        &challenge.challenge,
        &challenge.session,
        &challenge.username,
        BTreeMap::from([("CREDENTIAL".to_string(), credential)]),
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
                render(StatusCode::OK, &view)
            }
            Err(response) => response,
        },
    }
}

/// The user the browser's hosted-UI session signs in, if any.
async fn signed_in_user(
    svc: &Services,
    flow: &Flow,
    cookie: &Session,
) -> Option<crate::domain::user::User> {
    let id = session::sso_id(cookie, &flow.site.pool_id)?;
    match sso::current(svc, &flow.site.pool_id, &id).await {
        Ok(found) => found.map(|s| s.user),
        Err(e) => {
            tracing::error!(cause = %e, "reading the hosted-UI session");
            None
        }
    }
}

/// Back to the authorization request, as it was: without a prompt waiting, the prompt's pages
/// only send the browser on (a `prompt=login` is honoured again).
fn back_to_authorize(flow: &Flow) -> HttpResponse {
    page::found(&format!(
        "{}?{}",
        flow.site.path("/oauth2/authorize"),
        flow.request.params.to_query()
    ))
}

/// Back to the authorization request after the prompt: the hosted-UI session of the sign-in
/// just made completes it (its `prompt=login` was honoured by that sign-in).
fn continue_to_app(flow: &Flow) -> HttpResponse {
    let mut params = flow.request.params.clone();
    params.prompt = None;
    page::found(&format!(
        "{}?{}",
        flow.site.path("/oauth2/authorize"),
        params.to_query()
    ))
}

async fn prompt_view(
    svc: &Services,
    flow: &Flow,
    cookie: &Session,
    user: &crate::domain::user::User,
) -> Result<PasskeyView, HttpResponse> {
    let options = match crate::services::passkeys::start_registration_for(
        svc,
        &flow.request.pool,
        user,
    )
    .await
    {
        Ok(options) => options.to_string(),
        Err(e) => {
            tracing::warn!(error_type = e.type_name(), "no passkey prompt");
            return Err(continue_to_app(flow));
        }
    };
    Ok(PasskeyView {
        layout: flow.layout(svc, "Add a passkey").await,
        form: FormState::new(
            flow.link("/passkeyPrompt"),
            page::csrf_token(cookie)?,
            Vec::new(),
        ),
        description: "Next time, sign in with your fingerprint, face or screen lock instead of \
                      your password."
            .into(),
        mode: "create",
        options,
        button: "Add a passkey",
        failed: "No passkey was added. Try again, or choose Not now.",
        skip: Some("Not now"),
        other_link: None,
        script: assets::passkey_script_url(),
    })
}

/// `GET /passkeyPrompt`: after a sign-in on the hosted pages, the offer to add a passkey.
pub async fn prompt_get(
    svc: web::Data<Services>,
    site: Site,
    cookie: Session,
    req: HttpRequest,
) -> HttpResponse {
    let flow = match page::begin(&svc, site, &req).await {
        Ok(flow) => flow,
        Err(response) => return response,
    };
    if !session::passkey_prompt_pending(&cookie, &flow.site.pool_id) {
        return back_to_authorize(&flow);
    }
    let Some(user) = signed_in_user(&svc, &flow, &cookie).await else {
        return page::found(&flow.link("/login"));
    };
    match prompt_view(&svc, &flow, &cookie, &user).await {
        Ok(view) => render(StatusCode::OK, &view),
        Err(response) => response,
    }
}

/// `POST /passkeyPrompt`: the browser's new passkey is registered, or "Not now"; either way
/// the sign-in goes on to the app.
pub async fn prompt_post(
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
    if !session::passkey_prompt_pending(&cookie, &flow.site.pool_id) {
        return back_to_authorize(&flow);
    }
    let Some(user) = signed_in_user(&svc, &flow, &cookie).await else {
        return page::found(&flow.link("/login"));
    };
    if form.text("skip") == "1" {
        session::clear_passkey_prompt(&cookie, &flow.site.pool_id);
        session::decline_passkey(&cookie, &flow.site.pool_id);
        return continue_to_app(&flow);
    }
    let credential: Option<serde_json::Value> = serde_json::from_str(&form.raw("credential")).ok();
    let result = match &credential {
        Some(c) => {
            crate::services::passkeys::complete_registration_for(&svc, &flow.request.pool, &user, c)
                .await
        }
        None => Err(crate::domain::AuthError::InvalidParameter(
            "No passkey was given.".into(),
        )),
    };
    match result {
        Ok(()) => {
            session::clear_passkey_prompt(&cookie, &flow.site.pool_id);
            continue_to_app(&flow)
        }
        Err(e) => {
            let mut view = match prompt_view(&svc, &flow, &cookie, &user).await {
                Ok(v) => v,
                Err(response) => return response,
            };
            view.form.show(None, &error::describe(&e).message);
            render(StatusCode::OK, &view)
        }
    }
}
