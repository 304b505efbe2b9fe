//! Operators sign in through the operators' pool's hosted pages, as any app's users do: the
//! console is an OAuth client of that pool (authorization code with PKCE S256 and a state
//! bound to this browser), so passwords, TOTP, lockout and rate limits are the hosted pages'.

use super::ConsoleState;
use super::page::{error_page, see_other};
use super::session::{self, Operator, PendingSignIn, Tokens};
use crate::crypto::{constant_time_eq, random};
use crate::services::Services;
use crate::services::oauth::grants::{self, ClientAuth, Grant};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use sha2::{Digest, Sha256};

/// `GET /admin/signin`: to the operators' pool's authorization endpoint.
pub async fn signin(state: web::Data<ConsoleState>, cookie: Session) -> HttpResponse {
    let Some(console) = &state.console else {
        return unavailable();
    };
    let pending = PendingSignIn {
        state: random::url_token(24),
        verifier: random::url_token(48),
    };
    if let Err(e) = session::set_pending(&cookie, &pending) {
        tracing::error!(cause = %e, "storing the console sign-in in the cookie");
        return unavailable();
    }
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(pending.verifier.as_bytes()));
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("response_type", "code")
        .append_pair("client_id", &console.client_id)
        .append_pair("redirect_uri", &console.callback_url)
        .append_pair("scope", "openid")
        .append_pair("state", &pending.state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    see_other(&format!(
        "/{}/oauth2/authorize?{}",
        console.pool_id,
        query.finish()
    ))
}

/// `GET /admin/callback?code&state`: the code of this browser's sign-in, exchanged for the
/// operator's tokens.
pub async fn callback(
    svc: web::Data<Services>,
    state: web::Data<ConsoleState>,
    cookie: Session,
    req: HttpRequest,
) -> HttpResponse {
    let Some(console) = &state.console else {
        return unavailable();
    };
    let query: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    // The state must be the one this browser was sent off with, and is used once.
    let pending = session::take_pending(&cookie);
    let (Some(pending), Some(given), Some(code)) = (pending, param("state"), param("code")) else {
        return refused();
    };
    if !constant_time_eq(pending.state.as_bytes(), given.as_bytes()) {
        return refused();
    }
    let tokens = grants::token(
        &svc,
        &console.pool_id,
        ClientAuth {
            client_id: console.client_id.clone(),
            client_secret: None,
        },
        Grant::AuthorizationCode {
            code: code.to_string(),
            redirect_uri: Some(console.callback_url.clone()),
            code_verifier: Some(pending.verifier),
        },
    )
    .await;
    let Ok(tokens) = tokens else {
        return refused();
    };
    let tokens = Tokens {
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
    };
    if let Err(e) = session::signed_in(&cookie, &tokens) {
        tracing::error!(cause = %e, "storing the operator's sign-in in the cookie");
        return unavailable();
    }
    see_other("/admin/")
}

/// `POST /admin/signout`: ends the console session and the hosted-UI session of the operators'
/// pool, and revokes the refresh token.
pub async fn signout(op: Operator, _form: session::Form) -> HttpResponse {
    let Some(console) = &op.state.console else {
        return unavailable();
    };
    if let Some(tokens) = session::tokens(&op.cookie)
        && let Some(refresh) = tokens.refresh_token
    {
        let client = ClientAuth {
            client_id: console.client_id.clone(),
            client_secret: None,
        };
        if let Err(e) = grants::revoke(&op.svc, &console.pool_id, client, &refresh).await {
            tracing::warn!(error = ?e, "revoking the operator's refresh token at sign-out");
        }
    }
    op.cookie.purge();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("client_id", &console.client_id)
        .append_pair("logout_uri", &console.home_url);
    see_other(&format!("/{}/logout?{}", console.pool_id, query.finish()))
}

fn refused() -> HttpResponse {
    error_page(
        StatusCode::BAD_REQUEST,
        "This sign-in cannot be completed. Start again from the console.",
    )
}

fn unavailable() -> HttpResponse {
    error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "The console is not available: see the server's log.",
    )
}
