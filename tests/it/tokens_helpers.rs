//! Shared by the token tests: a pool with a custom attribute, groups and a user created with
//! AdminCreateUser; tokens issued through `services::tokens::issue` (the sign-in flows call
//! it); the JWKS fetched over HTTP and tokens verified with the `jsonwebtoken` crate, an
//! implementation independent of Tessera's signer.

use crate::helpers::TestApp;
use crate::user_helpers::create_user;
use serde_json::Value;
use tessera::domain::client::{ClientInput, UserPoolClient};
use tessera::domain::pool::UserPool;
use tessera::domain::user::User;
use tessera::services::admin::clients::{self, SecretChoice};
use tessera::services::tokens::{self, AuthenticationResult, SignIn, USER_ADMIN_SCOPE};

/// A pool with `custom:tier`, and a user `jane` in it.
pub struct Fixture {
    pub pool_id: String,
    pub username: String,
}

pub async fn fixture(app: &TestApp) -> Fixture {
    use aws_sdk_cognitoidentityprovider::types::{AttributeDataType, SchemaAttributeType};
    let pool_id = app
        .cognito
        .create_user_pool()
        .pool_name("tokens")
        .schema(
            SchemaAttributeType::builder()
                .name("tier")
                .attribute_data_type(AttributeDataType::Number)
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
    let username = create_user(
        app,
        &pool_id,
        "jane",
        &[
            ("email", "jane@example.com"),
            ("email_verified", "true"),
            ("phone_number", "+15555550100"),
            ("phone_number_verified", "false"),
            ("name", "Jane Doe"),
            ("custom:tier", "5"),
        ],
    )
    .await;
    Fixture { pool_id, username }
}

/// Creates a client through the service with `configure` applied to its input.
pub async fn client_with(
    app: &TestApp,
    pool_id: &str,
    configure: impl FnOnce(&mut ClientInput),
    secret: bool,
) -> UserPoolClient {
    let mut input = ClientInput {
        client_name: Some("app".into()),
        ..Default::default()
    };
    configure(&mut input);
    clients::create_client(
        &app.services,
        pool_id,
        input,
        SecretChoice {
            generate: Some(secret),
            given: None,
        },
    )
    .await
    .unwrap()
}

pub async fn client(app: &TestApp, pool_id: &str) -> UserPoolClient {
    client_with(app, pool_id, |_| {}, false).await
}

pub async fn pool_and_user(app: &TestApp, pool_id: &str, username: &str) -> (UserPool, User) {
    tessera::services::admin::users::load(&app.services, pool_id, username)
        .await
        .unwrap()
}

/// Issues tokens as a completed JSON-API sign-in would.
pub async fn sign_in(
    app: &TestApp,
    pool_id: &str,
    client: &UserPoolClient,
    username: &str,
) -> AuthenticationResult {
    let (pool, user) = pool_and_user(app, pool_id, username).await;
    tokens::issue(
        &app.services,
        SignIn {
            pool: &pool,
            client,
            user: &user,
            auth_time: app.services.now(),
            scopes: vec![USER_ADMIN_SCOPE.to_string()],
            nonce: None,
            at_hash: false,
            config_version: None,
            source: tessera::services::tokens::TokenSource::Authentication,
            client_metadata: None,
            device_key: None,
        },
    )
    .await
    .unwrap()
}

/// `GET {iss}/.well-known/jwks.json`, its status and parsed body.
pub async fn jwks(app: &TestApp, pool_id: &str) -> Vec<Value> {
    let response = app
        .http
        .get(format!("{}/{pool_id}/.well-known/jwks.json", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["keys"].as_array().unwrap().clone()
}

/// The `kid` of a token's header.
pub fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

/// Verifies `token` with `jsonwebtoken` against the pool's JWKS (RS256 only, issuer, expiry
/// on the real clock, audience when given) and returns its claims.
pub fn verify(
    token: &str,
    keys: &[Value],
    issuer: &str,
    audience: Option<&str>,
) -> Result<Value, jsonwebtoken::errors::Error> {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};
    let kid = kid_of(token);
    let jwk = keys
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .unwrap_or_else(|| panic!("kid {kid} is not in the JWKS"));
    assert_eq!(jwk["alg"], "RS256");
    assert_eq!(jwk["kty"], "RSA");
    assert_eq!(jwk["use"], "sig");
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[issuer]);
    match audience {
        Some(aud) => validation.set_audience(&[aud]),
        None => validation.validate_aud = false,
    }
    jsonwebtoken::decode::<Value>(token, &key, &validation).map(|d| d.claims)
}

pub fn issuer(app: &TestApp, pool_id: &str) -> String {
    format!("{}/{pool_id}", app.services.public_url)
}

/// The payload of a JWT without checking it.
pub fn payload(token: &str) -> Value {
    use base64::Engine;
    let part = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The message of a NotAuthorizedException from a service call.
pub fn not_authorized<T: std::fmt::Debug>(result: Result<T, tessera::domain::AuthError>) -> String {
    match result {
        Err(tessera::domain::AuthError::NotAuthorized(m)) => m.to_string(),
        other => panic!("expected NotAuthorized, got {other:?}"),
    }
}

/// Advances the services' clock by `seconds`.
pub fn advance(app: &TestApp, seconds: i64) {
    app.services.clock.advance(seconds * 1000);
}
