//! `GET /confirmUser?client_id=…&user_name=…&confirmation_code=…` (reference §1.1, §5.5): the
//! link in the sign-up email of CONFIRM_WITH_LINK pools. It confirms the account with
//! `services::sign_up::confirm_sign_up` (the code is the one the link carries) and says so,
//! with a link to sign in to the client the user signed up through.

use super::error;
use super::page::{self, Layout};
use crate::domain::AuthError;
use crate::http::site::Site;
use crate::services::Services;
use crate::services::client_auth::{first_party_secret_hash, load_client};
use crate::services::oauth::authorize::AuthorizeParams;
use crate::services::sign_up::{self, UserRef};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

/// The confirmation-link page's view-model.
#[derive(Template)]
#[template(path = "ui/confirm_user.html")]
pub struct ConfirmUserView {
    pub layout: Layout,
    pub message: String,
    /// The client's sign-in page, when it has a callback URL to come back to.
    pub login_link: Option<String>,
}

/// The sign-in page of a client that uses the hosted UI: its default (or only) callback URL,
/// with the first flow it allows.
fn login_link(site: &Site, client: &crate::domain::client::UserPoolClient) -> Option<String> {
    let s = &client.settings;
    if !s.allowed_oauth_flows_user_pool_client {
        return None;
    }
    let redirect_uri = s
        .default_redirect_uri
        .clone()
        .or_else(|| s.callback_urls.first().cloned())?;
    let response_type = if s.allowed_oauth_flows.iter().any(|f| f == "code") {
        "code"
    } else if s.allowed_oauth_flows.iter().any(|f| f == "implicit") {
        "token"
    } else {
        return None;
    };
    let params = AuthorizeParams {
        client_id: Some(client.id.clone()),
        redirect_uri: Some(redirect_uri),
        response_type: Some(response_type.into()),
        ..Default::default()
    };
    Some(format!("{}?{}", site.path("/login"), params.to_query()))
}

/// `GET /confirmUser`.
pub async fn get(svc: web::Data<Services>, site: Site, req: HttpRequest) -> HttpResponse {
    let param = |name: &str| page::query_param(&req, name).unwrap_or_default();
    let (client_id, username, code) = (
        param("client_id"),
        param("user_name"),
        param("confirmation_code"),
    );
    if client_id.is_empty() || username.is_empty() || code.is_empty() {
        return page::error_page(
            StatusCode::BAD_REQUEST,
            "This confirmation link is incomplete. Copy the whole link from the email.",
        );
    }
    let client = match load_client(&svc, &client_id).await {
        Ok((_, client)) if client.pool_id == site.pool_id => client,
        Ok(_) | Err(AuthError::ResourceNotFound(_)) => {
            return page::error_page(StatusCode::BAD_REQUEST, "The client does not exist.");
        }
        Err(e) => {
            tracing::error!(cause = %e, "loading the client of a confirmation link");
            return page::internal();
        }
    };
    let layout = Layout::branded(
        &svc,
        &site,
        &client.id,
        &client.name,
        "Confirm your account",
    )
    .await;
    let login_link = login_link(&site, &client);
    if let Err(e) = crate::http::rate_limit::per_ip(&svc, &req, "sign_up").await {
        let view = ConfirmUserView {
            layout,
            message: error::describe(&e).message,
            login_link: None,
        };
        return page::render(StatusCode::TOO_MANY_REQUESTS, &view);
    }
    let user = UserRef {
        client_id: client.id.clone(),
        secret_hash: first_party_secret_hash(&client, &username),
        username,
    };
    let (status, message) =
        match sign_up::confirm_sign_up(&svc, user, &code, false, &Default::default()).await {
            Ok(_) => (
                StatusCode::OK,
                "Your account has been confirmed. You can now sign in.".to_string(),
            ),
            Err(e) => (StatusCode::BAD_REQUEST, error::describe(&e).message),
        };
    page::render(
        status,
        &ConfirmUserView {
            layout,
            message,
            login_link,
        },
    )
}
