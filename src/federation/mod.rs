//! The relying party to upstream identity providers (DESIGN §2 Federation), with the design
//! card's crates: `openidconnect` for discovery, the code exchange and the ID token's checks
//! (signature against the upstream's JWKS, issuer, audience, expiry, nonce), `oauth2` for the
//! plain OAuth 2.0 types (Facebook, Login with Amazon), which prove the account through their
//! user endpoint. Every call waits at most 5 s and follows no redirect. What the account's
//! claims mean is for `services::federation`: here they are only JSON.

mod apple;

use crate::domain::identity_provider::{IdentityProvider, ProviderType};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    JsonWebKeySetUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    ProviderMetadataWithLogout, RedirectUrl, Scope, TokenUrl,
};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The signature algorithms accepted on an upstream's ID token.
const ASYMMETRIC: [CoreJwsSigningAlgorithm; 8] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
];

/// How long one call to an upstream may take.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// How long a fetched JWKS is used before it is fetched again.
const JWKS_LIFETIME: Duration = Duration::from_secs(600);
/// A JWKS younger than this is not fetched again when a signature fails to verify.
const JWKS_MIN_AGE: Duration = Duration::from_secs(10);

/// Why a sign-in with an upstream failed. The text is for logs and the error page; it never
/// holds a secret or a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The provider's settings cannot work (a bad URL, an unreadable Apple key).
    Misconfigured(String),
    /// The upstream could not be reached or answered with something that is not a protocol
    /// answer.
    Unreachable(String),
    /// The upstream refused (an OAuth error answer: a used or wrong code, a wrong secret).
    Refused(String),
    /// The answer failed a check: the ID token's signature, issuer, audience, expiry or nonce,
    /// or the account has no identifier.
    Invalid(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Misconfigured(s) => write!(f, "the provider is misconfigured: {s}"),
            Failure::Unreachable(s) => write!(f, "the provider could not be reached: {s}"),
            Failure::Refused(s) => write!(f, "the provider refused: {s}"),
            Failure::Invalid(s) => write!(f, "the provider's answer is not valid: {s}"),
        }
    }
}

/// The endpoints an OpenID Provider's discovery document names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    pub authorize_url: String,
    pub token_url: String,
    pub attributes_url: Option<String>,
    pub jwks_uri: String,
    /// OpenID Connect RP-Initiated Logout's `end_session_endpoint`.
    pub end_session_endpoint: Option<String>,
}

/// What a browser is sent upstream with, and what the callback needs to finish.
#[derive(Debug, Clone)]
pub struct Start {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Talks to upstream providers; one per server, sharing connections and fetched key sets.
#[derive(Debug)]
pub struct Upstreams {
    http: reqwest::Client,
    jwks: Mutex<HashMap<String, (Instant, CoreJsonWebKeySet)>>,
    discovered: Mutex<HashMap<String, (Instant, Discovered)>>,
}

impl Default for Upstreams {
    fn default() -> Self {
        Self::new()
    }
}

fn url_of<T>(
    make: impl FnOnce(String) -> Result<T, url::ParseError>,
    value: &str,
) -> Result<T, Failure> {
    make(value.to_string()).map_err(|_| Failure::Misconfigured(format!("{value} is not a URL")))
}

impl Upstreams {
    pub fn new() -> Upstreams {
        Upstreams {
            http: reqwest::Client::builder()
                .timeout(TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
            jwks: Mutex::new(HashMap::new()),
            discovered: Mutex::new(HashMap::new()),
        }
    }

    /// Reads an issuer's discovery document (`/.well-known/openid-configuration`).
    pub async fn discover(&self, issuer: &str) -> Result<Discovered, Failure> {
        let url = url_of(IssuerUrl::new, issuer)?;
        let metadata = ProviderMetadataWithLogout::discover_async(url, &self.http)
            .await
            .map_err(|e| Failure::Unreachable(format!("discovery: {e}")))?;
        let found = Discovered {
            authorize_url: metadata.authorization_endpoint().to_string(),
            token_url: metadata
                .token_endpoint()
                .map(ToString::to_string)
                .ok_or_else(|| {
                    Failure::Invalid("the discovery document has no token_endpoint".into())
                })?,
            attributes_url: metadata.userinfo_endpoint().map(ToString::to_string),
            jwks_uri: metadata.jwks_uri().to_string(),
            end_session_endpoint: metadata
                .additional_metadata()
                .end_session_endpoint
                .as_ref()
                .map(ToString::to_string),
        };
        if let Ok(mut held) = self.discovered.lock() {
            held.insert(issuer.to_string(), (Instant::now(), found.clone()));
        }
        Ok(found)
    }

    /// The issuer's `end_session_endpoint`, from a discovery document read in the last ten
    /// minutes or read now.
    pub async fn end_session_endpoint(&self, issuer: &str) -> Result<Option<String>, Failure> {
        if let Ok(held) = self.discovered.lock()
            && let Some((at, found)) = held.get(issuer)
            && at.elapsed() < JWKS_LIFETIME
        {
            return Ok(found.end_session_endpoint.clone());
        }
        Ok(self.discover(issuer).await?.end_session_endpoint)
    }

    /// The upstream authorization URL for a new sign-in, with fresh `state`, `nonce` (OpenID
    /// Connect types) and PKCE S256 challenge.
    pub fn start(
        &self,
        p: &IdentityProvider,
        redirect_uri: &str,
        login_hint: Option<&str>,
    ) -> Result<Start, Failure> {
        let e = p.endpoints();
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let state = CsrfToken::new_random();
        let nonce = Nonce::new_random();
        let client_id = ClientId::new(p.detail("client_id").unwrap_or_default().to_string());
        let auth_url = url_of(AuthUrl::new, &e.authorize_url)?;
        let redirect = url_of(RedirectUrl::new, redirect_uri)?;
        let scopes: Vec<Scope> = p
            .scopes()
            .split(' ')
            .filter(|s| !s.is_empty() && (*s != "openid" || !p.kind.uses_id_token()))
            .map(|s| Scope::new(s.to_string()))
            .collect();
        let mut url = if p.kind.uses_id_token() {
            let issuer = url_of(IssuerUrl::new, e.issuer.as_deref().unwrap_or_default())?;
            let (state, nonce) = (state.clone(), nonce.clone());
            let client = CoreClient::new(client_id, issuer, CoreJsonWebKeySet::default())
                .set_auth_uri(auth_url)
                .set_redirect_uri(redirect);
            let mut request = client
                .authorize_url(
                    CoreAuthenticationFlow::AuthorizationCode,
                    move || state,
                    move || nonce,
                )
                .add_scopes(scopes)
                .set_pkce_challenge(challenge);
            if p.kind == ProviderType::SignInWithApple {
                // Apple posts the answer back when it asks for the name or the email.
                request = request.add_extra_param("response_mode", "form_post");
            }
            request.url().0
        } else {
            let client = oauth2::basic::BasicClient::new(oauth2::ClientId::new(
                p.detail("client_id").unwrap_or_default().to_string(),
            ))
            .set_auth_uri(oauth2::AuthUrl::from_url(auth_url.url().clone()))
            .set_redirect_uri(oauth2::RedirectUrl::from_url(redirect.url().clone()));
            let state = oauth2::CsrfToken::new(state.secret().clone());
            let (url, _) = client
                .authorize_url(move || state)
                .add_scopes(
                    scopes
                        .into_iter()
                        .map(|s| oauth2::Scope::new(s.to_string())),
                )
                .set_pkce_challenge(oauth2::PkceCodeChallenge::from_code_verifier_sha256(
                    &oauth2::PkceCodeVerifier::new(verifier.secret().clone()),
                ))
                .url();
            url
        };
        if let Some(hint) = login_hint.filter(|h| !h.is_empty()) {
            url.query_pairs_mut().append_pair("login_hint", hint);
        }
        Ok(Start {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Finishes a sign-in: exchanges the code (with the PKCE verifier), checks the ID token
    /// (OpenID Connect types) and reads the user endpoint when there is one. Returns the
    /// account's claims, the user endpoint's over the ID token's; both must name the same
    /// subject.
    pub async fn finish(
        &self,
        p: &IdentityProvider,
        redirect_uri: &str,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
        now_secs: i64,
    ) -> Result<Map<String, Value>, Failure> {
        let e = p.endpoints();
        let token_url = url_of(TokenUrl::new, &e.token_url)?;
        let redirect = url_of(RedirectUrl::new, redirect_uri)?;
        let secret = match p.kind {
            ProviderType::SignInWithApple => Some(apple::client_secret(p, now_secs)?),
            _ => p.detail("client_secret").map(str::to_string),
        };
        let client_id = p.detail("client_id").unwrap_or_default().to_string();
        if !p.kind.uses_id_token() {
            let mut client = oauth2::basic::BasicClient::new(oauth2::ClientId::new(client_id))
                .set_token_uri(oauth2::TokenUrl::from_url(token_url.url().clone()))
                .set_redirect_uri(oauth2::RedirectUrl::from_url(redirect.url().clone()))
                .set_auth_type(oauth2::AuthType::RequestBody);
            if let Some(s) = secret {
                client = client.set_client_secret(oauth2::ClientSecret::new(s));
            }
            let tokens = client
                .exchange_code(oauth2::AuthorizationCode::new(code.to_string()))
                .set_pkce_verifier(oauth2::PkceCodeVerifier::new(pkce_verifier.to_string()))
                .request_async(&self.http)
                .await
                .map_err(token_failure)?;
            let Some(url) = e.attributes_url.as_deref() else {
                return Err(Failure::Misconfigured("no attributes_url".into()));
            };
            return self
                .user_endpoint(url, tokens.access_token().secret(), p.attributes_by_post())
                .await;
        }
        let issuer = url_of(IssuerUrl::new, e.issuer.as_deref().unwrap_or_default())?;
        let Some(jwks_uri) = e.jwks_uri.as_deref() else {
            return Err(Failure::Misconfigured("no jwks_uri".into()));
        };
        let mut client = CoreClient::new(
            ClientId::new(client_id.clone()),
            issuer.clone(),
            CoreJsonWebKeySet::default(),
        )
        .set_token_uri(token_url)
        .set_redirect_uri(redirect);
        if let Some(s) = secret {
            client = client.set_client_secret(ClientSecret::new(s));
        }
        if p.kind == ProviderType::SignInWithApple {
            client = client.set_auth_type(AuthType::RequestBody);
        }
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(token_failure)?;
        let id_token = tokens
            .extra_fields()
            .id_token()
            .ok_or_else(|| Failure::Invalid("the token answer has no id_token".into()))?;
        let nonce = Nonce::new(nonce.to_string());
        let mut fresh = false;
        loop {
            let (keys, age) = self.jwks(jwks_uri, fresh).await?;
            match check_id_token(id_token, keys, &client_id, &issuer, &nonce) {
                Ok(()) => break,
                Err(openidconnect::ClaimsVerificationError::SignatureVerification(_))
                    if !fresh && age > JWKS_MIN_AGE =>
                {
                    // The upstream may have rotated its keys since they were fetched.
                    fresh = true;
                }
                Err(e) => return Err(Failure::Invalid(format!("ID token: {e}"))),
            }
        }
        let mut claims = jwt_payload(&id_token.to_string())?;
        if let Some(url) = e.attributes_url.as_deref()
            && p.kind != ProviderType::SignInWithApple
        {
            let info = self
                .user_endpoint(url, tokens.access_token().secret(), p.attributes_by_post())
                .await?;
            merge_user_info(&mut claims, info)?;
        }
        Ok(claims)
    }

    /// The key set at `uri`, fetched when not held, too old, or `refresh` (and its age).
    async fn jwks(
        &self,
        uri: &str,
        refresh: bool,
    ) -> Result<(CoreJsonWebKeySet, Duration), Failure> {
        if !refresh
            && let Ok(held) = self.jwks.lock()
            && let Some((at, keys)) = held.get(uri)
            && at.elapsed() < JWKS_LIFETIME
        {
            return Ok((keys.clone(), at.elapsed()));
        }
        let url = url_of(JsonWebKeySetUrl::new, uri)?;
        let keys = CoreJsonWebKeySet::fetch_async(&url, &self.http)
            .await
            .map_err(|e| Failure::Unreachable(format!("JWKS: {e}")))?;
        if let Ok(mut held) = self.jwks.lock() {
            held.insert(uri.to_string(), (Instant::now(), keys.clone()));
        }
        Ok((keys, Duration::ZERO))
    }

    /// Reads the user endpoint with the access token (a bearer header; with POST, also the
    /// form field `access_token`).
    async fn user_endpoint(
        &self,
        url: &str,
        access_token: &str,
        post: bool,
    ) -> Result<Map<String, Value>, Failure> {
        let request = if post {
            self.http.post(url).form(&[("access_token", access_token)])
        } else {
            self.http.get(url)
        };
        let response = request
            .bearer_auth(access_token)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| Failure::Unreachable(format!("user endpoint: {}", e.without_url())))?;
        let status = response.status();
        if !status.is_success() {
            return Err(Failure::Refused(format!("user endpoint answered {status}")));
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| Failure::Unreachable(format!("user endpoint: {}", e.without_url())))?;
        user_info(&body)
    }
}

/// Checks an upstream's ID token against its key set: signature (public-key algorithms only,
/// never a shared secret such as HS256, nor `none`), issuer, audience, expiry and nonce.
pub fn check_id_token(
    id_token: &CoreIdToken,
    keys: CoreJsonWebKeySet,
    client_id: &str,
    issuer: &IssuerUrl,
    nonce: &Nonce,
) -> Result<(), openidconnect::ClaimsVerificationError> {
    let keyed = CoreClient::new(ClientId::new(client_id.to_string()), issuer.clone(), keys);
    let verifier = keyed.id_token_verifier().set_allowed_algs(ASYMMETRIC);
    id_token.claims(&verifier, nonce).map(drop)
}

/// The user endpoint's answer: a JSON object.
pub fn user_info(body: &[u8]) -> Result<Map<String, Value>, Failure> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Failure::Invalid(
            "the user endpoint did not answer a JSON object".into(),
        )),
    }
}

/// Adds the user endpoint's claims to the ID token's. OpenID Connect Core §5.3.2: the user
/// endpoint must name the ID token's subject; the signed claims that decide who the account is
/// (`sub`, `email`, `email_verified`) stay as signed.
pub fn merge_user_info(
    claims: &mut Map<String, Value>,
    info: Map<String, Value>,
) -> Result<(), Failure> {
    if info.get("sub") != claims.get("sub") {
        return Err(Failure::Invalid(
            "the user endpoint does not name the ID token's subject".into(),
        ));
    }
    for (name, value) in info {
        let signed = matches!(name.as_str(), "sub" | "email" | "email_verified");
        if !(signed && claims.contains_key(&name)) {
            claims.insert(name, value);
        }
    }
    Ok(())
}

/// The claims of a JWT whose signature has been checked.
pub fn jwt_payload(jwt: &str) -> Result<Map<String, Value>, Failure> {
    use base64::Engine;
    let payload = jwt
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice::<Map<String, Value>>(&bytes).ok());
    payload.ok_or_else(|| Failure::Invalid("the ID token's claims are not readable".into()))
}

/// A failed token request, by kind.
fn token_failure<RE, T>(e: oauth2::RequestTokenError<RE, T>) -> Failure
where
    RE: std::error::Error + 'static,
    T: oauth2::ErrorResponse + 'static,
{
    match e {
        oauth2::RequestTokenError::ServerResponse(answer) => {
            Failure::Refused(format!("token endpoint: {answer}"))
        }
        oauth2::RequestTokenError::Request(e) => {
            Failure::Unreachable(format!("token endpoint: {e}"))
        }
        oauth2::RequestTokenError::Parse(e, _) => {
            Failure::Invalid(format!("token endpoint answer: {e}"))
        }
        oauth2::RequestTokenError::Other(e) => Failure::Invalid(format!("token endpoint: {e}")),
    }
}
