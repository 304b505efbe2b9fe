//! The console's cookie and who is signed in.
//!
//! One encrypted cookie (`tessera_console`, path `/admin`, HTTP-only, SameSite=Lax) holds the
//! operator's tokens from the operators' pool, the CSRF token, the PKCE state of a sign-in
//! under way and a one-line notice for the next page. Every console request checks the access
//! token through the same service as GetUser, so an operator disabled, deleted or signed out
//! everywhere loses the console at the next click; an expired access token is refreshed with
//! the refresh token (12 hours at most).

use super::ConsoleState;
use crate::services::Services;
use crate::services::oauth::grants::{self, ClientAuth, Grant};
use crate::ui::forms::FormData;
use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionExt, SessionMiddleware};
use actix_web::cookie::{Key, SameSite, time::Duration};
use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;

/// The cookie's name.
pub const COOKIE_NAME: &str = "tessera_console";
const OPERATOR: &str = "operator";
const SIGN_IN: &str = "signin";
const FLASH: &str = "flash";

/// The session middleware of the console's scope.
pub fn middleware(key: &[u8], secure: bool) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), Key::from(key))
        .cookie_name(COOKIE_NAME.to_string())
        .cookie_secure(secure)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_path(crate::services::console::PATH.to_string())
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(PersistentSession::default().session_ttl(Duration::hours(12)))
        .build()
}

/// A sign-in gone to the hosted pages: its `state` and PKCE verifier.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub state: String,
    pub verifier: String,
}

pub fn set_pending(cookie: &Session, pending: &PendingSignIn) -> Result<(), actix_web::Error> {
    cookie.insert(SIGN_IN, pending)?;
    Ok(())
}

pub fn take_pending(cookie: &Session) -> Option<PendingSignIn> {
    cookie.remove_as::<PendingSignIn>(SIGN_IN)?.ok()
}

/// The operator's tokens, as the cookie keeps them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
}

/// Keeps a new sign-in's tokens in a fresh cookie with a fresh CSRF token.
pub fn signed_in(cookie: &Session, tokens: &Tokens) -> Result<(), actix_web::Error> {
    cookie.renew();
    crate::ui::csrf::forget(cookie);
    cookie.insert(OPERATOR, tokens)?;
    Ok(())
}

/// The operator's tokens this cookie holds, if any.
pub fn tokens(cookie: &Session) -> Option<Tokens> {
    cookie.get::<Tokens>(OPERATOR).ok().flatten()
}

/// A notice or an error for the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub error: bool,
    pub text: String,
}

pub fn set_flash(cookie: &Session, flash: &Flash) {
    if let Err(e) = cookie.insert(FLASH, flash) {
        tracing::error!(cause = %e, "storing the console notice in the cookie");
    }
}

pub fn take_flash(cookie: &Session) -> Option<Flash> {
    cookie.remove_as::<Flash>(FLASH)?.ok()
}

/// A signed-in operator: the extractor of every console page but sign-in.
#[derive(Clone)]
pub struct Operator {
    pub username: String,
    pub svc: web::Data<Services>,
    pub state: web::Data<ConsoleState>,
    pub cookie: Session,
    /// This browser's CSRF token, for the page's forms.
    pub csrf: String,
}

/// Why a console request cannot go on.
#[derive(Debug)]
pub enum Refused {
    /// Nobody is signed in (or the sign-in ended): to the sign-in.
    SignIn,
    /// A POST without this browser's CSRF token.
    Forged,
    /// The console is not available (no operators' pool) or a fault of ours.
    Unavailable,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl ResponseError for Refused {
    fn status_code(&self) -> StatusCode {
        match self {
            Refused::SignIn => StatusCode::SEE_OTHER,
            Refused::Forged => StatusCode::FORBIDDEN,
            Refused::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Refused::SignIn => HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/admin/signin"))
                .finish(),
            Refused::Forged => super::page::error_page(
                StatusCode::FORBIDDEN,
                "This form has expired or was not sent from the console. Go back, reload the page and try again.",
            ),
            Refused::Unavailable => super::page::error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "The console is not available: see the server's log.",
            ),
        }
    }
}

impl FromRequest for Operator {
    type Error = Refused;
    type Future = Pin<Box<dyn Future<Output = Result<Operator, Refused>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let svc = req
                .app_data::<web::Data<Services>>()
                .cloned()
                .ok_or(Refused::Unavailable)?;
            let state = req
                .app_data::<web::Data<ConsoleState>>()
                .cloned()
                .ok_or(Refused::Unavailable)?;
            let cookie = req.get_session();
            let username = current(&svc, &state, &cookie).await?;
            let csrf = crate::ui::csrf::token(&cookie).map_err(|_| Refused::Unavailable)?;
            Ok(Operator {
                username,
                svc,
                state,
                cookie,
                csrf,
            })
        })
    }
}

/// The operator this cookie signs in, refreshing an expired access token once.
async fn current(
    svc: &Services,
    state: &ConsoleState,
    cookie: &Session,
) -> Result<String, Refused> {
    let console = state.console.as_ref().ok_or(Refused::Unavailable)?;
    let tokens = tokens(cookie).ok_or(Refused::SignIn)?;
    let check = |ctx: crate::services::tokens::AccessContext| {
        if ctx.pool.id == console.pool_id && ctx.client_id == console.client_id {
            Ok(ctx.user.username)
        } else {
            Err(Refused::SignIn)
        }
    };
    match crate::services::tokens::authenticate(svc, &tokens.access_token).await {
        Ok(ctx) => return check(ctx),
        // Expired (or revoked, or the operator disabled): the refresh below tells which.
        Err(crate::domain::AuthError::NotAuthorized(_)) => {}
        Err(e) => {
            tracing::error!(cause = %e, "checking the operator's access token");
            return Err(Refused::Unavailable);
        }
    }
    // One refresh, then the new access token is checked like the first.
    let Some(refresh_token) = tokens.refresh_token else {
        cookie.purge();
        return Err(Refused::SignIn);
    };
    let refreshed = grants::token(
        svc,
        &console.pool_id,
        ClientAuth {
            client_id: console.client_id.clone(),
            client_secret: None,
        },
        Grant::RefreshToken {
            refresh_token: refresh_token.clone(),
            scope: None,
        },
    )
    .await;
    let Ok(refreshed) = refreshed else {
        cookie.purge();
        return Err(Refused::SignIn);
    };
    let tokens = Tokens {
        access_token: refreshed.access_token,
        refresh_token: refreshed.refresh_token.or(Some(refresh_token)),
    };
    if cookie.insert(OPERATOR, &tokens).is_err() {
        return Err(Refused::Unavailable);
    }
    match crate::services::tokens::authenticate(svc, &tokens.access_token).await {
        Ok(ctx) => check(ctx),
        Err(_) => {
            cookie.purge();
            Err(Refused::SignIn)
        }
    }
}

/// A console form: its fields, refused (403) unless it carries this browser's CSRF token.
pub struct Form(pub FormData);

impl FromRequest for Form {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Form, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        let cookie = req.get_session();
        Box::pin(async move {
            let form = FormData::parse(&body.await?);
            if !crate::ui::csrf::verify(&cookie, form.get(crate::ui::csrf::FIELD)) {
                return Err(Refused::Forged.into());
            }
            Ok(Form(form))
        })
    }
}
