//! Two nodes over one database: node B keeps clients, pools and signing keys in memory
//! (`services::client_cache`, `keys::signing_keys_at`), and every change made through node A
//! (or the CLI's code path, `keys::rotate`) shows on B: on SQLite at B's next request (B reads
//! the configuration counter every time), on PostgreSQL as soon as B has heard the trigger's
//! notification (`store::config_watch`), which [`heard`] waits for.

use crate::both_databases;
use crate::helpers::{AppOptions, Backend, TestApp, error_code, spawn_app_with};
use crate::oauth_client_credentials::{grant, machine, thirty_minute_reader};
use crate::oauth_helpers::{spawn_oauth_app, userinfo};
use crate::oauth_userinfo::{names, only_email_readable, two_attribute_reader};
use crate::tokens_helpers::{fixture, kid_of, payload, sign_in};
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ExplicitAuthFlowsType, TimeUnitsType, TokenValidityUnitsType,
};
use std::time::Duration;
use tessera::services::keys;
use tessera::store::Store;

async fn second_node(first: &TestApp, backend: Backend) -> TestApp {
    let b = spawn_app_with(
        backend,
        AppOptions {
            database_url: Some(first.database_url.clone()),
            env: vec![("TESSERA_PUBLIC_URL".into(), first.address.clone())],
            ..Default::default()
        },
    )
    .await;
    listening(&b).await;
    b
}

/// Waits until the node's configuration listener is subscribed (PostgreSQL) and has
/// subscribed more than `after` times.
async fn subscribed(app: &TestApp, after: u64) {
    for _ in 0..500 {
        match app.services.store.config_watch_state() {
            None => return,
            Some(state) if state.live && state.subscriptions > after => return,
            Some(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
    panic!("the configuration listener did not subscribe");
}

async fn listening(app: &TestApp) {
    subscribed(app, 0).await;
}

/// Waits until node `b` knows the pool's configuration counter as the table has it now, from
/// a notification: B reads nothing meanwhile. On SQLite B reads the counter on every use, so
/// there is nothing to wait for.
async fn heard(b: &TestApp, pool_id: &str) {
    if b.services.store.config_watch_state().is_none() {
        return;
    }
    let table = Store::connect(&b.database_url).await.unwrap();
    let now = table.config_version(pool_id).await.unwrap();
    table.close().await;
    for _ in 0..500 {
        if b.services.store.config_version_heard(pool_id) >= Some(now) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "B has not heard of configuration {now} of pool {pool_id}: {:?}",
        b.services.store.config_version_heard(pool_id)
    );
}

fn lifetime(token: &str) -> i64 {
    let claims = payload(token);
    claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap()
}

async fn client_credentials_follow_changes_made_on_another_node(db: Backend) {
    let a = spawn_oauth_app(db, &[]).await;
    let b = second_node(&a, db).await;
    let client = machine(&a).await;
    let first = grant(&b, &client, None).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let first_token = first.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(lifetime(&first_token), 3600);
    // The first grant made the pool's keys (a configuration change too): one more load.
    assert_eq!(grant(&b, &client, None).await.status, 200);
    // Served from B's memory now; A changes the client's access-token validity.
    let hits = b.services.clients.hits();
    assert_eq!(grant(&b, &client, None).await.status, 200);
    assert_eq!(
        b.services.clients.hits(),
        hits + 1,
        "B answered from memory"
    );
    thirty_minute_reader(&a, &client).await;
    heard(&b, &client.pool_id).await;
    let changed = grant(&b, &client, None).await;
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    assert_eq!(changed.body["expires_in"], 1800);
    assert_eq!(
        payload(changed.body["access_token"].as_str().unwrap())["scope"],
        "api/read"
    );
    // A rotates the pool's keys: B signs with the new access key at once.
    keys::rotate(&a.services, &client.pool_id).await.unwrap();
    heard(&b, &client.pool_id).await;
    let rotated = grant(&b, &client, None).await;
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);
    assert_ne!(
        kid_of(rotated.body["access_token"].as_str().unwrap()),
        kid_of(&first_token)
    );
    // A deletes the client: B refuses it at the next request.
    a.cognito
        .delete_user_pool_client()
        .user_pool_id(&client.pool_id)
        .client_id(&client.id)
        .send()
        .await
        .unwrap();
    heard(&b, &client.pool_id).await;
    let gone = grant(&b, &client, None).await;
    assert_eq!(gone.status, 401, "{:?}", gone.body);
    assert_eq!(gone.body["error"], "invalid_client");
    // Another machine client, cached on B, then its whole pool deleted through A.
    let other = machine(&a).await;
    assert_eq!(grant(&b, &other, None).await.status, 200);
    assert_eq!(grant(&b, &other, None).await.status, 200);
    a.cognito
        .delete_user_pool()
        .user_pool_id(&other.pool_id)
        .send()
        .await
        .unwrap();
    heard(&b, &other.pool_id).await;
    let gone = grant(&b, &other, None).await;
    assert_ne!(gone.status, 200, "{:?}", gone.body);
}

async fn refresh(app: &TestApp, client_id: &str, token: &str) -> Result<(String, String), String> {
    app.cognito
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", token)
        .send()
        .await
        .map(|r| {
            let tokens = r.authentication_result.unwrap();
            (tokens.id_token.unwrap(), tokens.access_token.unwrap())
        })
        .map_err(|e| error_code(&e))
}

async fn refresh_follows_changes_made_on_another_node(db: Backend) {
    let a = spawn_oauth_app(db, &[]).await;
    let b = second_node(&a, db).await;
    let fx = fixture(&a).await;
    let client = crate::tokens_helpers::client(&a, &fx.pool_id).await;
    let signed_in = sign_in(&a, &fx.pool_id, &client, &fx.username).await;
    let token = signed_in.refresh_token.unwrap();
    let (id_token, _) = refresh(&b, &client.id, &token).await.unwrap();
    assert_eq!(lifetime(&id_token), 3600);
    let hits = b.services.clients.hits();
    refresh(&b, &client.id, &token).await.unwrap();
    assert_eq!(
        b.services.clients.hits(),
        hits + 1,
        "B answered from memory"
    );
    // A shortens the client's ID-token validity.
    let update = || {
        a.cognito
            .update_user_pool_client()
            .user_pool_id(&fx.pool_id)
            .client_id(&client.id)
    };
    update()
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .id_token_validity(10)
        .token_validity_units(
            TokenValidityUnitsType::builder()
                .id_token(TimeUnitsType::Minutes)
                .build(),
        )
        .send()
        .await
        .unwrap();
    heard(&b, &fx.pool_id).await;
    let (id_token, access_token) = refresh(&b, &client.id, &token).await.unwrap();
    assert_eq!(lifetime(&id_token), 600);
    // A rotates the keys: both tokens from B carry the new kids.
    keys::rotate(&a.services, &fx.pool_id).await.unwrap();
    heard(&b, &fx.pool_id).await;
    let (new_id, new_access) = refresh(&b, &client.id, &token).await.unwrap();
    assert_ne!(kid_of(&new_id), kid_of(&id_token));
    assert_ne!(kid_of(&new_access), kid_of(&access_token));
    // A takes REFRESH_TOKEN_AUTH away from the client: B refuses as A does.
    update()
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .send()
        .await
        .unwrap();
    heard(&b, &fx.pool_id).await;
    let on_a = refresh(&a, &client.id, &token).await.unwrap_err();
    assert_eq!(refresh(&b, &client.id, &token).await.unwrap_err(), on_a);
    // A deletes the client.
    a.cognito
        .delete_user_pool_client()
        .user_pool_id(&fx.pool_id)
        .client_id(&client.id)
        .send()
        .await
        .unwrap();
    heard(&b, &fx.pool_id).await;
    assert_eq!(
        refresh(&b, &client.id, &token).await.unwrap_err(),
        "ResourceNotFoundException"
    );
}

/// userInfo and GetUser check the access token on B with the client and pool B keeps in
/// memory: a change to the client's ReadAttributes made through A shows on B, and after A
/// deletes the client its tokens are refused on B.
async fn access_checks_follow_changes_made_on_another_node(db: Backend) {
    let a = spawn_oauth_app(db, &[]).await;
    let b = second_node(&a, db).await;
    let (pool, client, token) = two_attribute_reader(&a).await;
    let first = userinfo(&b, &pool, &token).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(
        names(&first.body),
        ["email", "given_name", "sub", "username"]
    );
    let hits = b.services.clients.hits();
    assert_eq!(userinfo(&b, &pool, &token).await.status, 200);
    assert_eq!(
        b.services.clients.hits(),
        hits + 1,
        "B answered from memory"
    );

    only_email_readable(&a, &pool, &client).await;
    heard(&b, &pool).await;
    let changed = userinfo(&b, &pool, &token).await;
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    assert_eq!(names(&changed.body), ["email", "sub", "username"]);
    b.cognito
        .get_user()
        .access_token(&token)
        .send()
        .await
        .unwrap();

    a.cognito
        .delete_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&client.id)
        .send()
        .await
        .unwrap();
    heard(&b, &pool).await;
    assert_eq!(userinfo(&b, &pool, &token).await.status, 401);
    let refused = b
        .cognito
        .get_user()
        .access_token(&token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&refused), "NotAuthorizedException");
}

/// On PostgreSQL, B answers the counter from memory, hears a change made elsewhere, and after
/// its listening connection is killed subscribes again and hears the next one. SQLite has no
/// watch.
async fn the_configuration_listener_recovers_from_a_lost_connection(db: Backend) {
    let a = spawn_oauth_app(db, &[]).await;
    listening(&a).await;
    let b = second_node(&a, db).await;
    let client = machine(&a).await;
    assert_eq!(grant(&b, &client, None).await.status, 200);
    let Some(before) = b.services.store.config_watch_state() else {
        assert_eq!(db, Backend::Sqlite);
        assert_eq!(b.services.store.config_version_heard(&client.pool_id), None);
        return;
    };
    assert_eq!(grant(&b, &client, None).await.status, 200);
    let after = b.services.store.config_watch_state().unwrap();
    assert!(after.answered > before.answered, "{before:?} → {after:?}");
    // Every listening session of this database is terminated (A's and B's).
    let admin = sqlx::PgPool::connect(&a.database_url).await.unwrap();
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .fetch_all(&admin)
    .await
    .unwrap();
    assert_eq!(killed, [true, true]);
    subscribed(&b, after.subscriptions).await;
    thirty_minute_reader(&a, &client).await;
    heard(&b, &client.pool_id).await;
    let changed = grant(&b, &client, None).await;
    assert_eq!(changed.body["expires_in"], 1800, "{:?}", changed.body);
    b.cognito
        .delete_user_pool_client()
        .user_pool_id(&client.pool_id)
        .client_id(&client.id)
        .send()
        .await
        .unwrap();
    assert_eq!(grant(&b, &client, None).await.status, 401);
    admin.close().await;
}

both_databases!(
    client_credentials_follow_changes_made_on_another_node,
    refresh_follows_changes_made_on_another_node,
    access_checks_follow_changes_made_on_another_node,
    the_configuration_listener_recovers_from_a_lost_connection,
);
