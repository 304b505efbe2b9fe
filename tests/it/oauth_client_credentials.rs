//! The client_credentials grant (reference §1.5, §4.3; RFC 6749 §4.4): a confidential client
//! with the flow gets an access token for its custom scopes, signed with the pool's access key
//! and verified here with `jsonwebtoken` against the JWKS; scopes it may not use are
//! `invalid_scope`; clients without the flow are `unauthorized_client`. The token names the
//! client only, so the user APIs refuse it.

use crate::both_databases;
use crate::helpers::{Backend, TestApp, error_code};
use crate::oauth_helpers::*;
use crate::tokens_helpers::{issuer, jwks, kid_of, verify};
use aws_sdk_cognitoidentityprovider::types::{
    OAuthFlowType, ResourceServerScopeType, TimeUnitsType, TokenValidityUnitsType,
};
use openidconnect::core::CoreClient;
use openidconnect::{ClientId, ClientSecret, OAuth2TokenResponse, Scope, TokenUrl};

/// A pool with resource server `api` (scopes read, write, admin) and a machine client allowed
/// `api/read` and `api/write`.
pub async fn machine(app: &TestApp) -> OAuthClient {
    let pool = app.create_pool("m2m").await;
    let mut rs = app
        .cognito
        .create_resource_server()
        .user_pool_id(&pool)
        .identifier("api")
        .name("API");
    for s in ["read", "write", "admin"] {
        rs = rs.scopes(
            ResourceServerScopeType::builder()
                .scope_name(s)
                .scope_description(s)
                .build()
                .unwrap(),
        );
    }
    rs.send().await.unwrap();
    oauth_client(
        app,
        &pool,
        ClientOptions {
            secret: true,
            flows: vec![OAuthFlowType::ClientCredentials],
            scopes: vec!["api/read".into(), "api/write".into()],
            callbacks: vec![],
            ..Default::default()
        },
    )
    .await
}

pub async fn grant(app: &TestApp, client: &OAuthClient, scope: Option<&str>) -> Answer {
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(s) = scope {
        form.push(("scope", s));
    }
    let secret = client.secret.as_deref().unwrap_or_default();
    post_form(
        app,
        &client.pool_id,
        "token",
        &form,
        Some((&client.id, secret)),
    )
    .await
}

async fn machine_tokens_carry_the_clients_scopes(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let client = machine(&app).await;
    let a = grant(&app, &client, None).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let mut fields: Vec<&str> = a
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["access_token", "expires_in", "token_type"]);
    assert_eq!(a.body["token_type"], "Bearer");
    assert_eq!(a.body["expires_in"], 3600);
    assert_eq!(a.header("cache-control").unwrap(), "no-store");

    let token = a.body["access_token"].as_str().unwrap();
    let keys = jwks(&app, &client.pool_id).await;
    let claims = verify(token, &keys, &issuer(&app, &client.pool_id), None).unwrap();
    let mut names: Vec<&str> = claims
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "auth_time",
            "client_id",
            "exp",
            "iat",
            "iss",
            "jti",
            "scope",
            "sub",
            "token_use",
            "version"
        ]
    );
    assert_eq!(claims["sub"], client.id.as_str());
    assert_eq!(claims["client_id"], client.id.as_str());
    assert_eq!(claims["token_use"], "access");
    assert_eq!(claims["scope"], "api/read api/write");
    assert_eq!(claims["version"], 2);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );

    // Signed with the access key: the same kid as a user's access token of the pool.
    let pool = client.pool_id.clone();
    crate::user_helpers::create_user(&app, &pool, USERNAME, &[]).await;
    let user_client = crate::tokens_helpers::client(&app, &pool).await;
    let user_tokens = crate::tokens_helpers::sign_in(&app, &pool, &user_client, USERNAME).await;
    assert_eq!(kid_of(token), kid_of(&user_tokens.access_token));
    assert_ne!(kid_of(token), kid_of(&user_tokens.id_token));

    // One scope asked, one granted.
    let a = grant(&app, &client, Some("api/write")).await;
    assert_eq!(a.status, 200);
    let claims = verify(
        a.body["access_token"].as_str().unwrap(),
        &keys,
        &issuer(&app, &pool),
        None,
    )
    .unwrap();
    assert_eq!(claims["scope"], "api/write");

    // The user APIs refuse a token that names no user.
    let e = app
        .cognito
        .get_user()
        .access_token(token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&e), "NotAuthorizedException");
    let info = userinfo(&app, &pool, token).await;
    assert_eq!((info.status, info.error()), (401, "invalid_token"));
}

async fn a_relying_party_library_gets_a_machine_token(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let client = machine(&app).await;
    // The token endpoint as discovery names it; client_secret_basic.
    let metadata = discover(&app, &client.pool_id).await;
    let token_url = metadata.token_endpoint().unwrap().clone();
    assert_eq!(
        token_url,
        TokenUrl::new(format!("{}/{}/oauth2/token", app.address, client.pool_id)).unwrap()
    );
    let rp = CoreClient::new(
        ClientId::new(client.id.clone()),
        metadata.issuer().clone(),
        metadata.jwks().clone(),
    )
    .set_client_secret(ClientSecret::new(client.secret.clone().unwrap()))
    .set_token_uri(token_url);
    let tokens = rp
        .exchange_client_credentials()
        .add_scope(Scope::new("api/read".into()))
        .request_async(&rp_http())
        .await
        .unwrap();
    assert!(tokens.refresh_token().is_none());
    let claims = crate::tokens_helpers::payload(tokens.access_token().secret());
    assert_eq!(claims["scope"], "api/read");
    assert_eq!(claims["sub"], client.id.as_str());
}

async fn scopes_and_flows_are_checked(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let client = machine(&app).await;
    for scope in ["api/admin", "api/nosuch", "openid", "api/read other/x"] {
        let a = grant(&app, &client, Some(scope)).await;
        assert_eq!((a.status, a.error()), (400, "invalid_scope"), "{scope}");
    }
    // Wrong secret.
    let wrong = OAuthClient {
        secret: Some("wrong".into()),
        ..client.clone()
    };
    let a = grant(&app, &wrong, None).await;
    assert_eq!((a.status, a.error()), (401, "invalid_client"));
    assert!(a.header("www-authenticate").unwrap().starts_with("Basic"));

    // A code-flow client asking for client_credentials (Cognito says invalid_grant; RFC 6749
    // defines unauthorized_client for this).
    let web = oauth_client(
        &app,
        &client.pool_id,
        ClientOptions {
            secret: true,
            ..Default::default()
        },
    )
    .await;
    let a = grant(&app, &web, None).await;
    assert_eq!((a.status, a.error()), (400, "unauthorized_client"));
    // A public client cannot use it at all.
    let public = oauth_client(&app, &client.pool_id, ClientOptions::default()).await;
    let a = post_form(
        &app,
        &client.pool_id,
        "token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &public.id),
        ],
        None,
    )
    .await;
    assert_eq!((a.status, a.error()), (400, "unauthorized_client"));
}

/// UpdateUserPoolClient through `app`: the machine client keeps only `api/read`, and its access
/// tokens live 30 minutes.
pub async fn thirty_minute_reader(app: &TestApp, client: &OAuthClient) {
    app.cognito
        .update_user_pool_client()
        .user_pool_id(&client.pool_id)
        .client_id(&client.id)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
        .allowed_o_auth_scopes("api/read")
        .access_token_validity(30)
        .token_validity_units(
            TokenValidityUnitsType::builder()
                .access_token(TimeUnitsType::Minutes)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

async fn the_clients_access_token_validity_applies(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let client = machine(&app).await;
    thirty_minute_reader(&app, &client).await;
    let a = grant(&app, &client, None).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["expires_in"], 1800);
    let claims = crate::tokens_helpers::payload(a.body["access_token"].as_str().unwrap());
    assert_eq!(claims["scope"], "api/read");
}

both_databases!(
    machine_tokens_carry_the_clients_scopes,
    a_relying_party_library_gets_a_machine_token,
    scopes_and_flows_are_checked,
    the_clients_access_token_validity_applies,
);
