//! Sign-in through an upstream identity provider (reference §1.2, §1.10): `/oauth2/authorize`
//! with `identity_provider` or `idp_identifier`, or a provider's button on the sign-in page,
//! sends the browser upstream ([`start`]); `/oauth2/idpresponse` comes back with the answer
//! ([`finish`]), which continues the original authorization request for the user the account
//! signs in as (`users`).
//!
//! The browser carries what binds the two halves ([`Pending`]: `state`, `nonce`, the PKCE
//! verifier, the provider and the original request) in the hosted UI's encrypted cookie, so an
//! answer meant for another browser, another provider or an earlier attempt finds nothing to
//! finish; the database remembers each answered `state` until it would have expired, so a
//! copy of the cookie cannot bring an answered sign-in back. A wrong state, an answer from another issuer (RFC 9207 `iss`), a code the upstream
//! refuses or an ID token that fails a check ends on the error page, never with a token; an
//! error the upstream reports (the user cancelled) goes back to the app.

pub mod users;

use super::oauth::authorize::{self, AuthorizeError, AuthorizeParams, AuthorizeRequest};
use crate::clock::Millis;
use crate::crypto::constant_time_eq;
use crate::domain::AuthError;
use crate::domain::identity_provider::IdentityProvider;
use crate::domain::oauth_error::{OAuthError, OAuthErrorCode};
use crate::domain::user::User;
use crate::federation::Failure;
use crate::services::Services;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How long a browser may take upstream.
pub const PENDING_LIFETIME_MS: i64 = 10 * 60 * 1000;

/// A sign-in waiting for the upstream's answer, kept in the browser's encrypted cookie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub provider: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// The original authorization request (its query).
    pub request: String,
    pub started_at: Millis,
}

/// The upstream's answer at `/oauth2/idpresponse`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// RFC 9207: the issuer that answered.
    pub iss: Option<String>,
    /// Sign in with Apple's `user` (JSON: the name, on the first sign-in only).
    pub user: Option<String>,
}

/// How a federated sign-in ended.
#[derive(Debug)]
pub enum Finished {
    /// The user is signed in: continue the request.
    SignedIn {
        request: Box<AuthorizeRequest>,
        user: Box<User>,
        auth_time: Millis,
        /// The provider's name.
        provider: String,
    },
    /// Back to the app with an error (full URL).
    Back(String),
}

/// Why a federated sign-in cannot go on.
#[derive(Debug)]
pub enum Problem {
    /// Show the error page with this description (the answer cannot be trusted).
    Page(String),
    /// The original request can no longer go on.
    Authorize(AuthorizeError),
    /// Our own fault (logged by the caller).
    Internal(AuthError),
}

/// The provider `name` of the pool, if it exists and `client` may use it.
pub async fn provider_for(
    svc: &Services,
    request: &AuthorizeRequest,
    name: &str,
) -> Result<Option<IdentityProvider>, AuthError> {
    if !request
        .client
        .settings
        .supported_identity_providers
        .iter()
        .any(|p| p == name)
    {
        return Ok(None);
    }
    Ok(svc
        .store
        .get_identity_provider(&request.pool.id, name)
        .await?)
}

/// Sends the browser to provider `p` for `request`: the upstream URL, and what the browser
/// must keep until it comes back.
pub fn start(
    svc: &Services,
    request: &AuthorizeRequest,
    p: &IdentityProvider,
    redirect_uri: &str,
) -> Result<(String, Pending), AuthorizeError> {
    let started =
        svc.federation
            .start(p, redirect_uri, request.login_hint.as_deref())
            .map_err(|f| {
                tracing::warn!(provider = %p.name, failure = %f, "starting a federated sign-in");
                AuthorizeError::Redirect(request.error_redirect(&OAuthError::invalid_request(
                    format!("{} is not configured correctly.", p.name),
                )))
            })?;
    let mut params = request.params.clone();
    params.identity_provider = None;
    params.idp_identifier = None;
    Ok((
        started.url,
        Pending {
            provider: p.name.clone(),
            state: started.state,
            nonce: started.nonce,
            pkce_verifier: started.pkce_verifier,
            request: params.to_query(),
            started_at: svc.now(),
        },
    ))
}

/// The error the app hears when the upstream reported one: the standard codes as sent,
/// anything else as `invalid_request`.
fn upstream_error(error: &str, description: Option<&str>) -> OAuthError {
    let code = match error {
        "access_denied" => OAuthErrorCode::AccessDenied,
        "temporarily_unavailable" => OAuthErrorCode::TemporarilyUnavailable,
        "server_error" => OAuthErrorCode::ServerError,
        "login_required" => OAuthErrorCode::LoginRequired,
        _ => OAuthErrorCode::InvalidRequest,
    };
    let mut text: String = description
        .unwrap_or(error)
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    if text.is_empty() {
        text = error.chars().take(64).collect();
    }
    OAuthError::new(code, text)
}

/// Sign in with Apple posts the user's name once, unsigned, beside the ID token: its
/// `firstName` and `lastName` become claims the mapping can name (never the signed ones).
pub(crate) fn apple_name(claims: &mut serde_json::Map<String, serde_json::Value>, user: &str) {
    let Ok(serde_json::Value::Object(posted)) = serde_json::from_str::<serde_json::Value>(user)
    else {
        return;
    };
    let Some(serde_json::Value::Object(name)) = posted.get("name") else {
        return;
    };
    for key in ["firstName", "lastName"] {
        if let Some(serde_json::Value::String(v)) = name.get(key)
            && !claims.contains_key(key)
            && v.chars().count() <= 256
        {
            claims.insert(key.to_string(), serde_json::Value::String(v.clone()));
        }
    }
}

/// Finishes a federated sign-in with the upstream's answer. `pending` is what this browser
/// kept (already removed from its cookie: an answer is used once).
pub async fn finish(
    svc: &Services,
    pool_id: &str,
    redirect_uri: &str,
    pending: Pending,
    answer: Answer,
) -> Result<Finished, Problem> {
    let result = finish_answer(svc, pool_id, redirect_uri, pending, answer).await;
    let (outcome, user) = match &result {
        Ok(Finished::SignedIn { user, .. }) => ("success", Some(&**user)),
        _ => ("failure", None),
    };
    crate::metrics::sign_in("FEDERATED", outcome);
    let reason = Some("FEDERATED");
    crate::services::audit::security(svc, pool_id, "SignIn", outcome, user, None, reason);
    result
}

async fn finish_answer(
    svc: &Services,
    pool_id: &str,
    redirect_uri: &str,
    pending: Pending,
    answer: Answer,
) -> Result<Finished, Problem> {
    let state_matches = answer
        .state
        .as_deref()
        .is_some_and(|s| constant_time_eq(s.as_bytes(), pending.state.as_bytes()));
    if !state_matches {
        return Err(Problem::Page(
            "This sign-in was not started in this browser, or was already used. Start again from the app."
                .into(),
        ));
    }
    if svc.now() - pending.started_at > PENDING_LIFETIME_MS {
        return Err(Problem::Page(
            "This sign-in took too long. Start again from the app.".into(),
        ));
    }
    // The cookie forgets the sign-in once answered; a copy of it must not bring it back.
    let state_hash = hex::encode(Sha256::digest(pending.state.as_bytes()));
    let first = svc
        .store
        .use_federation_state(
            &state_hash,
            pending.started_at + PENDING_LIFETIME_MS,
            svc.now(),
        )
        .await
        .map_err(|e| Problem::Internal(e.into()))?;
    if !first {
        return Err(Problem::Page(
            "This sign-in was already used. Start again from the app.".into(),
        ));
    }
    let params =
        AuthorizeParams::from_query(&pending.request).map_err(|e| Problem::Page(e.description))?;
    let request = authorize::check(svc, pool_id, &params)
        .await
        .map_err(Problem::Authorize)?;
    let back = |e: OAuthError| Ok(Finished::Back(request.error_redirect(&e)));
    let Some(p) = provider_for(svc, &request, &pending.provider)
        .await
        .map_err(Problem::Internal)?
    else {
        return back(OAuthError::invalid_request(format!(
            "Identity provider {} is not available to this client.",
            pending.provider
        )));
    };
    if let (Some(iss), Some(expected)) = (answer.iss.as_deref(), p.endpoints().issuer)
        && iss != expected
    {
        return Err(Problem::Page(
            "The answer came from another identity provider than the one this sign-in went to."
                .into(),
        ));
    }
    if let Some(error) = answer.error.as_deref() {
        return back(upstream_error(error, answer.error_description.as_deref()));
    }
    let Some(code) = answer.code.as_deref().filter(|c| !c.is_empty()) else {
        return Err(Problem::Page(
            "The identity provider's answer has no code.".into(),
        ));
    };
    let mut claims = svc
        .federation
        .finish(
            &p,
            redirect_uri,
            code,
            &pending.pkce_verifier,
            &pending.nonce,
            svc.now() / 1000,
        )
        .await
        .map_err(|f| {
            tracing::warn!(provider = %p.name, failure = %f, "a federated sign-in failed");
            Problem::Page(match f {
                Failure::Unreachable(_) => format!("{} could not be reached. Try again.", p.name),
                Failure::Misconfigured(_) => format!("{} is not configured correctly.", p.name),
                Failure::Refused(_) | Failure::Invalid(_) => {
                    format!("The sign-in with {} could not be verified.", p.name)
                }
            })
        })?;
    if p.kind == crate::domain::identity_provider::ProviderType::SignInWithApple
        && let Some(user) = answer.user.as_deref()
    {
        apple_name(&mut claims, user);
    }
    match users::sign_in(svc, &request.pool, &request.client.id, &p, &claims).await {
        Ok(user) => Ok(Finished::SignedIn {
            request: Box::new(request),
            user: Box::new(user),
            auth_time: svc.now(),
            provider: p.name.clone(),
        }),
        Err(AuthError::Internal(cause)) => Err(Problem::Internal(AuthError::Internal(cause))),
        Err(e) => back(OAuthError::invalid_request(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::apple_name;
    use serde_json::json;

    #[test]
    fn apples_posted_name_adds_claims_but_never_replaces_signed_ones() {
        let mut claims = json!({"sub": "001.abc", "email": "a@privaterelay.appleid.com"})
            .as_object()
            .unwrap()
            .clone();
        apple_name(
            &mut claims,
            r#"{"name":{"firstName":"Ann","lastName":"Lee"},"email":"other@example.com"}"#,
        );
        assert_eq!(claims["firstName"], "Ann");
        assert_eq!(claims["lastName"], "Lee");
        assert_eq!(claims["email"], "a@privaterelay.appleid.com");
        apple_name(&mut claims, "not json");
        assert_eq!(claims.len(), 4);
    }
}
