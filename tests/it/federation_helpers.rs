//! The federation test kit: a fake upstream OpenID Provider served in-process, and the steps of
//! a federated sign-in as a browser takes them.
//!
//! [`FakeOp`] listens on 127.0.0.1 port 0 and serves what Tessera's relying party uses:
//! discovery, its JWKS (one RSA key made with `tessera::crypto::jwt::generate_key`), a token
//! endpoint that checks `client_secret_basic`, the grant, the code (once only), the
//! `redirect_uri` and the PKCE verifier against the S256 challenge, and a userinfo endpoint.
//! It has no login page: the test reads where Tessera sent the browser ([`Upstream`]: `state`,
//! `nonce`, `code_challenge`, `redirect_uri`), mints a code bound to them with
//! [`FakeOp::issue_code`] (with a [`Tamper`] for the attacks: another key, audience, expiry,
//! nonce or issuer) and delivers the callback in the same browser (one cookie-keeping client
//! that follows no redirect).

use crate::helpers::TestApp;
use crate::oauth_helpers::{Answer, post_form, spawn_oauth_app};
use crate::ui_helpers::{Page, browser, get, params_of};
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use aws_sdk_cognitoidentityprovider::types::{IdentityProviderTypeType, OAuthFlowType};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tessera::crypto::jwt::{SigningKey, generate_key};

/// The app's callback, and the state it sends.
pub const APP_CALLBACK: &str = "https://app.example.com/cb";
pub const APP_STATE: &str = "app-state-42";

/// What the error page says when a browser brings an answer it has no sign-in waiting for.
pub const NOT_THIS_BROWSER: &str =
    "This sign-in was not started in this browser, or was already used.";

/// What the error page says when a copy of the cookie brings back an answered sign-in.
pub const ALREADY_USED: &str = "This sign-in was already used.";

/// What the error page says when the upstream's code or ID token fails (`{provider}`'s name
/// filled in by [`not_verified`]).
pub fn not_verified(provider: &str) -> String {
    format!("The sign-in with {provider} could not be verified.")
}

/// What the error page says when the answer names another issuer (RFC 9207).
pub const OTHER_ISSUER: &str =
    "The answer came from another identity provider than the one this sign-in went to.";

/// An account at the upstream.
#[derive(Debug, Clone)]
pub struct Account {
    pub sub: String,
    pub email: String,
    pub given_name: String,
}

impl Account {
    pub fn new(sub: &str, given_name: &str) -> Account {
        Account {
            sub: sub.to_string(),
            email: format!("{sub}@upstream.example"),
            given_name: given_name.to_string(),
        }
    }
}

/// Which key signs an ID token.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Signer {
    /// The key the JWKS publishes.
    #[default]
    Published,
    /// Another key, under the published key's `kid`.
    OtherKeySameKid,
    /// Another key, under a `kid` the JWKS does not have.
    OtherKeyUnknownKid,
    /// HS256 with the client secret as the key (a shared-secret signature).
    ClientSecretHs256,
    /// No signature at all (`alg: none`).
    Unsigned,
}

/// What to get wrong in an ID token; [`Default`] gets nothing wrong.
#[derive(Debug, Clone, Default)]
pub struct Tamper {
    pub signer: Signer,
    pub audience: Option<String>,
    /// Expired an hour ago.
    pub expired: bool,
    pub nonce: Option<String>,
    pub issuer: Option<String>,
}

/// A code the fake OP issued, waiting for its exchange.
struct Grant {
    redirect_uri: String,
    code_challenge: String,
    id_token: String,
    userinfo: Map<String, Value>,
    used: bool,
}

/// What the fake OP's endpoints share.
struct OpState {
    issuer: String,
    client_id: String,
    client_secret: String,
    jwks: Value,
    grants: HashMap<String, Grant>,
    access_tokens: HashMap<String, Map<String, Value>>,
    token_requests: usize,
    /// The `error` of every refused token request, in order.
    token_errors: Vec<String>,
}

/// A running fake OpenID Provider (stopped when dropped).
pub struct FakeOp {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    key: SigningKey,
    state: Arc<Mutex<OpState>>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for FakeOp {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

fn new_key(kid: Option<&str>) -> SigningKey {
    let generated = generate_key().unwrap();
    SigningKey::from_pkcs8_base64(kid.unwrap_or(&generated.kid), &generated.private_pkcs8).unwrap()
}

fn random() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

impl FakeOp {
    /// Starts an OP whose only client is `client_id` (secret `{client_id}-secret`).
    pub async fn start(client_id: &str) -> FakeOp {
        let key = tokio::task::spawn_blocking(|| new_key(None)).await.unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let client_secret = format!("{client_id}-secret");
        let state = Arc::new(Mutex::new(OpState {
            issuer: issuer.clone(),
            client_id: client_id.to_string(),
            client_secret: client_secret.clone(),
            jwks: json!({ "keys": [key.jwk()] }),
            grants: HashMap::new(),
            access_tokens: HashMap::new(),
            token_requests: 0,
            token_errors: Vec::new(),
        }));
        let shared = web::Data::from(state.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(shared.clone())
                        .route(
                            "/.well-known/openid-configuration",
                            web::get().to(discovery),
                        )
                        .route("/jwks", web::get().to(jwks))
                        .route("/token", web::post().to(token))
                        .route("/userinfo", web::get().to(userinfo))
                })
                .workers(1)
                .listen(listener)
                .unwrap()
                .run();
                tx.send(server.handle()).unwrap();
                let _ = server.await;
            });
        });
        let handle = tokio::task::spawn_blocking(move || rx.recv().unwrap())
            .await
            .unwrap();
        FakeOp {
            issuer,
            client_id: client_id.to_string(),
            client_secret,
            key,
            state,
            handle,
        }
    }

    /// Mints a code for the sign-in Tessera sent the browser to (`upstream`), bound to its
    /// `redirect_uri` and PKCE challenge, whose ID token names `account` and carries the
    /// request's `nonce` — unless `tamper` says otherwise.
    pub fn issue_code(&self, upstream: &Upstream, account: &Account, tamper: &Tamper) -> String {
        let now = now_secs();
        let (iat, exp) = if tamper.expired {
            (now - 7200, now - 3600)
        } else {
            (now, now + 300)
        };
        let claims = json!({
            "iss": tamper.issuer.clone().unwrap_or_else(|| self.issuer.clone()),
            "sub": account.sub,
            "aud": tamper.audience.clone().unwrap_or_else(|| self.client_id.clone()),
            "exp": exp,
            "iat": iat,
            "nonce": tamper.nonce.clone().unwrap_or_else(|| upstream.nonce.clone()),
            "email": account.email,
            "email_verified": true,
            "given_name": account.given_name,
        });
        let id_token = match tamper.signer {
            Signer::Published => self.key.sign(&claims),
            Signer::OtherKeySameKid => new_key(Some(&self.key.kid)).sign(&claims),
            Signer::OtherKeyUnknownKid => new_key(Some("not-in-the-jwks")).sign(&claims),
            Signer::ClientSecretHs256 => {
                let secret = self.state.lock().unwrap().client_secret.clone();
                let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
                header.kid = Some(self.key.kid.clone());
                Ok(jsonwebtoken::encode(
                    &header,
                    &claims,
                    &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
                )
                .unwrap())
            }
            Signer::Unsigned => {
                use base64::Engine;
                let b64 = |v: &Value| {
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
                };
                Ok(format!(
                    "{}.{}.",
                    b64(&json!({"alg": "none", "typ": "JWT"})),
                    b64(&claims)
                ))
            }
        }
        .unwrap();
        let userinfo = json!({
            "sub": account.sub,
            "email": account.email,
            "email_verified": true,
            "given_name": account.given_name,
        });
        let code = random();
        self.state.lock().unwrap().grants.insert(
            code.clone(),
            Grant {
                redirect_uri: upstream.redirect_uri.clone(),
                code_challenge: upstream.code_challenge.clone(),
                id_token,
                userinfo: userinfo.as_object().unwrap().clone(),
                used: false,
            },
        );
        code
    }

    /// How many requests reached the token endpoint.
    pub fn token_requests(&self) -> usize {
        self.state.lock().unwrap().token_requests
    }

    /// The `error` of every token request refused so far.
    pub fn token_errors(&self) -> Vec<String> {
        self.state.lock().unwrap().token_errors.clone()
    }
}

type Shared = web::Data<Mutex<OpState>>;

async fn discovery(state: Shared) -> HttpResponse {
    let issuer = state.lock().unwrap().issuer.clone();
    HttpResponse::Ok().json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "email", "profile"],
    }))
}

async fn jwks(state: Shared) -> HttpResponse {
    HttpResponse::Ok().json(state.lock().unwrap().jwks.clone())
}

/// Undoes the form encoding RFC 6749 §2.3.1 applies to Basic credentials.
fn form_decoded(value: &str) -> String {
    percent_encoding::percent_decode_str(&value.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// The client id and secret of a `client_secret_basic` Authorization header.
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get("authorization")?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decoded(id), form_decoded(secret)))
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `POST /token`: the authorization-code grant, checked as a careful OP does.
async fn token(state: Shared, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let mut st = state.lock().unwrap();
    st.token_requests += 1;
    let refuse = |st: &mut OpState, status: StatusCode, error: &str| {
        st.token_errors.push(error.to_string());
        HttpResponse::build(status).json(json!({ "error": error }))
    };
    let client_ok = basic_credentials(&req)
        .is_some_and(|(id, secret)| id == st.client_id && secret == st.client_secret);
    if !client_ok {
        return refuse(&mut st, StatusCode::UNAUTHORIZED, "invalid_client");
    }
    if field("grant_type") != "authorization_code" {
        return refuse(&mut st, StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let Some(grant) = st.grants.get_mut(field("code")) else {
        return refuse(&mut st, StatusCode::BAD_REQUEST, "invalid_grant");
    };
    // Used once, whatever happens next.
    let first_use = !std::mem::replace(&mut grant.used, true);
    let bound = grant.redirect_uri == field("redirect_uri")
        && s256(field("code_verifier")) == grant.code_challenge;
    if !first_use || !bound {
        return refuse(&mut st, StatusCode::BAD_REQUEST, "invalid_grant");
    }
    let (id_token, userinfo) = (grant.id_token.clone(), grant.userinfo.clone());
    let access_token = random();
    st.access_tokens.insert(access_token.clone(), userinfo);
    HttpResponse::Ok().json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
}

/// `GET /userinfo` with a bearer token the token endpoint issued.
async fn userinfo(state: Shared, req: HttpRequest) -> HttpResponse {
    let bearer = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    match state.lock().unwrap().access_tokens.get(bearer) {
        Some(claims) => HttpResponse::Ok().json(claims),
        None => HttpResponse::Unauthorized().json(json!({ "error": "invalid_token" })),
    }
}

/// Where Tessera sent the browser upstream, read.
#[derive(Debug, Clone)]
pub struct Upstream {
    pub url: String,
    pub client_id: String,
    pub state: String,
    pub nonce: String,
    pub code_challenge: String,
    /// Tessera's `/oauth2/idpresponse`.
    pub redirect_uri: String,
}

impl Upstream {
    /// Reads an upstream authorization URL, checking it asks for a code with PKCE S256.
    pub fn parse(url: &str) -> Upstream {
        let p = params_of(url);
        let take = |name: &str| {
            p.get(name)
                .cloned()
                .unwrap_or_else(|| panic!("no {name} in {url}"))
        };
        assert_eq!(take("response_type"), "code", "{url}");
        assert_eq!(take("code_challenge_method"), "S256", "{url}");
        assert!(take("scope").split(' ').any(|s| s == "openid"), "{url}");
        Upstream {
            url: url.to_string(),
            client_id: take("client_id"),
            state: take("state"),
            nonce: take("nonce"),
            code_challenge: take("code_challenge"),
            redirect_uri: take("redirect_uri"),
        }
    }

    /// The callback an upstream sends the browser to with `code` and this sign-in's state.
    pub fn callback(&self, code: &str) -> String {
        self.callback_with(&[("code", code), ("state", &self.state)])
    }

    /// The callback with exactly these query parameters.
    pub fn callback_with(&self, pairs: &[(&str, &str)]) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
        format!("{}?{}", self.redirect_uri, q.finish())
    }
}

/// Creates an OIDC provider `name` for `op`, mapping `email` and `given_name`.
pub async fn create_oidc_provider(app: &TestApp, pool_id: &str, name: &str, op: &FakeOp) {
    app.cognito
        .create_identity_provider()
        .user_pool_id(pool_id)
        .provider_name(name)
        .provider_type(IdentityProviderTypeType::Oidc)
        .provider_details("client_id", &op.client_id)
        .provider_details("client_secret", &op.client_secret)
        .provider_details("authorize_scopes", "openid email profile")
        .provider_details("oidc_issuer", &op.issuer)
        .attribute_mapping("email", "email")
        .attribute_mapping("given_name", "given_name")
        .send()
        .await
        .unwrap();
}

/// Creates a public code-flow client calling back [`APP_CALLBACK`], supporting `COGNITO` and
/// `providers`; returns its id.
pub async fn federated_client(app: &TestApp, pool_id: &str, providers: &[&str]) -> String {
    let mut request = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(pool_id)
        .client_name("app")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .callback_urls(APP_CALLBACK)
        .supported_identity_providers("COGNITO");
    for p in providers {
        request = request.supported_identity_providers(*p);
    }
    request
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap()
}

/// A server, a pool, one fake OP and OIDC provider per name, and a client supporting them all.
pub struct Federation {
    pub app: TestApp,
    pub pool_id: String,
    pub client_id: String,
    /// The providers' names, and their OPs in the same order.
    pub names: Vec<String>,
    pub ops: Vec<FakeOp>,
}

/// Sets up [`Federation`] with providers `names` (each OP's client id is `tessera-{name}`).
pub async fn federation(db: crate::helpers::Backend, names: &[&str]) -> Federation {
    let app = spawn_oauth_app(db, &[]).await;
    let pool_id = app.create_pool("federation").await;
    let mut ops = Vec::new();
    for name in names {
        let op = FakeOp::start(&format!("tessera-{name}")).await;
        create_oidc_provider(&app, &pool_id, name, &op).await;
        ops.push(op);
    }
    let client_id = federated_client(&app, &pool_id, names).await;
    Federation {
        app,
        pool_id,
        client_id,
        names: names.iter().map(|n| n.to_string()).collect(),
        ops,
    }
}

impl Federation {
    /// The app's authorization URL naming `identity_provider`, with extra query pairs.
    pub fn authorize_url(&self, identity_provider: &str, extra: &[(&str, &str)]) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("response_type", "code");
        q.append_pair("client_id", &self.client_id);
        q.append_pair("redirect_uri", APP_CALLBACK);
        q.append_pair("scope", "openid email profile");
        q.append_pair("state", APP_STATE);
        q.append_pair("identity_provider", identity_provider);
        for (k, v) in extra {
            q.append_pair(k, v);
        }
        format!(
            "{}/{}/oauth2/authorize?{}",
            self.app.address,
            self.pool_id,
            q.finish()
        )
    }

    /// Opens the authorization URL for `provider` in `browser` and reads where Tessera sent
    /// it: `op`'s authorization endpoint.
    pub async fn start(
        &self,
        browser: &reqwest::Client,
        provider: &str,
        op: &FakeOp,
        extra: &[(&str, &str)],
    ) -> Upstream {
        let page = get(&self.app, browser, &self.authorize_url(provider, extra)).await;
        assert_eq!(page.status, 302, "{}", page.body);
        let location = page.location();
        assert!(
            location.starts_with(&format!("{}/authorize?", op.issuer)),
            "{location}"
        );
        let upstream = Upstream::parse(&location);
        assert_eq!(upstream.client_id, op.client_id);
        assert_eq!(
            upstream.redirect_uri,
            format!("{}/{}/oauth2/idpresponse", self.app.address, self.pool_id)
        );
        upstream
    }

    /// A whole sign-in of `account` at the first OP in a new browser; returns Tessera's code.
    pub async fn sign_in(&self, account: &Account) -> String {
        let browser = browser();
        self.sign_in_in(&browser, account).await
    }

    /// A whole sign-in of `account` at the first OP in `browser`; returns Tessera's code.
    pub async fn sign_in_in(&self, browser: &reqwest::Client, account: &Account) -> String {
        let op = &self.ops[0];
        let upstream = self.start(browser, &self.names[0], op, &[]).await;
        let code = op.issue_code(&upstream, account, &Tamper::default());
        let page = get(&self.app, browser, &upstream.callback(&code)).await;
        back_with_code(&page)
    }

    /// Exchanges a code of Tessera's at its token endpoint; returns the answer.
    pub async fn exchange(&self, code: &str) -> Answer {
        post_form(
            &self.app,
            &self.pool_id,
            "token",
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", APP_CALLBACK),
                ("client_id", &self.client_id),
            ],
            None,
        )
        .await
    }

    /// Exchanges a code of Tessera's and returns the ID token's claims.
    pub async fn id_token_claims(&self, code: &str) -> Value {
        let answer = self.exchange(code).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        crate::tokens_helpers::payload(answer.body["id_token"].as_str().unwrap())
    }

    /// How many users the pool has.
    pub async fn user_count(&self) -> usize {
        self.app
            .cognito
            .list_users()
            .user_pool_id(&self.pool_id)
            .send()
            .await
            .unwrap()
            .users()
            .len()
    }
}

/// Asserts that `page` sends the browser back to the app with a code and the app's state;
/// returns the code.
pub fn back_with_code(page: &Page) -> String {
    assert_eq!(page.status, 302, "{}", page.body);
    let location = page.location();
    assert!(
        location.starts_with(&format!("{APP_CALLBACK}?")),
        "{location}"
    );
    let params = params_of(&location);
    assert_eq!(params.get("state").map(String::as_str), Some(APP_STATE));
    params
        .get("code")
        .cloned()
        .unwrap_or_else(|| panic!("no code in {location}"))
}

/// Asserts that `page` sends the browser back to the app with `error` and the app's state,
/// and no code.
pub fn back_with_error(page: &Page, error: &str) {
    assert_eq!(page.status, 302, "{}", page.body);
    let location = page.location();
    assert!(
        location.starts_with(&format!("{APP_CALLBACK}?")),
        "{location}"
    );
    let params = params_of(&location);
    assert_eq!(params.get("error").map(String::as_str), Some(error));
    assert_eq!(params.get("state").map(String::as_str), Some(APP_STATE));
    assert!(!params.contains_key("code"), "{location}");
}

/// Asserts that `page` is Tessera's error page (400, HTML, no redirect) saying `says`.
pub fn error_page(page: &Page, says: &str) {
    assert_eq!(page.status, 400, "{:?} {}", page.headers, page.body);
    assert!(
        page.header("content-type").starts_with("text/html"),
        "{:?}",
        page.headers
    );
    assert!(page.headers.get("location").is_none(), "{:?}", page.headers);
    assert!(
        page.body.contains(says),
        "expected {says:?} in {}",
        page.body
    );
}

/// Reads a response into a [`Page`].
pub async fn page_of(response: reqwest::Response) -> Page {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    Page {
        status,
        headers,
        body,
    }
}
