//! The refresh_token grant (RFC 6749 §6; GetTokensFromRefreshToken's rules: rotation, replay)
//! and `/oauth2/revoke` (reference §1.7, RFC 7009): revoking a refresh token ends its sign-in,
//! so the refresh token and the access tokens of that sign-in stop working at Tessera (refresh,
//! userInfo, GetUser).

use crate::both_databases;
use crate::helpers::{Backend, TestApp, error_code};
use crate::oauth_helpers::*;
use crate::tokens_helpers::payload;
use aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType;

/// Signs `client` in through a code and returns the token answer's body.
async fn tokens(app: &TestApp, client: &OAuthClient) -> serde_json::Value {
    let code = code_for(
        app,
        client,
        &[("scope", "openid email aws.cognito.signin.user.admin")],
    )
    .await;
    let a = exchange(app, client, &code, &[]).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    a.body
}

async fn refresh(app: &TestApp, client: &OAuthClient, token: &str) -> Answer {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", token),
        ("client_id", client.id.as_str()),
    ];
    if let Some(s) = &client.secret {
        form.push(("client_secret", s.as_str()));
    }
    post_form(app, &client.pool_id, "token", &form, None).await
}

async fn revoke(app: &TestApp, client: &OAuthClient, token: &str) -> Answer {
    let basic = client.secret.as_deref().map(|s| (client.id.as_str(), s));
    let mut form = vec![("token", token)];
    if basic.is_none() {
        form.push(("client_id", client.id.as_str()));
    }
    post_form(app, &client.pool_id, "revoke", &form, basic).await
}

async fn refresh_without_and_with_rotation(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    let client = oauth_client(
        &app,
        &pool,
        ClientOptions {
            secret: true,
            ..Default::default()
        },
    )
    .await;
    let first = tokens(&app, &client).await;
    let token = first["refresh_token"].as_str().unwrap();
    let a = refresh(&app, &client, token).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert!(a.body["id_token"].is_string());
    assert!(a.body.get("refresh_token").is_none(), "no rotation");
    assert_eq!(a.body["token_type"], "Bearer");
    assert_eq!(a.body["expires_in"], 3600);
    let access = a.body["access_token"].as_str().unwrap();
    // The sign-in's scopes are kept.
    assert_eq!(
        payload(access)["scope"],
        "openid email aws.cognito.signin.user.admin"
    );
    assert_eq!(userinfo(&app, &pool, access).await.status, 200);
    // The same token again: still fine without rotation.
    assert_eq!(refresh(&app, &client, token).await.status, 200);

    // Another client's token, an unknown token.
    let other = oauth_client(&app, &pool, ClientOptions::default()).await;
    let a = refresh(&app, &other, token).await;
    assert_eq!((a.status, a.error()), (400, "invalid_grant"));
    let a = refresh(&app, &client, "bm90YXRva2Vu").await;
    assert_eq!((a.status, a.error()), (400, "invalid_grant"));
    // Wrong secret.
    let wrong = OAuthClient {
        secret: Some("wrong".into()),
        ..client.clone()
    };
    let a = refresh(&app, &wrong, token).await;
    assert_eq!((a.status, a.error()), (401, "invalid_client"));

    // With rotation: a new refresh token each time; reusing a replaced one revokes the family.
    let rotating = oauth_client(
        &app,
        &pool,
        ClientOptions {
            rotation: true,
            ..Default::default()
        },
    )
    .await;
    let body = tokens(&app, &rotating).await;
    let old = body["refresh_token"].as_str().unwrap();
    let a = refresh(&app, &rotating, old).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let new = a.body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    let a = refresh(&app, &rotating, old).await;
    assert_eq!((a.status, a.error()), (400, "invalid_grant"));
    let a = refresh(&app, &rotating, &new).await;
    assert_eq!(
        (a.status, a.error()),
        (400, "invalid_grant"),
        "the replay revoked the family"
    );
}

async fn refresh_needs_refresh_token_auth(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    let client = oauth_client(&app, &pool, ClientOptions::default()).await;
    let body = tokens(&app, &client).await;
    app.cognito
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&client.id)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(aws_sdk_cognitoidentityprovider::types::OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .supported_identity_providers("COGNITO")
        .callback_urls(CALLBACK)
        .send()
        .await
        .unwrap();
    let a = refresh(&app, &client, body["refresh_token"].as_str().unwrap()).await;
    assert_eq!((a.status, a.error()), (400, "unauthorized_client"));
}

async fn revoking_ends_the_sign_in(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    for secret in [true, false] {
        let client = oauth_client(
            &app,
            &pool,
            ClientOptions {
                secret,
                ..Default::default()
            },
        )
        .await;
        let body = tokens(&app, &client).await;
        let refresh_token = body["refresh_token"].as_str().unwrap();
        let access = body["access_token"].as_str().unwrap();
        // Another sign-in of the same user and client is not touched.
        let kept = tokens(&app, &client).await;

        let a = revoke(&app, &client, refresh_token).await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        assert_eq!(a.body, serde_json::Value::Null, "empty body");

        let a = refresh(&app, &client, refresh_token).await;
        assert_eq!((a.status, a.error()), (400, "invalid_grant"));
        let info = userinfo(&app, &pool, access).await;
        assert_eq!((info.status, info.error()), (401, "invalid_token"));
        assert!(
            info.header("www-authenticate")
                .unwrap()
                .starts_with("Bearer error=\"invalid_token\"")
        );
        let e = app
            .cognito
            .get_user()
            .access_token(access)
            .send()
            .await
            .unwrap_err();
        assert_eq!(error_code(&e), "NotAuthorizedException");

        let kept_access = kept["access_token"].as_str().unwrap();
        assert_eq!(userinfo(&app, &pool, kept_access).await.status, 200);

        // Revoking again, or an unknown token: fine (RFC 7009 §2.2).
        assert_eq!(revoke(&app, &client, refresh_token).await.status, 200);
        assert_eq!(revoke(&app, &client, "bm90YXRva2Vu").await.status, 200);
    }
}

async fn revocation_errors(db: Backend) {
    let app = spawn_oauth_app(db, &[]).await;
    let pool = pool_with_user(&app).await;
    let client = oauth_client(
        &app,
        &pool,
        ClientOptions {
            secret: true,
            ..Default::default()
        },
    )
    .await;
    let body = tokens(&app, &client).await;
    let refresh_token = body["refresh_token"].as_str().unwrap();

    // Only refresh tokens are revocable.
    for jwt in ["access_token", "id_token"] {
        let a = revoke(&app, &client, body[jwt].as_str().unwrap()).await;
        assert_eq!(
            (a.status, a.error()),
            (400, "unsupported_token_type"),
            "{jwt}"
        );
    }
    // Wrong secret: 401 with a Basic challenge, and nothing revoked.
    let wrong = OAuthClient {
        secret: Some("wrong".into()),
        ..client.clone()
    };
    let a = revoke(&app, &wrong, refresh_token).await;
    assert_eq!((a.status, a.error()), (401, "invalid_client"));
    assert!(a.header("www-authenticate").unwrap().starts_with("Basic"));
    // No token.
    let secret = client.secret.as_deref().unwrap();
    let a = post_form(&app, &pool, "revoke", &[], Some((&client.id, secret))).await;
    assert_eq!((a.status, a.error()), (400, "invalid_request"));
    // Another client's token.
    let other = oauth_client(&app, &pool, ClientOptions::default()).await;
    let a = revoke(&app, &other, refresh_token).await;
    assert_eq!((a.status, a.error()), (400, "invalid_grant"));
    assert_eq!(refresh(&app, &client, refresh_token).await.status, 200);

    // A client with revocation disabled.
    let no_revoke = oauth_client(
        &app,
        &pool,
        ClientOptions {
            revocation: false,
            ..Default::default()
        },
    )
    .await;
    let body = tokens(&app, &no_revoke).await;
    let a = revoke(&app, &no_revoke, body["refresh_token"].as_str().unwrap()).await;
    assert_eq!((a.status, a.error()), (400, "invalid_request"));
}

both_databases!(
    refresh_without_and_with_rotation,
    refresh_needs_refresh_token_auth,
    revoking_ends_the_sign_in,
    revocation_errors,
);
