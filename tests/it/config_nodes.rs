//! Two nodes over one database: node B keeps clients, pools, signing keys and the JWKS and
//! discovery documents in memory (`services::client_cache`, `services::keys`), and every change
//! made through node A (or the CLI's code path, `keys::rotate`) shows on B at its next request:
//! B checks the pool's configuration counter every time.

use crate::both_databases;
use crate::helpers::{AppOptions, Backend, TestApp, error_code, spawn_app_with, wait_until};
use crate::oauth_client_credentials::{grant, machine, thirty_minute_reader};
use crate::oauth_helpers::{spawn_oauth_app, userinfo};
use crate::oauth_userinfo::{names, only_email_readable, two_attribute_reader};
use crate::tokens_helpers::{advance, fixture, issuer, jwks, kid_of, payload, sign_in, verify};
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ExplicitAuthFlowsType, TimeUnitsType, TokenValidityUnitsType,
};
use tessera::services::keys;

async fn second_node(first: &TestApp, backend: Backend) -> TestApp {
    spawn_app_with(
        backend,
        AppOptions {
            database_url: Some(first.database_url.clone()),
            env: vec![
                ("TESSERA_PUBLIC_URL".into(), first.address.clone()),
                first.master_key_setting(),
            ],
            ..Default::default()
        },
    )
    .await
}

/// Moves the nodes' clocks past the moment keys made by a rotation now start signing.
fn past_the_signing_lead(nodes: &[&TestApp]) {
    for node in nodes {
        advance(node, keys::SIGNING_LEAD_MS / 1000 + 1);
    }
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
    assert_eq!(grant(&b, &client, None).await.status, 200);
    thirty_minute_reader(&a, &client).await;
    let changed = grant(&b, &client, None).await;
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    assert_eq!(changed.body["expires_in"], 1800);
    assert_eq!(
        payload(changed.body["access_token"].as_str().unwrap())["scope"],
        "api/read"
    );
    // A rotates the pool's keys: B signs with the new access key once they sign.
    keys::rotate(&a.services, &client.pool_id).await.unwrap();
    past_the_signing_lead(&[&a, &b]);
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
    refresh(&b, &client.id, &token).await.unwrap();
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
    let (id_token, access_token) = refresh(&b, &client.id, &token).await.unwrap();
    assert_eq!(lifetime(&id_token), 600);
    // A rotates the keys: both tokens from B carry the new kids once they sign.
    keys::rotate(&a.services, &fx.pool_id).await.unwrap();
    past_the_signing_lead(&[&a, &b]);
    let (new_id, new_access) = refresh(&b, &client.id, &token).await.unwrap();
    assert_ne!(kid_of(&new_id), kid_of(&id_token));
    assert_ne!(kid_of(&new_access), kid_of(&access_token));
    // A takes REFRESH_TOKEN_AUTH away from the client: B refuses as A does.
    update()
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .send()
        .await
        .unwrap();
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
    assert_eq!(userinfo(&b, &pool, &token).await.status, 200);

    only_email_readable(&a, &pool, &client).await;
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

/// True when the node's JWKS lists every kid of `kids`.
async fn publishes(node: &TestApp, pool_id: &str, kids: &[String]) -> bool {
    let published: Vec<String> = jwks(node, pool_id)
        .await
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect();
    kids.iter().all(|kid| published.contains(kid))
}

/// After a rotation made through A, both nodes publish the new keys before either signs with
/// them: every token either node issues, right after the rotation and once the new keys sign,
/// verifies against the JWKS served by the other node (each node had its JWKS cached before).
async fn every_node_publishes_a_key_before_any_node_signs_with_it(db: Backend) {
    let a = spawn_oauth_app(db, &[]).await;
    let b = second_node(&a, db).await;
    let fx = fixture(&a).await;
    let client = crate::tokens_helpers::client(&a, &fx.pool_id).await;
    let iss = issuer(&a, &fx.pool_id);
    let before = sign_in(&a, &fx.pool_id, &client, &fx.username).await;
    assert_eq!(jwks(&a, &fx.pool_id).await.len(), 2);
    assert_eq!(jwks(&b, &fx.pool_id).await.len(), 2);

    let rotation = keys::rotate(&a.services, &fx.pool_id).await.unwrap();
    // Published by A at once and by B within the documents' recheck interval, far inside the
    // lead; the old keys sign meanwhile.
    let new_kids = &rotation.new_kids;
    assert!(publishes(&a, &fx.pool_id, new_kids).await);
    wait_until(
        "B publishes the new keys",
        keys::DOCUMENT_RECHECK * 5,
        || publishes(&b, &fx.pool_id, new_kids),
    )
    .await;
    for node in [&a, &b] {
        let now = sign_in(node, &fx.pool_id, &client, &fx.username).await;
        assert_eq!(kid_of(&now.access_token), kid_of(&before.access_token));
    }
    past_the_signing_lead(&[&a, &b]);
    for (signer, other) in [(&a, &b), (&b, &a)] {
        let signed = sign_in(signer, &fx.pool_id, &client, &fx.username).await;
        assert!(rotation.new_kids.contains(&kid_of(&signed.access_token)));
        assert!(rotation.new_kids.contains(&kid_of(&signed.id_token)));
        let published = jwks(other, &fx.pool_id).await;
        verify(&signed.access_token, &published, &iss, None).unwrap();
        verify(&signed.id_token, &published, &iss, Some(&client.id)).unwrap();
    }
}

both_databases!(
    client_credentials_follow_changes_made_on_another_node,
    refresh_follows_changes_made_on_another_node,
    access_checks_follow_changes_made_on_another_node,
    every_node_publishes_a_key_before_any_node_signs_with_it,
);
