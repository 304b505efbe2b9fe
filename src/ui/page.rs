//! What every hosted page shares: the authorization request it carries (checked first, on
//! every page), the layout's view-model (title, style sheets, the pool's or client's logo),
//! rendering with the right status, redirects, the per-IP rate limit of the POSTs, and the
//! last step of every successful sign-in (hosted-UI session, then back to the client).

use super::{assets, error, session};
use crate::clock::Millis;
use crate::domain::user::User;
use crate::http::site::Site;
use crate::services::Services;
use crate::services::auth::hosted::HostedStep;
use crate::services::oauth::authorize::{self, AuthorizeError, AuthorizeParams, AuthorizeRequest};
use crate::services::oauth::sso;
use actix_session::Session;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

/// The layout's view-model (`templates/base.html`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The page's title (also its `<h1>`).
    pub title: String,
    /// The app the user signs in to (the client's name), shown when there is no logo.
    pub app_name: String,
    /// The `lang` of the page.
    pub lang: String,
    /// Tessera's own style sheet (versioned URL).
    pub stylesheet: String,
    /// The pool's or client's SetUICustomization CSS, when there is one.
    pub custom_css: Option<String>,
    /// The pool's or client's logo, when there is one.
    pub logo: Option<String>,
}

impl Layout {
    /// A layout with Tessera's theme only (error pages).
    pub fn plain(title: &str) -> Layout {
        Layout {
            title: title.to_string(),
            app_name: String::new(),
            lang: "en".into(),
            stylesheet: assets::stylesheet_url(),
            custom_css: None,
            logo: None,
        }
    }

    /// The layout of a page of `client_id`'s flow, with its branding.
    pub async fn branded(
        svc: &Services,
        site: &Site,
        client_id: &str,
        app_name: &str,
        title: &str,
    ) -> Layout {
        let mut layout = Layout::plain(title);
        layout.app_name = app_name.to_string();
        match crate::services::branding::effective(svc, &site.pool_id, Some(client_id)).await {
            Ok(Some(custom)) => {
                let query = |path: &str| {
                    let mut q = url::form_urlencoded::Serializer::new(String::new());
                    q.append_pair("client_id", &custom.client_id);
                    q.append_pair("v", &custom.version.to_string());
                    format!("{}?{}", site.path(path), q.finish())
                };
                if custom.css.is_some() {
                    layout.custom_css = Some(query("/ui/custom.css"));
                }
                if custom.image_type.is_some() {
                    layout.logo = Some(query("/ui/logo"));
                }
            }
            Ok(None) => {}
            Err(e) => {
                // The page still works with the default theme.
                tracing::error!(cause = %e, "loading the hosted UI customization");
            }
        }
        layout
    }
}

/// A checked authorization request, as a page carries it along.
#[derive(Debug, Clone)]
pub struct Flow {
    pub site: Site,
    pub request: AuthorizeRequest,
}

impl Flow {
    /// The authorization request as a query string.
    pub fn query(&self) -> String {
        self.request.params.to_query()
    }

    /// The path of one of the pool's pages, carrying the request (`/login?…`).
    pub fn link(&self, page: &str) -> String {
        format!("{}?{}", self.site.path(page), self.query())
    }

    /// As [`Flow::link`], with `username` added (`/confirm?…&username=…`).
    pub fn link_for(&self, page: &str, username: &str) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("username", username);
        format!("{}&{}", self.link(page), q.finish())
    }

    /// Whether the client signs in with the pool's own users (`COGNITO`).
    pub fn signs_in_users(&self) -> bool {
        self.request
            .client
            .settings
            .supported_identity_providers
            .iter()
            .any(|p| p == crate::domain::client_oauth::COGNITO)
    }

    /// The pool's name for the people who sign in: the client's name.
    pub fn app_name(&self) -> &str {
        &self.request.client.name
    }

    /// The layout of one of this flow's pages.
    pub async fn layout(&self, svc: &Services, title: &str) -> Layout {
        Layout::branded(
            svc,
            &self.site,
            &self.request.client.id,
            self.app_name(),
            title,
        )
        .await
    }
}

/// Checks the authorization request a page was reached with (its query). When it cannot go
/// on, the response to send: the error page (an untrusted client or redirect URI is never
/// redirected to) or the redirect back to the client with the error.
/// Every page but the sign-in page's buttons needs a client that signs in with the pool's own
/// users (`COGNITO` in its SupportedIdentityProviders): else the forbidden page.
pub async fn begin(svc: &Services, site: Site, req: &HttpRequest) -> Result<Flow, HttpResponse> {
    let flow = begin_any(svc, site, req).await?;
    if !flow.signs_in_users() {
        return Err(error_page(
            StatusCode::FORBIDDEN,
            "This app does not sign in with a user name and password of this user pool.",
        ));
    }
    Ok(flow)
}

/// As [`begin`], for any client (the sign-in page, which shows identity provider buttons).
pub async fn begin_any(
    svc: &Services,
    site: Site,
    req: &HttpRequest,
) -> Result<Flow, HttpResponse> {
    let params = match AuthorizeParams::from_query(req.query_string()) {
        Ok(p) => p,
        Err(e) => return Err(error_page(StatusCode::BAD_REQUEST, &e.description)),
    };
    match authorize::check(svc, &site.pool_id, &params).await {
        Ok(request) => Ok(Flow { site, request }),
        Err(e) => Err(authorize_error(e)),
    }
}

/// The browser's CSRF token for a form; a failure to store it is our fault (a 500 page).
// Like `begin`, an error is the response to send; its size does not matter here.
#[allow(clippy::result_large_err)]
pub fn csrf_token(cookie: &actix_session::Session) -> Result<String, HttpResponse> {
    super::csrf::token(cookie).map_err(|e| {
        tracing::error!(cause = %e, "storing the CSRF token");
        internal()
    })
}

/// The start of every form POST: the flow, as [`begin`], and the form, refused with a 403
/// page (before anything else happens) unless it carries this browser's CSRF token.
pub async fn begin_post(
    svc: &Services,
    site: Site,
    req: &HttpRequest,
    cookie: &actix_session::Session,
    body: &[u8],
) -> Result<(Flow, super::forms::FormData), HttpResponse> {
    let flow = begin(svc, site, req).await?;
    let form = super::forms::FormData::parse(body);
    if !super::csrf::verify(cookie, form.get(super::csrf::FIELD)) {
        return Err(forbidden());
    }
    Ok((flow, form))
}

/// Renders an authorization error: back to the client, or the error page.
pub fn authorize_error(e: AuthorizeError) -> HttpResponse {
    match e {
        AuthorizeError::Redirect(url) => found(&url),
        AuthorizeError::ErrorPage(e) => error_page(StatusCode::BAD_REQUEST, &e.description),
    }
}

/// A query parameter that is not part of the authorization request (`username`).
pub fn query_param(req: &HttpRequest, name: &str) -> Option<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `302 Found` to `url`.
pub fn found(url: &str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, url))
        .finish()
}

/// The status of a page showing `error` next to its form: 429 when the request was refused
/// for a limit or overload (with `Retry-After`, see `http::security_headers`), else 200.
pub fn status_of(error: &crate::domain::AuthError) -> StatusCode {
    match error {
        crate::domain::AuthError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::OK,
    }
}

/// A rendered page with `status`.
pub fn render(status: StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(e) => {
            tracing::error!(cause = %e, "rendering a hosted page");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body(error::INTERNAL)
        }
    }
}

/// The error page (`templates/ui/error.html`).
#[derive(Template)]
#[template(path = "ui/error.html")]
pub struct ErrorView {
    pub layout: Layout,
    pub description: String,
}

/// The error page with `status` and `description`.
pub fn error_page(status: StatusCode, description: &str) -> HttpResponse {
    render(
        status,
        &ErrorView {
            layout: Layout::plain("An error was encountered with the requested page."),
            description: description.to_string(),
        },
    )
}

/// The page for a POST whose CSRF token is missing or wrong: 403, nothing done.
pub fn forbidden() -> HttpResponse {
    error_page(
        StatusCode::FORBIDDEN,
        "This form has expired or was not sent from this site. Go back, reload the page and try again.",
    )
}

/// The page for an unexpected fault of ours (logged by the caller).
pub fn internal() -> HttpResponse {
    error_page(StatusCode::INTERNAL_SERVER_ERROR, error::INTERNAL)
}

/// Where a hosted sign-in step leads the browser: signed in (back to the client), the
/// new-password page, or the MFA pages (`/mfa` for a code, `/mfaOption` to choose a factor,
/// `/mfaSetup` to set up a software token). Challenge sessions go into the cookie.
pub async fn continue_step(
    svc: &Services,
    cookie: &Session,
    flow: &Flow,
    step: HostedStep,
) -> HttpResponse {
    let pool_id = &flow.site.pool_id;
    match step {
        HostedStep::SignedIn { user, auth_time } => {
            session::clear_challenge(cookie, pool_id);
            session::clear_mfa(cookie, pool_id);
            signed_in(svc, cookie, flow, &user, auth_time).await
        }
        HostedStep::NewPasswordRequired {
            session: challenge_session,
            username,
            required_attributes,
        } => {
            let challenge = session::Challenge {
                session: challenge_session,
                username,
                required_attributes,
            };
            if let Err(e) = session::set_challenge(cookie, pool_id, &challenge) {
                tracing::error!(cause = %e, "storing the challenge in the cookie");
                return internal();
            }
            found(&flow.link("/resetPassword"))
        }
        HostedStep::Mfa {
            challenge,
            session: challenge_session,
            username,
            mut parameters,
        } => {
            let path = mfa_path(&challenge);
            // A passkey's request options stay with the session in the database (the page
            // reads them there): a user's many passkeys must not outgrow the cookie.
            parameters.remove("CREDENTIAL_REQUEST_OPTIONS");
            let waiting = session::MfaChallenge {
                challenge,
                session: challenge_session,
                username,
                parameters,
                secret: None,
            };
            session::clear_challenge(cookie, pool_id);
            if let Err(e) = session::set_mfa(cookie, pool_id, &waiting) {
                tracing::error!(cause = %e, "storing the MFA challenge in the cookie");
                return internal();
            }
            found(&flow.link(path))
        }
    }
}

/// The page that answers an MFA challenge: `/mfaOption` (SELECT_MFA_TYPE), `/mfaSetup`
/// (MFA_SETUP), `/passkey` (WEB_AUTHN) or `/mfa` (a code: SOFTWARE_TOKEN_MFA, SMS_MFA,
/// EMAIL_OTP).
pub fn mfa_path(challenge: &str) -> &'static str {
    match challenge {
        "SELECT_MFA_TYPE" => "/mfaOption",
        "MFA_SETUP" => "/mfaSetup",
        "WEB_AUTHN" => "/passkey",
        _ => "/mfa",
    }
}

/// The end of every successful sign-in on the hosted pages: a hosted-UI session (so the next
/// authorization request of any client of the pool needs no form), then back to the client
/// with a code or tokens.
pub async fn signed_in(
    svc: &Services,
    cookie: &Session,
    flow: &Flow,
    user: &User,
    auth_time: Millis,
) -> HttpResponse {
    signed_in_through(svc, cookie, flow, user, auth_time, None).await
}

/// As [`signed_in`], for a sign-in through identity provider `provider` (remembered by the
/// session, for sign-out at the provider).
pub async fn signed_in_through(
    svc: &Services,
    cookie: &Session,
    flow: &Flow,
    user: &User,
    auth_time: Millis,
    provider: Option<&str>,
) -> HttpResponse {
    // A sign-in replacing another (prompt=login, another user) ends the old session, so a
    // copy of the old cookie signs no one in.
    if let Some(old) = session::sso_id(cookie, &flow.site.pool_id)
        && let Err(e) = sso::end(svc, &old).await
    {
        tracing::error!(cause = %e, "ending the replaced hosted-UI session");
        return internal();
    }
    let id = match sso::start(svc, &flow.request.pool, user, auth_time, provider).await {
        Ok(id) => id,
        Err(e) => {
            tracing::error!(cause = %e, "starting a hosted-UI session");
            return internal();
        }
    };
    // A new sign-in gets a fresh cookie and a fresh CSRF token.
    cookie.renew();
    crate::ui::csrf::forget(cookie);
    if let Err(e) = session::set_sso_id(cookie, &flow.site.pool_id, &id) {
        tracing::error!(cause = %e, "storing the hosted-UI session in the cookie");
        return internal();
    }
    // The passkey prompt: a user who signed in here, without a passkey, may add one first
    // (once per browser if declined); the session just started then completes the request.
    if provider.is_none()
        && flow.request.params.identity_provider.is_none()
        && !session::passkey_declined(cookie, &flow.site.pool_id)
        && crate::services::passkeys::prompt_applies(svc, &flow.request.pool, user).await
    {
        if let Err(e) = session::set_passkey_prompt(cookie, &flow.site.pool_id) {
            tracing::error!(cause = %e, "storing the passkey prompt in the cookie");
            return internal();
        }
        return found(&flow.link("/passkeyPrompt"));
    }
    match authorize::complete(svc, &flow.request, user, auth_time).await {
        Ok(url) => found(&url),
        Err(e) => authorize_error(e),
    }
}

/// Where a code went, in words: "by email to j***@e***".
pub fn delivered(details: &crate::domain::mask::CodeDeliveryDetails) -> String {
    use crate::domain::mask::DeliveryMedium;
    match details.medium {
        DeliveryMedium::Email => format!("by email to {}", details.destination),
        DeliveryMedium::Sms => format!("by text message to {}", details.destination),
    }
}
