//! `/logout` (reference §1.4): ends the browser's hosted-UI session, then either goes to one
//! of the client's sign-out URLs (`logout_uri`, matched exactly) or back to the sign-in page
//! for a new authorization request (`redirect_uri` + `response_type`). Tokens already issued
//! stay valid, as in Cognito; RevokeToken and GlobalSignOut end those.

use super::authorize::{self, AuthorizeError, AuthorizeParams};
use super::{internal, sso};
use crate::domain::AuthError;
use crate::domain::oauth_error::{OAuthError, OAuthErrorCode};
use crate::services::Services;

/// Where the browser goes after signing out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterLogout {
    /// The client's sign-out URL, exactly as registered.
    LogoutUri(String),
    /// The sign-in page, with this authorization request (query string).
    SignIn(String),
}

/// `/logout` with its query: `client_id` and `logout_uri`, or `client_id`, `redirect_uri`,
/// `response_type` (and `state`, `scope`, …). `sso_id` is the session the browser holds; it is
/// ended only when the request is valid.
pub async fn logout(
    svc: &Services,
    pool_id: &str,
    query: &str,
    sso_id: Option<&str>,
) -> Result<AfterLogout, AuthorizeError> {
    let page = |e: OAuthError| AuthorizeError::ErrorPage(e);
    let mut logout_uri: Option<String> = None;
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if name == "logout_uri" {
            if logout_uri.is_some() {
                return Err(page(OAuthError::invalid_request(
                    "The parameter logout_uri is given more than once.",
                )));
            }
            logout_uri = Some(value.into_owned());
        }
    }
    let params = AuthorizeParams::from_query(query).map_err(page)?;
    let Some(client_id) = params.client_id.as_deref().filter(|c| !c.is_empty()) else {
        return Err(page(OAuthError::invalid_request("client_id is required.")));
    };
    let next = if let Some(uri) = logout_uri {
        let client = match crate::services::admin::clients::find_client(svc, client_id).await {
            Ok(c) if c.pool_id == pool_id => c,
            Ok(_) | Err(AuthError::ResourceNotFound(_)) => {
                return Err(page(OAuthError::invalid_client(
                    "The client does not exist.",
                )));
            }
            Err(e) => return Err(page(internal(e))),
        };
        if !client.settings.logout_urls.contains(&uri) {
            return Err(page(OAuthError::new(
                OAuthErrorCode::RedirectMismatch,
                "logout_uri is not one of the client's sign-out URLs.",
            )));
        }
        AfterLogout::LogoutUri(uri)
    } else if params.redirect_uri.is_some() {
        let req = authorize::check(svc, pool_id, &params).await?;
        AfterLogout::SignIn(req.params.to_query())
    } else {
        return Err(page(OAuthError::invalid_request(
            "logout_uri, or redirect_uri and response_type, is required.",
        )));
    };
    if let Some(id) = sso_id {
        sso::end(svc, id).await.map_err(|e| page(internal(e)))?;
    }
    Ok(next)
}
