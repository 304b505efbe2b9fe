//! Shared by the OAuth tests: a server whose `TESSERA_PUBLIC_URL` is its real address (so a
//! relying party can discover the issuer and follow the URLs it names), an OAuth app client and
//! a confirmed user, authorization codes, raw token-endpoint requests, and the `openidconnect`
//! crate set up as a real relying party.
//!
//! Codes come two ways. [`authorize_as`] completes an authorization request through the
//! services (`services::oauth::authorize::{check, complete}`) for a user the test created and
//! confirmed — exactly what the hosted UI does once the user has signed in, minus the pages —
//! so the token endpoint can be tested on its own. [`sign_in_through_hosted_ui`] takes the
//! browser's path through the pages themselves.

use crate::helpers::{AppOptions, Backend, TestApp, spawn_app_with};
use crate::sign_in_helpers::set_permanent;
use crate::tokens_helpers::pool_and_user;
use crate::user_helpers::create_user;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeDataType, ExplicitAuthFlowsType, OAuthFlowType, SchemaAttributeType,
};
use openidconnect::core::{CoreClient, CoreProviderMetadata};
use openidconnect::{
    ClientId, ClientSecret, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, RedirectUrl,
};
use serde_json::Value;
use tessera::services::oauth::authorize::{self, AuthorizeParams};

pub const PASSWORD: &str = "Correct-Horse-9";
pub const CALLBACK: &str = "http://localhost:3000/callback";
pub const USERNAME: &str = "jane";

/// Boots a server with `env` added to its settings, checking that its `TESSERA_PUBLIC_URL`
/// is its real address (the default): issuers and discovery then name URLs the test can reach.
pub async fn spawn_oauth_app(db: Backend, env: &[(&str, &str)]) -> TestApp {
    let options = AppOptions {
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    };
    let app = spawn_app_with(db, options).await;
    assert_eq!(app.services.public_url, app.address);
    app
}

/// An app client of a pool, with its secret when it has one.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    pub pool_id: String,
    pub id: String,
    pub secret: Option<String>,
}

/// Creates a pool with `custom:tier` and a CONFIRMED user [`USERNAME`] (password [`PASSWORD`],
/// email, phone, given name and tier).
pub async fn pool_with_user(app: &TestApp) -> String {
    let pool_id = app
        .cognito
        .create_user_pool()
        .pool_name("oauth")
        .schema(
            SchemaAttributeType::builder()
                .name("tier")
                .attribute_data_type(AttributeDataType::String)
                .mutable(true)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    create_user(
        app,
        &pool_id,
        USERNAME,
        &[
            ("email", "jane@example.com"),
            ("email_verified", "true"),
            ("phone_number", "+15555550100"),
            ("phone_number_verified", "false"),
            ("given_name", "Jane"),
            ("family_name", "Doe"),
            ("custom:tier", "gold"),
        ],
    )
    .await;
    set_permanent(app, &pool_id, USERNAME, PASSWORD).await;
    pool_id
}

/// Options of an OAuth client; [`Default`] is a public code-flow client with the standard
/// scopes and refresh allowed.
pub struct ClientOptions {
    pub secret: bool,
    pub flows: Vec<OAuthFlowType>,
    pub scopes: Vec<String>,
    pub callbacks: Vec<String>,
    pub rotation: bool,
    pub revocation: bool,
    pub read_attributes: Option<Vec<String>>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            secret: false,
            flows: vec![OAuthFlowType::Code],
            scopes: [
                "openid",
                "email",
                "phone",
                "profile",
                "aws.cognito.signin.user.admin",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            callbacks: vec![CALLBACK.to_string()],
            rotation: false,
            revocation: true,
            read_attributes: None,
        }
    }
}

/// Creates an app client with CreateUserPoolClient.
pub async fn oauth_client(app: &TestApp, pool_id: &str, o: ClientOptions) -> OAuthClient {
    use aws_sdk_cognitoidentityprovider::types::{FeatureType, RefreshTokenRotationType};
    let mut req = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(pool_id)
        .client_name("web")
        .generate_secret(o.secret)
        .allowed_o_auth_flows_user_pool_client(true)
        .supported_identity_providers("COGNITO")
        .enable_token_revocation(o.revocation)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth);
    for f in o.flows {
        req = req.allowed_o_auth_flows(f);
    }
    for s in o.scopes {
        req = req.allowed_o_auth_scopes(s);
    }
    for c in o.callbacks {
        req = req.callback_urls(c);
    }
    for a in o.read_attributes.into_iter().flatten() {
        req = req.read_attributes(a);
    }
    if o.rotation {
        req = req.refresh_token_rotation(
            RefreshTokenRotationType::builder()
                .feature(FeatureType::Enabled)
                .retry_grace_period_seconds(0)
                .build()
                .unwrap(),
        );
    }
    let c = req.send().await.unwrap().user_pool_client.unwrap();
    OAuthClient {
        pool_id: pool_id.to_string(),
        id: c.client_id.unwrap(),
        secret: c.client_secret,
    }
}

/// A plain authorization URL (code flow) for `client`, with extra query pairs.
pub fn authorize_url(app: &TestApp, client: &OAuthClient, extra: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("response_type", "code");
    q.append_pair("client_id", &client.id);
    q.append_pair("redirect_uri", CALLBACK);
    for (k, v) in extra {
        q.append_pair(k, v);
    }
    format!(
        "{}/{}/oauth2/authorize?{}",
        app.address,
        client.pool_id,
        q.finish()
    )
}

/// Completes the authorization request of `authorize_url` for `username` through the services
/// (see the module documentation) and returns where the browser would be sent.
pub async fn authorize_as(
    app: &TestApp,
    pool_id: &str,
    authorize_url: &str,
    username: &str,
) -> String {
    let url = url::Url::parse(authorize_url).unwrap();
    let params = AuthorizeParams::from_query(url.query().unwrap_or_default()).unwrap();
    let request = authorize::check(&app.services, pool_id, &params)
        .await
        .unwrap();
    let (_, user) = pool_and_user(app, pool_id, username).await;
    authorize::complete(&app.services, &request, &user, app.services.now())
        .await
        .unwrap()
}

/// A query parameter of a URL.
pub fn query_param(location: &str, name: &str) -> Option<String> {
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A fresh code for `client` and [`USERNAME`], with extra authorize parameters.
pub async fn code_for(app: &TestApp, client: &OAuthClient, extra: &[(&str, &str)]) -> String {
    let location = authorize_as(
        app,
        &client.pool_id,
        &authorize_url(app, client, extra),
        USERNAME,
    )
    .await;
    query_param(&location, "code").unwrap()
}

/// An answer of the token, revocation or userInfo endpoint.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or("<none>")
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Answer {
        status,
        headers,
        body,
    }
}

/// POSTs a form to `{address}/{pool}/oauth2/{endpoint}`, with HTTP Basic client credentials
/// when given (encoded as RFC 6749 §2.3.1 says).
pub async fn post_form(
    app: &TestApp,
    pool_id: &str,
    endpoint: &str,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> Answer {
    let mut req = app
        .http
        .post(format!("{}/{pool_id}/oauth2/{endpoint}", app.address))
        .form(form);
    if let Some((id, secret)) = basic {
        use base64::Engine;
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let value = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            enc(id),
            enc(secret)
        ));
        req = req.header("authorization", format!("Basic {value}"));
    }
    answer(req.send().await.unwrap()).await
}

/// Exchanges a code at the token endpoint as a public client (`client_id` in the form) or with
/// `client_secret_post`.
pub async fn exchange(
    app: &TestApp,
    client: &OAuthClient,
    code: &str,
    extra: &[(&str, &str)],
) -> Answer {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", CALLBACK),
        ("client_id", client.id.as_str()),
    ];
    if let Some(secret) = &client.secret {
        form.push(("client_secret", secret.as_str()));
    }
    form.extend_from_slice(extra);
    post_form(app, &client.pool_id, "token", &form, None).await
}

/// `GET /oauth2/userInfo` with a bearer token.
pub async fn userinfo(app: &TestApp, pool_id: &str, access_token: &str) -> Answer {
    let response = app
        .http
        .get(format!("{}/{pool_id}/oauth2/userInfo", app.address))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    answer(response).await
}

/// An HTTP client for the relying party: no redirects followed (openidconnect's advice).
pub fn rp_http() -> openidconnect::reqwest::Client {
    openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// An `openidconnect` client built from discovery: authorization endpoint set, token and
/// userInfo endpoints as the document names them.
pub type RelyingParty = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The pool's provider metadata, discovered from its issuer `{PUBLIC_URL}/{poolId}`.
pub async fn discover(app: &TestApp, pool_id: &str) -> CoreProviderMetadata {
    let issuer = IssuerUrl::new(format!("{}/{pool_id}", app.services.public_url)).unwrap();
    CoreProviderMetadata::discover_async(issuer, &rp_http())
        .await
        .unwrap()
}

/// An `openidconnect` client for `client`, from discovery, redirecting to [`CALLBACK`].
pub async fn relying_party(app: &TestApp, client: &OAuthClient) -> RelyingParty {
    let metadata = discover(app, &client.pool_id).await;
    CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client.id.clone()),
        client.secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(CALLBACK.to_string()).unwrap())
}

/// Signs in through the hosted UI as a browser does, and returns the final `Location` (the
/// client's callback with `code` and `state`): GET the authorize URL (302 to `/login`), GET the
/// sign-in page and read its `_csrf`, POST the form (302 to the callback). A cookie store keeps
/// the session between the steps; redirects are followed by hand, so every hop is checked.
pub async fn sign_in_through_hosted_ui(
    app: &TestApp,
    authorize_url: &str,
    username: &str,
    password: &str,
) -> String {
    // A pool domain's host name resolves to this server (the URL keeps its port).
    let mut builder = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none());
    let parsed = url::Url::parse(authorize_url).unwrap();
    if let Some(url::Host::Domain(host)) = parsed.host() {
        builder = builder.resolve(host, ([127, 0, 0, 1], app.port).into());
    }
    let browser = builder.build().unwrap();
    let response = browser.get(authorize_url).send().await.unwrap();
    assert_eq!(
        response.status(),
        302,
        "authorize should redirect to /login"
    );
    let login = absolute(authorize_url, &location(&response));
    assert!(
        url::Url::parse(&login).unwrap().path().ends_with("/login"),
        "authorize went to {login}"
    );
    let response = browser.get(&login).send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {login}");
    let html = response.text().await.unwrap();
    let action = form_action(&html).unwrap_or_else(|| panic!("no sign-in form in {html}"));
    let csrf = hidden_value(&html, "_csrf").unwrap_or_else(|| panic!("no _csrf in {html}"));
    let response = browser
        .post(absolute(&login, &action))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302, "the sign-in form should redirect");
    absolute(&login, &location(&response))
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_string()
}

/// Resolves `reference` (absolute, or a path) against `base`.
fn absolute(base: &str, reference: &str) -> String {
    url::Url::parse(base)
        .unwrap()
        .join(reference)
        .unwrap()
        .to_string()
}

/// The value of attribute `name` in a tag's text.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let end = tag[start..].find('"')? + start;
    Some(crate::ui_helpers::unescape(&tag[start..end]))
}

/// The `action` of the page's POST form that has a password field.
pub fn form_action(html: &str) -> Option<String> {
    html.split("<form")
        .skip(1)
        .find(|form| form.contains("type=\"password\""))
        .and_then(|form| attribute(&form[..form.find('>')?], "action"))
}

/// The value of the hidden input named `name`.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    html.split("<input")
        .skip(1)
        .map(|tag| &tag[..tag.find('>').unwrap_or(tag.len())])
        .find(|tag| tag.contains(&format!("name=\"{name}\"")))
        .and_then(|tag| attribute(tag, "value"))
}
