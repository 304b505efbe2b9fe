//! `/oauth2/authorize` (reference §1.2, RFC 6749 §4.1.1 and §4.2.1, RFC 7636): checking an
//! authorization request, and completing it for a signed-in user.
//!
//! Until the client and its redirect URI are known to be right, nothing redirects: an unknown
//! client or an unregistered `redirect_uri` is an error page (an open redirect otherwise).
//! After that every error goes back to the client with `error` and `state` — in the query for
//! the code grant, in the fragment for the implicit grant.

use super::{internal, scopes, sso};
use crate::clock::Millis;
use crate::crypto::random;
use crate::domain::AuthError;
use crate::domain::client::UserPoolClient;
use crate::domain::client_oauth::COGNITO;
use crate::domain::oauth_error::{OAuthError, OAuthErrorCode};
use crate::domain::pool::UserPool;
use crate::domain::user::User;
use crate::services::Services;
use crate::services::tokens::{self, SignIn};
use crate::store::oauth_codes::CodeRow;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How long an authorization code can be exchanged (reference §1.2).
pub const CODE_LIFETIME_MS: i64 = 5 * 60 * 1000;

/// Longest `state` / `nonce` / `login_hint` accepted.
const MAX_PARAM_LEN: usize = 2048;

/// The query of `/oauth2/authorize`, which every hosted page carries along (reference §1.3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub identity_provider: Option<String>,
    pub idp_identifier: Option<String>,
    pub prompt: Option<String>,
    pub login_hint: Option<String>,
    pub lang: Option<String>,
}

impl AuthorizeParams {
    /// Parses a query string. A parameter given twice is `invalid_request` (RFC 6749 §3.1);
    /// unknown parameters are ignored.
    pub fn from_query(query: &str) -> Result<AuthorizeParams, OAuthError> {
        let mut p = AuthorizeParams::default();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match name.as_ref() {
                "response_type" => &mut p.response_type,
                "client_id" => &mut p.client_id,
                "redirect_uri" => &mut p.redirect_uri,
                "scope" => &mut p.scope,
                "state" => &mut p.state,
                "nonce" => &mut p.nonce,
                "code_challenge" => &mut p.code_challenge,
                "code_challenge_method" => &mut p.code_challenge_method,
                "identity_provider" => &mut p.identity_provider,
                "idp_identifier" => &mut p.idp_identifier,
                "prompt" => &mut p.prompt,
                "login_hint" => &mut p.login_hint,
                "lang" => &mut p.lang,
                _ => continue,
            };
            if slot.is_some() {
                return Err(OAuthError::invalid_request(format!(
                    "The parameter {name} is given more than once."
                )));
            }
            *slot = Some(value.into_owned());
        }
        Ok(p)
    }

    /// The parameters that were given, as a query string (no leading `?`).
    pub fn to_query(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        let fields = [
            ("response_type", &self.response_type),
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("scope", &self.scope),
            ("state", &self.state),
            ("nonce", &self.nonce),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
            ("identity_provider", &self.identity_provider),
            ("idp_identifier", &self.idp_identifier),
            ("prompt", &self.prompt),
            ("login_hint", &self.login_hint),
            ("lang", &self.lang),
        ];
        for (name, value) in fields {
            if let Some(v) = value {
                q.append_pair(name, v);
            }
        }
        q.finish()
    }
}

/// `response_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    /// Authorization code (with or without PKCE).
    Code,
    /// Implicit: tokens in the fragment.
    Token,
}

/// `prompt` (OpenID Connect Core §3.1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Sign in silently when a hosted-UI session is alive, else show the form.
    Default,
    /// Always show the form.
    Login,
    /// Never show the form: no session is `login_required`.
    None,
}

/// A checked authorization request.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    pub pool: UserPool,
    pub client: UserPoolClient,
    pub response_type: ResponseType,
    /// Exactly one of the client's callback URLs.
    pub redirect_uri: String,
    /// The granted scopes.
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    /// PKCE S256 challenge.
    pub code_challenge: Option<String>,
    pub prompt: Prompt,
    pub login_hint: Option<String>,
    /// The identity provider to sign in with, named by `identity_provider` or
    /// `idp_identifier` (or the client's only one): the browser goes there instead of the
    /// sign-in page.
    pub upstream: Option<String>,
    /// The request as received, for the hosted pages to carry along.
    pub params: AuthorizeParams,
    /// The pool's issuer, sent back as `iss` with every answer (RFC 9207).
    pub issuer: String,
}

/// Why an authorization request cannot go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// The client or its redirect URI cannot be trusted: show an error page, never redirect.
    ErrorPage(OAuthError),
    /// Send the browser back to the client: the full URL, with `error` and `state`.
    Redirect(String),
}

/// What `/oauth2/authorize` does next.
#[derive(Debug, Clone)]
pub enum Authorized {
    /// Show the sign-in page for this request.
    SignIn(Box<AuthorizeRequest>),
    /// A hosted-UI session was alive: go straight back to the client (full URL).
    Done(String),
}

fn error_page(error: OAuthErrorCode, description: &str) -> AuthorizeError {
    AuthorizeError::ErrorPage(OAuthError::new(error, description))
}

/// Appends `pairs` to `uri`: to its query for the code grant, as the fragment for the
/// implicit grant.
fn with_params(uri: &str, fragment: bool, pairs: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        q.append_pair(k, v);
    }
    let encoded = q.finish();
    if fragment {
        format!("{uri}#{encoded}")
    } else if uri.contains('?') {
        format!("{uri}&{encoded}")
    } else {
        format!("{uri}?{encoded}")
    }
}

/// The redirect that reports `error` to the client of a checked redirect URI, with the
/// issuer that answers (`iss`, RFC 9207: a client of several providers knows which one).
pub fn error_redirect(
    redirect_uri: &str,
    fragment: bool,
    state: Option<&str>,
    issuer: &str,
    error: &OAuthError,
) -> String {
    let mut pairs = vec![
        ("error", error.error.as_str()),
        ("error_description", error.description.as_str()),
    ];
    if let Some(s) = state {
        pairs.push(("state", s));
    }
    pairs.push(("iss", issuer));
    with_params(redirect_uri, fragment, &pairs)
}

/// True for a PKCE code challenge of RFC 7636 §4.2's form (43–128 unreserved characters).
fn valid_challenge(c: &str) -> bool {
    (43..=128).contains(&c.len())
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Finds the client and its redirect URI; failures here never redirect.
async fn trusted_target(
    svc: &Services,
    pool_id: &str,
    params: &AuthorizeParams,
) -> Result<(UserPool, UserPoolClient, String), AuthorizeError> {
    let Some(client_id) = params.client_id.as_deref().filter(|c| !c.is_empty()) else {
        return Err(error_page(
            OAuthErrorCode::InvalidRequest,
            "client_id is required.",
        ));
    };
    let client = match crate::services::admin::clients::find_client(svc, client_id).await {
        Ok(c) if c.pool_id == pool_id => c,
        Ok(_) | Err(AuthError::ResourceNotFound(_)) => {
            return Err(error_page(
                OAuthErrorCode::InvalidClient,
                "The client does not exist.",
            ));
        }
        Err(e) => return Err(AuthorizeError::ErrorPage(internal(e))),
    };
    let redirect_uri = match params.redirect_uri.as_deref().filter(|r| !r.is_empty()) {
        Some(uri) => uri.to_string(),
        None => match &client.settings.default_redirect_uri {
            Some(default) => default.clone(),
            None => {
                return Err(error_page(
                    OAuthErrorCode::RedirectMismatch,
                    "redirect_uri is required.",
                ));
            }
        },
    };
    // Exact, character for character (DESIGN §4).
    if !client.settings.callback_urls.contains(&redirect_uri) {
        return Err(error_page(
            OAuthErrorCode::RedirectMismatch,
            "redirect_uri is not one of the client's callback URLs.",
        ));
    }
    let pool = svc
        .require_pool(pool_id)
        .await
        .map_err(|e| AuthorizeError::ErrorPage(internal(e)))?;
    Ok((pool, client, redirect_uri))
}

/// Which identity provider the request goes to: `identity_provider` (`COGNITO` is the
/// sign-in page), `idp_identifier`, or the client's only provider when it cannot sign in with
/// the pool itself. None means the sign-in page; an unknown or unsupported provider, or a
/// client that supports none, is an error for the client.
async fn upstream(
    svc: &Services,
    pool_id: &str,
    client: &UserPoolClient,
    params: &AuthorizeParams,
) -> Result<Result<Option<String>, OAuthError>, AuthError> {
    let supported = &client.settings.supported_identity_providers;
    let cognito = supported.iter().any(|p| p == COGNITO);
    let unsupported = |name: &str| {
        Ok(Err(OAuthError::invalid_request(format!(
            "Identity provider {name} is not configured for this client."
        ))))
    };
    if let Some(name) = params
        .identity_provider
        .as_deref()
        .filter(|n| !n.is_empty())
    {
        return match name {
            COGNITO if cognito => Ok(Ok(None)),
            _ if name != COGNITO && supported.iter().any(|p| p == name) => {
                Ok(Ok(Some(name.to_string())))
            }
            _ => unsupported(name),
        };
    }
    if let Some(id) = params.idp_identifier.as_deref().filter(|n| !n.is_empty()) {
        let providers = crate::services::admin::identity_providers::all(svc, pool_id).await?;
        return match providers
            .iter()
            .find(|p| p.idp_identifiers.iter().any(|i| i == id))
        {
            Some(p) if supported.contains(&p.name) => Ok(Ok(Some(p.name.clone()))),
            _ => unsupported(id),
        };
    }
    match (cognito, supported.as_slice()) {
        (true, _) => Ok(Ok(None)),
        (false, [only]) => Ok(Ok(Some(only.clone()))),
        (false, []) => Ok(Err(OAuthError::unauthorized_client(
            "The client supports no identity provider (SupportedIdentityProviders).",
        ))),
        // The sign-in page shows a button per provider.
        (false, _) => Ok(Ok(None)),
    }
}

/// Checks an authorization request against the pool and its client.
pub async fn check(
    svc: &Services,
    pool_id: &str,
    params: &AuthorizeParams,
) -> Result<AuthorizeRequest, AuthorizeError> {
    let (pool, client, redirect_uri) = trusted_target(svc, pool_id, params).await?;
    let response_type = match params.response_type.as_deref() {
        Some("code") => Some(ResponseType::Code),
        Some("token") => Some(ResponseType::Token),
        _ => None,
    };
    let fragment = response_type == Some(ResponseType::Token);
    let state = params.state.as_deref();
    let issuer = crate::services::keys::issuer(svc, &pool.id);
    let fail = |e: OAuthError| {
        AuthorizeError::Redirect(error_redirect(&redirect_uri, fragment, state, &issuer, &e))
    };
    let s = &client.settings;
    if !s.allowed_oauth_flows_user_pool_client {
        return Err(fail(OAuthError::invalid_request(
            "Client is not enabled for OAuth2.0 flows.",
        )));
    }
    let response_type = match (response_type, params.response_type.as_deref()) {
        (Some(rt), _) => rt,
        (None, None | Some("")) => {
            return Err(fail(OAuthError::invalid_request(
                "response_type is required.",
            )));
        }
        (None, Some(other)) => {
            return Err(fail(OAuthError::new(
                OAuthErrorCode::UnsupportedResponseType,
                format!("response_type {other} is not supported; use code or token."),
            )));
        }
    };
    let flow = match response_type {
        ResponseType::Code => "code",
        ResponseType::Token => "implicit",
    };
    if !s.allowed_oauth_flows.iter().any(|f| f == flow) {
        return Err(fail(OAuthError::unauthorized_client(format!(
            "The client may not use the {flow} flow."
        ))));
    }
    let upstream = upstream(svc, &pool.id, &client, params)
        .await
        .map_err(|e| fail(internal(e)))?
        .map_err(fail)?;
    let too_long = [&params.state, &params.nonce, &params.login_hint]
        .iter()
        .any(|v| v.as_ref().is_some_and(|v| v.len() > MAX_PARAM_LEN));
    if too_long {
        return Err(fail(OAuthError::invalid_request(
            "state, nonce and login_hint are limited to 2048 characters.",
        )));
    }
    let code_challenge = match (
        params.code_challenge.as_deref().filter(|c| !c.is_empty()),
        params
            .code_challenge_method
            .as_deref()
            .filter(|m| !m.is_empty()),
    ) {
        (None, None) => None,
        (Some(c), Some("S256")) if valid_challenge(c) => Some(c.to_string()),
        (Some(_), Some("S256")) => {
            return Err(fail(OAuthError::invalid_request(
                "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~].",
            )));
        }
        (_, Some("S256")) | (Some(_), None) => {
            return Err(fail(OAuthError::invalid_request(
                "code_challenge and code_challenge_method=S256 go together.",
            )));
        }
        (_, Some(_)) => {
            return Err(fail(OAuthError::invalid_request(
                "Only code_challenge_method S256 is supported.",
            )));
        }
    };
    let scopes = scopes::for_authorize(svc, &client, params.scope.as_deref())
        .await
        .map_err(fail)?;
    let prompt = match params.prompt.as_deref() {
        Some(p) if p.split(' ').any(|v| v == "login") => Prompt::Login,
        Some(p) if p.split(' ').any(|v| v == "none") => Prompt::None,
        _ => Prompt::Default,
    };
    Ok(AuthorizeRequest {
        pool,
        client,
        response_type,
        redirect_uri,
        scopes,
        state: params.state.clone(),
        nonce: params.nonce.clone().filter(|n| !n.is_empty()),
        code_challenge,
        prompt,
        login_hint: params.login_hint.clone(),
        upstream,
        params: params.clone(),
        issuer,
    })
}

/// `/oauth2/authorize`: checks the request and, when the browser has a live hosted-UI
/// session for this pool (`sso_id` from its cookie) and `prompt` is not `login`, completes it
/// at once. With `prompt=none` and no session, the client gets `login_required`.
pub async fn authorize(
    svc: &Services,
    pool_id: &str,
    params: &AuthorizeParams,
    sso_id: Option<&str>,
) -> Result<Authorized, AuthorizeError> {
    let req = check(svc, pool_id, params).await?;
    if req.prompt != Prompt::Login
        && let Some(id) = sso_id
        && let Some(session) = sso::current(svc, pool_id, id)
            .await
            .map_err(|e| AuthorizeError::Redirect(req.error_redirect(&internal(e))))?
        && session_fits(&req, session.provider.as_deref())
    {
        let url = complete(svc, &req, &session.user, session.auth_time).await?;
        return Ok(Authorized::Done(url));
    }
    if req.prompt == Prompt::None {
        return Err(AuthorizeError::Redirect(req.error_redirect(
            &OAuthError::new(OAuthErrorCode::LoginRequired, "The user is not signed in."),
        )));
    }
    Ok(Authorized::SignIn(Box::new(req)))
}

/// Whether a hosted-UI session made through `provider` (None: the pool's own sign-in) may
/// answer this request: the client must support that provider, and a request that names a
/// provider (`identity_provider`, `idp_identifier`, or `COGNITO`) wants a sign-in through it.
fn session_fits(req: &AuthorizeRequest, provider: Option<&str>) -> bool {
    let provider = provider.unwrap_or(COGNITO);
    let supported = req
        .client
        .settings
        .supported_identity_providers
        .iter()
        .any(|p| p == provider);
    let wanted = match (&req.upstream, req.params.identity_provider.as_deref()) {
        (Some(name), _) => name == provider,
        (None, Some(COGNITO)) => provider == COGNITO,
        _ => true,
    };
    supported && wanted
}

impl AuthorizeRequest {
    /// This request with `login_hint` set (passed on to an identity provider).
    pub fn with_login_hint(&self, hint: &str) -> AuthorizeRequest {
        let mut request = self.clone();
        request.login_hint = Some(hint.to_string());
        request.params.login_hint = Some(hint.to_string());
        request
    }

    /// The redirect that reports `error` to this request's client.
    pub fn error_redirect(&self, error: &OAuthError) -> String {
        error_redirect(
            &self.redirect_uri,
            self.response_type == ResponseType::Token,
            self.state.as_deref(),
            &self.issuer,
            error,
        )
    }
}

/// The SHA-256 under which a code is stored.
pub fn code_hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}

/// Completes the request for a signed-in user: a code bound to the request (code grant), or
/// tokens in the fragment (implicit grant; no refresh token). Returns the URL to send the
/// browser to.
pub async fn complete(
    svc: &Services,
    req: &AuthorizeRequest,
    user: &User,
    auth_time: Millis,
) -> Result<String, AuthorizeError> {
    let fail = |e: AuthError| AuthorizeError::Redirect(req.error_redirect(&internal(e)));
    let state = req.state.as_deref();
    match req.response_type {
        ResponseType::Code => {
            let code = random::url_token(32);
            let now = svc.now();
            svc.store
                .insert_code(&CodeRow {
                    code_hash: code_hash(&code),
                    pool_id: req.pool.id.clone(),
                    client_id: req.client.id.clone(),
                    user_id: user.sub.clone(),
                    redirect_uri: req.redirect_uri.clone(),
                    scopes: req.scopes.join(" "),
                    nonce: req.nonce.clone(),
                    code_challenge: req.code_challenge.clone(),
                    auth_time,
                    created_at: now,
                    expires_at: now + CODE_LIFETIME_MS,
                    used_at: None,
                    origin_jti: None,
                })
                .await
                .map_err(|e| fail(e.into()))?;
            let mut pairs = vec![("code", code.as_str())];
            if let Some(s) = state {
                pairs.push(("state", s));
            }
            pairs.push(("iss", &req.issuer));
            Ok(with_params(&req.redirect_uri, false, &pairs))
        }
        ResponseType::Token => {
            let result = tokens::issue(
                svc,
                SignIn {
                    pool: &req.pool,
                    client: &req.client,
                    user,
                    auth_time,
                    scopes: req.scopes.clone(),
                    nonce: req.nonce.clone(),
                    at_hash: true,
                    config_version: None,
                    source: crate::services::tokens::TokenSource::HostedAuth,
                    client_metadata: None,
                    device_key: None,
                },
            )
            .await
            .map_err(fail)?;
            let expires_in = result.expires_in.to_string();
            let mut pairs = vec![("access_token", result.access_token.as_str())];
            if req.scopes.iter().any(|s| s == "openid") {
                pairs.push(("id_token", result.id_token.as_str()));
            }
            pairs.push(("token_type", "Bearer"));
            pairs.push(("expires_in", expires_in.as_str()));
            if let Some(s) = state {
                pairs.push(("state", s));
            }
            pairs.push(("iss", &req.issuer));
            Ok(with_params(&req.redirect_uri, true, &pairs))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_round_trip_through_the_query() {
        let p = AuthorizeParams {
            response_type: Some("code".into()),
            client_id: Some("abc".into()),
            redirect_uri: Some("https://app.example.com/cb?x=1&y=2".into()),
            state: Some("a b+c".into()),
            ..Default::default()
        };
        let q = p.to_query();
        assert_eq!(AuthorizeParams::from_query(&q).unwrap(), p);
        assert!(AuthorizeParams::from_query("client_id=a&client_id=b").is_err());
    }

    #[test]
    fn redirects_put_errors_in_the_query_or_the_fragment() {
        let e = OAuthError::invalid_scope("no");
        let iss = "https://id.example/local_a";
        assert_eq!(
            error_redirect("https://a.example/cb?k=v", false, Some("s 1"), iss, &e),
            "https://a.example/cb?k=v&error=invalid_scope&error_description=no&state=s+1\
             &iss=https%3A%2F%2Fid.example%2Flocal_a"
        );
        assert_eq!(
            error_redirect("myapp://cb", true, None, iss, &e),
            "myapp://cb#error=invalid_scope&error_description=no&iss=https%3A%2F%2Fid.example%2Flocal_a"
        );
    }

    #[test]
    fn pkce_challenges() {
        assert!(valid_challenge(&"a".repeat(43)));
        assert!(!valid_challenge(&"a".repeat(42)));
        assert!(!valid_challenge(&format!("{}=", "a".repeat(43))));
    }
}
