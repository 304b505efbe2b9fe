//! `/oauth2/userInfo` (reference §1.6, OpenID Connect Core §5.3, RFC 6750): which claims each
//! scope releases, the client's ReadAttributes, tokens without `openid` (the JSON API's) refused,
//! and the Bearer errors: missing, invalid, expired, revoked, of another pool.

use crate::both_databases;
use crate::helpers::{Backend, TestApp};
use crate::oauth_helpers::*;
use serde_json::{Value, json};

async fn access_token(app: &TestApp, client: &OAuthClient, scope: &str) -> String {
    let code = code_for(app, client, &[("scope", scope)]).await;
    let a = exchange(app, client, &code, &[]).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    a.body["access_token"].as_str().unwrap().to_string()
}

pub fn names(body: &Value) -> Vec<&str> {
    let mut n: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    n.sort_unstable();
    n
}

async fn each_scope_releases_its_claims(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    let client = oauth_client(&app, &pool, ClientOptions::default()).await;

    let token = access_token(&app, &client, "openid").await;
    let a = userinfo(&app, &pool, &token).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(names(&a.body), ["sub", "username"]);
    assert_eq!(a.body["username"], USERNAME);
    assert_eq!(a.header("cache-control").unwrap(), "no-store");

    let token = access_token(&app, &client, "openid email").await;
    let a = userinfo(&app, &pool, &token).await;
    assert_eq!(
        names(&a.body),
        ["email", "email_verified", "sub", "username"]
    );
    assert_eq!(a.body["email"], "jane@example.com");
    assert_eq!(a.body["email_verified"], json!(true));

    let token = access_token(&app, &client, "openid phone").await;
    let a = userinfo(&app, &pool, &token).await;
    assert_eq!(
        names(&a.body),
        ["phone_number", "phone_number_verified", "sub", "username"]
    );
    assert_eq!(a.body["phone_number_verified"], json!(false));

    let token = access_token(&app, &client, "openid profile").await;
    let a = userinfo(&app, &pool, &token).await;
    assert_eq!(
        names(&a.body),
        ["family_name", "given_name", "sub", "username"]
    );

    let token = access_token(&app, &client, "openid aws.cognito.signin.user.admin").await;
    let a = userinfo(&app, &pool, &token).await;
    assert_eq!(
        names(&a.body),
        [
            "custom:tier",
            "email",
            "email_verified",
            "family_name",
            "given_name",
            "phone_number",
            "phone_number_verified",
            "sub",
            "username"
        ]
    );
    assert_eq!(a.body["custom:tier"], "gold");

    // POST with the token in the form (RFC 6750 §2.2) gives the same.
    let response = app
        .http
        .post(format!("{}/{pool}/oauth2/userInfo", app.address))
        .form(&[("access_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, a.body);
    // ... but not in both places at once.
    let response = app
        .http
        .post(format!("{}/{pool}/oauth2/userInfo", app.address))
        .bearer_auth(&token)
        .form(&[("access_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

/// A pool with its user, a client that may read only `email` and `given_name`, and an access
/// token of that client with the `openid email profile` scopes.
pub async fn two_attribute_reader(app: &TestApp) -> (String, OAuthClient, String) {
    let pool = pool_with_user(app).await;
    let client = oauth_client(
        app,
        &pool,
        ClientOptions {
            read_attributes: Some(vec!["email".into(), "given_name".into()]),
            ..Default::default()
        },
    )
    .await;
    let token = access_token(
        app,
        &client,
        "openid email profile aws.cognito.signin.user.admin",
    )
    .await;
    (pool, client, token)
}

/// UpdateUserPoolClient: the client may read `email` only.
pub async fn only_email_readable(app: &TestApp, pool: &str, client: &OAuthClient) {
    app.cognito
        .update_user_pool_client()
        .user_pool_id(pool)
        .client_id(&client.id)
        .read_attributes("email")
        .send()
        .await
        .unwrap();
}

async fn only_readable_attributes_are_released(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let (pool, client, token) = two_attribute_reader(&app).await;
    let a = userinfo(&app, &pool, &token).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(names(&a.body), ["email", "given_name", "sub", "username"]);

    // A change to the client shows at the next request (the client is kept in memory, checked
    // against the pool's configuration counter at every use).
    only_email_readable(&app, &pool, &client).await;
    let b = userinfo(&app, &pool, &token).await;
    assert_eq!(b.status, 200, "{:?}", b.body);
    assert_eq!(names(&b.body), ["email", "sub", "username"]);
}

async fn tokens_without_openid_are_refused(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    let client = oauth_client(&app, &pool, ClientOptions::default()).await;
    let token = access_token(&app, &client, "aws.cognito.signin.user.admin").await;
    let a = userinfo(&app, &pool, &token).await;
    assert_eq!((a.status, a.error()), (403, "insufficient_scope"));
    assert!(
        a.header("www-authenticate")
            .unwrap()
            .starts_with("Bearer error=\"insufficient_scope\"")
    );
    // A JSON-API sign-in's token carries only the admin scope.
    let api = crate::tokens_helpers::client(&app, &pool).await;
    let result = crate::tokens_helpers::sign_in(&app, &pool, &api, USERNAME).await;
    let a = userinfo(&app, &pool, &result.access_token).await;
    assert_eq!((a.status, a.error()), (403, "insufficient_scope"));
    assert_eq!(
        a.body["error_description"],
        "Access token does not contain openid scope"
    );
}

async fn bearer_errors(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    let client = oauth_client(&app, &pool, ClientOptions::default()).await;
    let token = access_token(&app, &client, "openid email").await;

    // No token at all: 401 with a bare challenge (RFC 6750 §3.1).
    let response = app
        .http
        .get(format!("{}/{pool}/oauth2/userInfo", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");

    // Not a token.
    let a = userinfo(&app, &pool, "not-a-token").await;
    assert_eq!((a.status, a.error()), (401, "invalid_token"));
    assert_eq!(
        a.header("www-authenticate").unwrap(),
        "Bearer error=\"invalid_token\", error_description=\"Invalid Access Token\""
    );
    // A token of another pool, at this pool's endpoint.
    let other = app.create_pool("other").await;
    let a = userinfo(&app, &other, &token).await;
    assert_eq!((a.status, a.error()), (401, "invalid_token"));
    // A disabled user.
    app.cognito
        .admin_disable_user()
        .user_pool_id(&pool)
        .username(USERNAME)
        .send()
        .await
        .unwrap();
    let a = userinfo(&app, &pool, &token).await;
    assert_eq!((a.status, a.error()), (401, "invalid_token"));
    app.cognito
        .admin_enable_user()
        .user_pool_id(&pool)
        .username(USERNAME)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo(&app, &pool, &token).await.status, 200);
    // Expired.
    app.services.clock.advance(3600 * 1000);
    let a = userinfo(&app, &pool, &token).await;
    assert_eq!((a.status, a.error()), (401, "invalid_token"));
    assert_eq!(a.body["error_description"], "Access Token has expired");
}

/// Single-page apps call the back-channel endpoints from the browser: CORS pre-flights are
/// answered, and answers (errors too) may be read by any origin.
async fn browser_apps_may_call_the_back_channel_endpoints(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    for path in ["oauth2/token", "oauth2/userInfo", "oauth2/revoke"] {
        let r = app
            .http
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/{pool}/{path}", app.address),
            )
            .header("origin", "https://spa.example.com")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204, "{path}");
        let h = |n: &str| r.headers()[n].to_str().unwrap().to_string();
        assert_eq!(h("access-control-allow-origin"), "*", "{path}");
        assert!(h("access-control-allow-headers").contains("Authorization"));
        assert!(h("access-control-allow-methods").contains("POST"));
    }
    let r = app
        .http
        .get(format!("{}/{pool}/oauth2/userInfo", app.address))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert_eq!(
        r.headers()["access-control-expose-headers"],
        "WWW-Authenticate"
    );
}

both_databases!(
    browser_apps_may_call_the_back_channel_endpoints,
    each_scope_releases_its_claims,
    only_readable_attributes_are_released,
    tokens_without_openid_are_refused,
    bearer_errors,
);
