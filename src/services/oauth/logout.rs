//! `/logout` (reference §1.4): ends the browser's hosted-UI session, then either goes to one
//! of the client's sign-out URLs (`logout_uri`, matched exactly) or back to the sign-in page
//! for a new authorization request (`redirect_uri` + `response_type`). Tokens already issued
//! stay valid, as in Cognito; RevokeToken and GlobalSignOut end those.
//!
//! Beyond Cognito, `federated=true` also signs the user out at the OpenID Provider they signed
//! in through, when it publishes an `end_session_endpoint` (OpenID Connect RP-Initiated
//! Logout): the browser goes there first, and comes back to `/oauth2/idplogout`, which goes on
//! to where the sign-out was going.

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
    /// First the identity provider's sign-out at `url`, which comes back with `state`; then
    /// `then`.
    Upstream {
        url: String,
        state: String,
        then: Box<AfterLogout>,
    },
}

/// The identity provider's sign-out for a session made through it, if it has one. Failing to
/// find it is logged and skipped: Tessera's own sign-out goes on.
async fn upstream_sign_out(
    svc: &Services,
    pool_id: &str,
    sso_id: &str,
    callback: &str,
) -> Result<Option<(String, String)>, AuthError> {
    let Some(session) = sso::current(svc, pool_id, sso_id).await? else {
        return Ok(None);
    };
    let Some(name) = session.provider else {
        return Ok(None);
    };
    let Some(p) = svc.store.get_identity_provider(pool_id, &name).await? else {
        return Ok(None);
    };
    let Some(issuer) = p.endpoints().issuer else {
        return Ok(None);
    };
    let endpoint = match svc.federation.end_session_endpoint(&issuer).await {
        Ok(Some(endpoint)) => endpoint,
        Ok(None) => return Ok(None),
        Err(f) => {
            tracing::warn!(provider = %name, failure = %f, "finding the provider's sign-out");
            return Ok(None);
        }
    };
    let Ok(mut url) = url::Url::parse(&endpoint) else {
        return Ok(None);
    };
    let state = crate::crypto::random::url_token(24);
    url.query_pairs_mut()
        .append_pair("client_id", p.detail("client_id").unwrap_or_default())
        .append_pair("post_logout_redirect_uri", callback)
        .append_pair("state", &state);
    Ok(Some((url.to_string(), state)))
}

/// `/logout` with its query: `client_id` and `logout_uri`, or `client_id`, `redirect_uri`,
/// `response_type` (and `state`, `scope`, …). `sso_id` is the session the browser holds; it is
/// ended only when the request is valid.
pub async fn logout(
    svc: &Services,
    pool_id: &str,
    query: &str,
    sso_id: Option<&str>,
    upstream_callback: &str,
) -> Result<AfterLogout, AuthorizeError> {
    let page = |e: OAuthError| AuthorizeError::ErrorPage(e);
    let mut logout_uri: Option<String> = None;
    let mut federated = false;
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if name == "federated" {
            federated = value != "false";
        }
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
    let mut next = next;
    if let Some(id) = sso_id {
        if federated
            && let Some((url, state)) = upstream_sign_out(svc, pool_id, id, upstream_callback)
                .await
                .map_err(|e| page(internal(e)))?
        {
            next = AfterLogout::Upstream {
                url,
                state,
                then: Box::new(next),
            };
        }
        sso::end(svc, id).await.map_err(|e| page(internal(e)))?;
    }
    Ok(next)
}
