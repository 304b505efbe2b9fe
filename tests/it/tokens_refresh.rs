//! Refresh: new ID and access tokens keeping `auth_time` and `origin_jti`; no new refresh token
//! unless the client rotates; rotation's grace period and reuse detection; expiry by the
//! injected clock; refusal for other clients, disabled and deleted users.

use crate::both_databases;
use crate::helpers::{Backend, spawn_app};
use crate::tokens_helpers::*;
use crate::{assert_aws_error, helpers::TestApp};
use tessera::domain::AuthError;
use tessera::domain::client::{RefreshTokenRotation, UserPoolClient};
use tessera::services::client_cache::client_context;
use tessera::services::tokens;

async fn refresh_with(
    app: &TestApp,
    pool_id: &str,
    client: &UserPoolClient,
    token: &str,
    rotate: bool,
) -> Result<tokens::AuthenticationResult, AuthError> {
    let ctx = client_context(&app.services, &client.id).await.unwrap();
    assert_eq!(ctx.pool.id, pool_id);
    tokens::refresh(&app.services, &ctx, token, rotate, None, None).await
}

async fn refresh_keeps_the_sign_in(db: Backend) {
    let app = spawn_app(db).await;
    let fx = fixture(&app).await;
    let client = client(&app, &fx.pool_id).await;
    let first = sign_in(&app, &fx.pool_id, &client, &fx.username).await;
    let refresh_token = first.refresh_token.clone().unwrap();
    advance(&app, 600);

    // Through the SDK (GetTokensFromRefreshToken): no rotation on this client.
    let out = app
        .cognito
        .get_tokens_from_refresh_token()
        .client_id(&client.id)
        .refresh_token(&refresh_token)
        .send()
        .await
        .unwrap();
    let result = out.authentication_result.unwrap();
    assert!(
        result.refresh_token.is_none(),
        "no rotation: no new refresh token"
    );
    assert_eq!(result.expires_in, 3600);
    assert_eq!(result.token_type.as_deref(), Some("Bearer"));
    let keys = jwks(&app, &fx.pool_id).await;
    let iss = issuer(&app, &fx.pool_id);
    let id = verify(
        result.id_token.as_deref().unwrap(),
        &keys,
        &iss,
        Some(&client.id),
    )
    .unwrap();
    let access = verify(result.access_token.as_deref().unwrap(), &keys, &iss, None).unwrap();
    let original = payload(&first.access_token);
    assert_eq!(access["auth_time"], original["auth_time"]);
    assert_eq!(access["origin_jti"], original["origin_jti"]);
    assert_ne!(access["jti"], original["jti"]);
    assert_eq!(
        access["iat"].as_i64().unwrap(),
        original["iat"].as_i64().unwrap() + 600
    );
    assert_eq!(id["origin_jti"], original["origin_jti"]);

    // The refresh token keeps working (REFRESH_TOKEN_AUTH) until its fixed expiry: 30 days
    // after the sign-in, not after the last refresh.
    let again = refresh_with(&app, &fx.pool_id, &client, &refresh_token, false)
        .await
        .unwrap();
    assert!(again.refresh_token.is_none());
    advance(&app, 30 * 86_400 - 600 - 1);
    refresh_with(&app, &fx.pool_id, &client, &refresh_token, false)
        .await
        .unwrap();
    advance(&app, 1);
    let message =
        not_authorized(refresh_with(&app, &fx.pool_id, &client, &refresh_token, false).await);
    assert_eq!(message, "Refresh Token has expired");
    let e = app
        .cognito
        .get_tokens_from_refresh_token()
        .client_id(&client.id)
        .refresh_token(&refresh_token)
        .send()
        .await;
    let message = assert_aws_error!(e, "NotAuthorizedException");
    assert_eq!(message, "Refresh Token has expired");
}

async fn rotation_grace_period_and_reuse(db: Backend) {
    let app = spawn_app(db).await;
    let fx = fixture(&app).await;
    let client = client_with(
        &app,
        &fx.pool_id,
        |c| {
            c.refresh_token_rotation = Some(RefreshTokenRotation {
                feature: "ENABLED".into(),
                retry_grace_period_seconds: Some(10),
            })
        },
        false,
    )
    .await;
    let first = sign_in(&app, &fx.pool_id, &client, &fx.username).await;
    let old = first.refresh_token.unwrap();

    // REFRESH_TOKEN_AUTH still works on a rotating client, without a new token.
    let plain = refresh_with(&app, &fx.pool_id, &client, &old, false)
        .await
        .unwrap();
    assert!(plain.refresh_token.is_none());

    let rotated = app
        .cognito
        .get_tokens_from_refresh_token()
        .client_id(&client.id)
        .refresh_token(&old)
        .send()
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    let new = rotated.refresh_token.unwrap();
    assert_ne!(new, old);

    // Within the grace period the old token still works.
    advance(&app, 10);
    refresh_with(&app, &fx.pool_id, &client, &old, true)
        .await
        .unwrap();
    // After it, using the old token is a replay: the family is revoked.
    advance(&app, 1);
    let e = app
        .cognito
        .get_tokens_from_refresh_token()
        .client_id(&client.id)
        .refresh_token(&old)
        .send()
        .await;
    assert_aws_error!(e, "RefreshTokenReuseException");
    let message = not_authorized(refresh_with(&app, &fx.pool_id, &client, &new, true).await);
    assert_eq!(message, "Refresh Token has been revoked");
    let message = not_authorized(tokens::authenticate(&app.services, &first.access_token).await);
    assert_eq!(message, "Access Token has been revoked");
}

async fn refresh_is_refused_when_it_must_be(db: Backend) {
    let app = spawn_app(db).await;
    let fx = fixture(&app).await;
    let client = client(&app, &fx.pool_id).await;
    let other_client = crate::tokens_helpers::client(&app, &fx.pool_id).await;
    let result = sign_in(&app, &fx.pool_id, &client, &fx.username).await;
    let refresh_token = result.refresh_token.unwrap();

    for garbage in ["nope", "a.b.c", result.access_token.as_str()] {
        let message =
            not_authorized(refresh_with(&app, &fx.pool_id, &client, garbage, false).await);
        assert_eq!(message, "Invalid Refresh Token");
    }
    let message =
        not_authorized(refresh_with(&app, &fx.pool_id, &other_client, &refresh_token, false).await);
    assert_eq!(message, "Invalid Refresh Token");
    let e = app
        .cognito
        .get_tokens_from_refresh_token()
        .client_id(&other_client.id)
        .refresh_token(&refresh_token)
        .send()
        .await;
    assert_aws_error!(e, "NotAuthorizedException");

    // A client with a secret must send it.
    let secret_client = client_with(&app, &fx.pool_id, |_| {}, true).await;
    let secret_result = sign_in(&app, &fx.pool_id, &secret_client, &fx.username).await;
    let e = app
        .cognito
        .get_tokens_from_refresh_token()
        .client_id(&secret_client.id)
        .refresh_token(secret_result.refresh_token.as_deref().unwrap())
        .send()
        .await;
    assert_aws_error!(e, "NotAuthorizedException");
    app.cognito
        .get_tokens_from_refresh_token()
        .client_id(&secret_client.id)
        .client_secret(secret_client.secret.as_deref().unwrap())
        .refresh_token(secret_result.refresh_token.as_deref().unwrap())
        .send()
        .await
        .unwrap();

    // A client whose ExplicitAuthFlows leave out refresh cannot refresh.
    let no_refresh = client_with(
        &app,
        &fx.pool_id,
        |i| i.explicit_auth_flows = Some(vec!["ALLOW_USER_SRP_AUTH".into()]),
        false,
    )
    .await;
    let no_refresh_result = sign_in(&app, &fx.pool_id, &no_refresh, &fx.username).await;
    let e = app
        .cognito
        .get_tokens_from_refresh_token()
        .client_id(&no_refresh.id)
        .refresh_token(no_refresh_result.refresh_token.as_deref().unwrap())
        .send()
        .await;
    assert_eq!(
        assert_aws_error!(e, "InvalidParameterException"),
        "REFRESH_TOKEN_AUTH flow not enabled for this client"
    );

    app.cognito
        .admin_disable_user()
        .user_pool_id(&fx.pool_id)
        .username(&fx.username)
        .send()
        .await
        .unwrap();
    let message =
        not_authorized(refresh_with(&app, &fx.pool_id, &client, &refresh_token, false).await);
    assert_eq!(message, "User is disabled.");
    let message = not_authorized(tokens::authenticate(&app.services, &result.access_token).await);
    assert_eq!(message, "User is disabled.");

    app.cognito
        .admin_delete_user()
        .user_pool_id(&fx.pool_id)
        .username(&fx.username)
        .send()
        .await
        .unwrap();
    let message =
        not_authorized(refresh_with(&app, &fx.pool_id, &client, &refresh_token, false).await);
    assert_eq!(message, "Invalid Refresh Token");
    let message = not_authorized(tokens::authenticate(&app.services, &result.access_token).await);
    assert_eq!(message, "Access Token has been revoked");
}

both_databases!(
    refresh_keeps_the_sign_in,
    rotation_grace_period_and_reuse,
    refresh_is_refused_when_it_must_be,
    parallel_rotation_without_grace_is_a_replay,
    refresh_token_auth_checks_the_secret_hash_first,
);

/// Without a grace period, two parallel rotations of one refresh token must not both get a
/// successor (a stolen token raced against its owner would fork the sign-in unseen): one wins,
/// the other is a replay and revokes the sign-in, as a later reuse does.
async fn parallel_rotation_without_grace_is_a_replay(db: Backend) {
    let app = std::sync::Arc::new(spawn_app(db).await);
    let fx = fixture(&app).await;
    let client = client_with(
        &app,
        &fx.pool_id,
        |c| {
            c.refresh_token_rotation = Some(RefreshTokenRotation {
                feature: "ENABLED".into(),
                retry_grace_period_seconds: Some(0),
            })
        },
        false,
    )
    .await;
    let first = sign_in(&app, &fx.pool_id, &client, &fx.username).await;
    let old = first.refresh_token.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (app, client_id, old) = (app.clone(), client.id.clone(), old.clone());
        tasks.push(tokio::spawn(async move {
            app.cognito
                .get_tokens_from_refresh_token()
                .client_id(client_id)
                .refresh_token(old)
                .send()
                .await
                .map(|o| o.authentication_result.unwrap().refresh_token.unwrap())
                .map_err(|e| crate::helpers::error_code(&e))
        }));
    }
    let mut successors = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(token) => successors.push(token),
            // The replay, or (arriving after a replay revoked the sign-in) "Refresh Token
            // has been revoked".
            Err(code) => assert!(
                code == "RefreshTokenReuseException" || code == "NotAuthorizedException",
                "{code}"
            ),
        }
    }
    assert!(successors.len() <= 1, "{} successors", successors.len());
    // The replays revoked the whole sign-in, the winner's new token too.
    for token in &successors {
        let message = not_authorized(refresh_with(&app, &fx.pool_id, &client, token, true).await);
        assert_eq!(message, "Refresh Token has been revoked");
    }
}

/// REFRESH_TOKEN_AUTH on a client with a secret checks SECRET_HASH (over the internal
/// username) before using the token: a replaced token sent with a wrong hash must not revoke
/// the sign-in as a replay (it used to, the hash being checked after the refresh).
async fn refresh_token_auth_checks_the_secret_hash_first(db: Backend) {
    use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
    let app = spawn_app(db).await;
    let fx = fixture(&app).await;
    let client = client_with(
        &app,
        &fx.pool_id,
        |c| {
            c.refresh_token_rotation = Some(RefreshTokenRotation {
                feature: "ENABLED".into(),
                retry_grace_period_seconds: Some(0),
            })
        },
        true,
    )
    .await;
    let secret = client.secret.clone().unwrap();
    let first = sign_in(&app, &fx.pool_id, &client, &fx.username).await;
    let old = first.refresh_token.unwrap();
    let new = app
        .cognito
        .get_tokens_from_refresh_token()
        .client_id(&client.id)
        .client_secret(&secret)
        .refresh_token(&old)
        .send()
        .await
        .unwrap()
        .authentication_result
        .unwrap()
        .refresh_token
        .unwrap();
    advance(&app, 1);
    let refresh_auth = |token: String, hash: String| {
        app.cognito
            .initiate_auth()
            .client_id(&client.id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", token)
            .auth_parameters("SECRET_HASH", hash)
            .send()
    };
    let wrong = tessera::services::client_auth::secret_hash(&secret, "someone", &client.id);
    let message = assert_aws_error!(
        refresh_auth(old.clone(), wrong).await,
        "NotAuthorizedException"
    );
    assert_eq!(
        message,
        format!("Unable to verify secret hash for client {}", client.id)
    );
    // The sign-in is intact: the current token refreshes with the right hash.
    let right = tessera::services::client_auth::secret_hash(&secret, &fx.username, &client.id);
    let out = refresh_auth(new, right).await.unwrap();
    assert!(out.authentication_result.is_some());
}
