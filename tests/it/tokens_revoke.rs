//! RevokeToken, GlobalSignOut and AdminUserGlobalSignOut, and access tokens that must be
//! refused: tampered, `alg: none`, signed by another pool's key, expired.

use crate::assert_aws_error;
use crate::both_databases;
use crate::helpers::{Backend, spawn_app};
use crate::tokens_helpers::*;
use crate::user_helpers::create_user;
use base64::Engine;
use tessera::services::client_cache::client_context;
use tessera::services::tokens;

async fn revoke_token_ends_the_sign_in(db: Backend) {
    let app = spawn_app(db).await;
    let fx = fixture(&app).await;
    let client = client(&app, &fx.pool_id).await;
    let kept = sign_in(&app, &fx.pool_id, &client, &fx.username).await;
    let revoked = sign_in(&app, &fx.pool_id, &client, &fx.username).await;
    let token = revoked.refresh_token.clone().unwrap();

    // Only refresh tokens are revocable.
    let e = app
        .cognito
        .revoke_token()
        .client_id(&client.id)
        .token(&revoked.access_token)
        .send()
        .await;
    assert_aws_error!(e, "UnsupportedTokenTypeException");
    // A token of another client: UnauthorizedException (RFC 7009 invalid_client).
    let other = crate::tokens_helpers::client(&app, &fx.pool_id).await;
    let e = app
        .cognito
        .revoke_token()
        .client_id(&other.id)
        .token(&token)
        .send()
        .await;
    assert_aws_error!(e, "UnauthorizedException");
    // An unknown client likewise.
    let e = app
        .cognito
        .revoke_token()
        .client_id("nosuchclient0000000000000a")
        .token(&token)
        .send()
        .await;
    assert_aws_error!(e, "UnauthorizedException");
    // An unknown, well-formed token is accepted silently (RFC 7009 §2.2).
    app.cognito
        .revoke_token()
        .client_id(&client.id)
        .token("unknown-refresh-token")
        .send()
        .await
        .unwrap();

    app.cognito
        .revoke_token()
        .client_id(&client.id)
        .token(&token)
        .send()
        .await
        .unwrap();
    // Revoking again succeeds too.
    app.cognito
        .revoke_token()
        .client_id(&client.id)
        .token(&token)
        .send()
        .await
        .unwrap();

    let e = app
        .cognito
        .get_tokens_from_refresh_token()
        .client_id(&client.id)
        .refresh_token(&token)
        .send()
        .await;
    let message = assert_aws_error!(e, "NotAuthorizedException");
    assert_eq!(message, "Refresh Token has been revoked");
    let ctx = client_context(&app.services, &client.id).await.unwrap();
    let message =
        not_authorized(tokens::refresh(&app.services, &ctx, &token, false, None, None).await);
    assert_eq!(message, "Refresh Token has been revoked");
    let message = not_authorized(tokens::authenticate(&app.services, &revoked.access_token).await);
    assert_eq!(message, "Access Token has been revoked");
    let e = app
        .cognito
        .global_sign_out()
        .access_token(&revoked.access_token)
        .send()
        .await;
    let message = assert_aws_error!(e, "NotAuthorizedException");
    assert_eq!(message, "Access Token has been revoked");

    // The other sign-in of the same user is untouched.
    tokens::authenticate(&app.services, &kept.access_token)
        .await
        .unwrap();
    tokens::refresh(
        &app.services,
        &ctx,
        kept.refresh_token.as_deref().unwrap(),
        false,
        None,
        None,
    )
    .await
    .unwrap();
}

async fn revoke_token_needs_the_client_to_allow_it(db: Backend) {
    let app = spawn_app(db).await;
    let fx = fixture(&app).await;
    let closed = client_with(
        &app,
        &fx.pool_id,
        |c| c.enable_token_revocation = Some(false),
        false,
    )
    .await;
    let result = sign_in(&app, &fx.pool_id, &closed, &fx.username).await;
    let e = app
        .cognito
        .revoke_token()
        .client_id(&closed.id)
        .token(result.refresh_token.as_deref().unwrap())
        .send()
        .await;
    assert_aws_error!(e, "UnsupportedOperationException");

    let secret = client_with(&app, &fx.pool_id, |_| {}, true).await;
    let result = sign_in(&app, &fx.pool_id, &secret, &fx.username).await;
    let token = result.refresh_token.unwrap();
    let e = app
        .cognito
        .revoke_token()
        .client_id(&secret.id)
        .token(&token)
        .send()
        .await;
    assert_aws_error!(e, "UnauthorizedException");
    let e = app
        .cognito
        .revoke_token()
        .client_id(&secret.id)
        .client_secret("wrong-secret-wrong-secret-wrong")
        .token(&token)
        .send()
        .await;
    assert_aws_error!(e, "UnauthorizedException");
    app.cognito
        .revoke_token()
        .client_id(&secret.id)
        .client_secret(secret.secret.as_deref().unwrap())
        .token(&token)
        .send()
        .await
        .unwrap();
    let (status, body) = app
        .raw("RevokeToken", r#"{"ClientId":"x","Token":"has spaces"}"#)
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "InvalidParameterException");
}

async fn global_sign_out_ends_every_sign_in_of_the_user(db: Backend) {
    let app = spawn_app(db).await;
    let fx = fixture(&app).await;
    let client = client(&app, &fx.pool_id).await;
    let other_user = create_user(&app, &fx.pool_id, "omar", &[]).await;
    let a = sign_in(&app, &fx.pool_id, &client, &fx.username).await;
    let b = sign_in(&app, &fx.pool_id, &client, &fx.username).await;
    let omar = sign_in(&app, &fx.pool_id, &client, &other_user).await;
    let ctx = client_context(&app.services, &client.id).await.unwrap();

    app.cognito
        .global_sign_out()
        .access_token(&a.access_token)
        .send()
        .await
        .unwrap();
    for t in [&a, &b] {
        let m = not_authorized(tokens::authenticate(&app.services, &t.access_token).await);
        assert_eq!(m, "Access Token has been revoked");
        let m = not_authorized(
            tokens::refresh(
                &app.services,
                &ctx,
                t.refresh_token.as_deref().unwrap(),
                false,
                None,
                None,
            )
            .await,
        );
        assert_eq!(m, "Refresh Token has been revoked");
    }
    tokens::authenticate(&app.services, &omar.access_token)
        .await
        .unwrap();

    // A new sign-in after the sign-out works; the admin action ends it.
    let c = sign_in(&app, &fx.pool_id, &client, &fx.username).await;
    tokens::authenticate(&app.services, &c.access_token)
        .await
        .unwrap();
    app.cognito
        .admin_user_global_sign_out()
        .user_pool_id(&fx.pool_id)
        .username(&fx.username)
        .send()
        .await
        .unwrap();
    let m = not_authorized(tokens::authenticate(&app.services, &c.access_token).await);
    assert_eq!(m, "Access Token has been revoked");
    let e = app
        .cognito
        .get_tokens_from_refresh_token()
        .client_id(&client.id)
        .refresh_token(c.refresh_token.as_deref().unwrap())
        .send()
        .await;
    assert_aws_error!(e, "NotAuthorizedException");
    tokens::authenticate(&app.services, &omar.access_token)
        .await
        .unwrap();
    let e = app
        .cognito
        .admin_user_global_sign_out()
        .user_pool_id(&fx.pool_id)
        .username("nobody")
        .send()
        .await;
    assert_aws_error!(e, "UserNotFoundException");
}

/// Runs one statement on the app's own database (a test reaching under the store).
async fn run_sql(app: &crate::helpers::TestApp, sql: &'static str) {
    let url = &app.database_url;
    if url.starts_with("sqlite") {
        let db = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::raw_sql(sql).execute(&db).await.unwrap();
        db.close().await;
    } else {
        let db = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::raw_sql(sql).execute(&db).await.unwrap();
        db.close().await;
    }
}

/// A global sign-out is all or nothing: when its last write fails (the codes table moved out
/// of the way), the sign-ins it revoked in the same transaction stay valid, and a retry then
/// does the whole of it. (It used to be three writes: a crash after the first left the tokens
/// revoked and the hosted-UI sessions and codes still able to sign in.)
async fn global_sign_out_is_all_or_nothing(db: Backend) {
    let app = spawn_app(db).await;
    let fx = fixture(&app).await;
    let client = client(&app, &fx.pool_id).await;
    let a = sign_in(&app, &fx.pool_id, &client, &fx.username).await;
    let ctx = client_context(&app.services, &client.id).await.unwrap();
    let refresh = a.refresh_token.as_deref().unwrap();

    run_sql(&app, "ALTER TABLE oauth_codes RENAME TO oauth_codes_away").await;
    let e = app
        .cognito
        .global_sign_out()
        .access_token(&a.access_token)
        .send()
        .await;
    assert_aws_error!(e, "InternalErrorException");
    run_sql(&app, "ALTER TABLE oauth_codes_away RENAME TO oauth_codes").await;
    tokens::authenticate(&app.services, &a.access_token)
        .await
        .unwrap();
    tokens::refresh(&app.services, &ctx, refresh, false, None, None)
        .await
        .unwrap();

    app.cognito
        .global_sign_out()
        .access_token(&a.access_token)
        .send()
        .await
        .unwrap();
    let m = not_authorized(tokens::refresh(&app.services, &ctx, refresh, false, None, None).await);
    assert_eq!(m, "Refresh Token has been revoked");
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

async fn bad_access_tokens_are_refused(db: Backend) {
    let app = spawn_app(db).await;
    let fx = fixture(&app).await;
    let client = client(&app, &fx.pool_id).await;
    let good = sign_in(&app, &fx.pool_id, &client, &fx.username)
        .await
        .access_token;
    let parts: Vec<&str> = good.split('.').collect();
    let mut claims = payload(&good);

    // Tampered payload, same signature.
    claims["username"] = "mallory".into();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(claims.to_string().as_bytes()),
        parts[2]
    );
    // alg none.
    let none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","kid":"x"}"#),
        b64(payload(&good).to_string().as_bytes())
    );
    // HS256 with the kid of a real key.
    let header = jsonwebtoken::decode_header(&good).unwrap();
    let hs = format!(
        "{}.{}.{}",
        b64(format!(r#"{{"alg":"HS256","kid":"{}"}}"#, header.kid.unwrap()).as_bytes()),
        parts[1],
        parts[2]
    );
    // An ID token is not an access token.
    let id_token = sign_in(&app, &fx.pool_id, &client, &fx.username)
        .await
        .id_token;
    // Signed by another pool's key, claiming this pool's issuer.
    let other = fixture(&app).await;
    let other_client = crate::tokens_helpers::client(&app, &other.pool_id).await;
    let foreign = sign_in(&app, &other.pool_id, &other_client, &other.username).await;
    let foreign_parts: Vec<&str> = foreign.access_token.split('.').collect();
    let mut forged_claims = payload(&foreign.access_token);
    forged_claims["iss"] = issuer(&app, &fx.pool_id).into();
    let foreign_forged = format!(
        "{}.{}.{}",
        foreign_parts[0],
        b64(forged_claims.to_string().as_bytes()),
        foreign_parts[2]
    );

    for (what, token) in [
        ("tampered", tampered.as_str()),
        ("alg none", none.as_str()),
        ("HS256", hs.as_str()),
        ("id token", id_token.as_str()),
        ("other pool's key", foreign_forged.as_str()),
        ("garbage", "not-a-token"),
    ] {
        let m = not_authorized(tokens::authenticate(&app.services, token).await);
        assert_eq!(m, "Invalid Access Token", "{what}");
        let e = app
            .cognito
            .global_sign_out()
            .access_token(token)
            .send()
            .await;
        assert_aws_error!(e, "NotAuthorizedException");
    }
    // The other pool's token itself is fine in its own pool.
    tokens::authenticate(&app.services, &foreign.access_token)
        .await
        .unwrap();

    advance(&app, 3600);
    let m = not_authorized(tokens::authenticate(&app.services, &good).await);
    assert_eq!(m, "Access Token has expired");
    let e = app
        .cognito
        .global_sign_out()
        .access_token(&good)
        .send()
        .await;
    let m = assert_aws_error!(e, "NotAuthorizedException");
    assert_eq!(m, "Access Token has expired");
}

both_databases!(
    revoke_token_ends_the_sign_in,
    revoke_token_needs_the_client_to_allow_it,
    global_sign_out_ends_every_sign_in_of_the_user,
    global_sign_out_is_all_or_nothing,
    bad_access_tokens_are_refused,
);
