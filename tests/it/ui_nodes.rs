//! Two Tessera nodes over one database (DESIGN §3 "Multi-node"): a hosted-UI session started on
//! one node is honoured by the other (the cookie key lives in the database), and signing out
//! on one node — `/logout` or GlobalSignOut — ends it on the other, even for a browser that
//! still presents the old cookie.

use crate::both_databases;
use crate::helpers::{AppOptions, Backend, TestApp, spawn_app, spawn_app_with};
use crate::ui_helpers::*;
use std::sync::Arc;

/// A browser whose cookie jar the test can read and copy.
fn browser_with_jar() -> (reqwest::Client, Arc<reqwest::cookie::Jar>) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (client, jar)
}

/// A second browser holding a copy of `jar`'s cookies for `app` (an old copy of a cookie).
fn copy_of(app: &TestApp, jar: &reqwest::cookie::Jar) -> reqwest::Client {
    use reqwest::cookie::CookieStore;
    let url = url::Url::parse(&app.address).unwrap();
    let header = jar.cookies(&url).unwrap();
    let (copy, copy_jar) = browser_with_jar();
    for cookie in header.to_str().unwrap().split("; ") {
        copy_jar.add_cookie_str(&format!("{cookie}; Path=/"), &url);
    }
    copy
}

async fn second_node(first: &TestApp, backend: Backend) -> TestApp {
    spawn_app_with(
        backend,
        AppOptions {
            database_url: Some(first.database_url.clone()),
            env: vec![first.master_key_setting()],
            ..Default::default()
        },
    )
    .await
}

async fn the_session_is_shared_and_ended_across_nodes(backend: Backend) {
    let a = spawn_app(backend).await;
    let b = second_node(&a, backend).await;
    let h = hosted(&a).await;
    user(&a, &h.pool_id, "alice").await;
    let (browser, jar) = browser_with_jar();
    let query = authorize_query(&h.client_id, &[]);
    assert_code(&sign_in(&a, &browser, &h.pool_id, &query, "alice", PASSWORD).await);
    // Node B reads node A's cookie and session: no form.
    assert_code(&authorize(&b, &browser, &h.pool_id, &query).await);
    let old_cookie = copy_of(&a, &jar);
    assert_code(&authorize(&a, &old_cookie, &h.pool_id, &query).await);
    // Sign out on node B.
    let out = get(
        &b,
        &browser,
        &format!(
            "/{}/logout?client_id={}&logout_uri={}",
            h.pool_id,
            h.client_id,
            url::form_urlencoded::byte_serialize(SIGNED_OUT.as_bytes()).collect::<String>()
        ),
    )
    .await;
    assert_eq!(out.location(), SIGNED_OUT);
    // Node A, even shown the old cookie, asks for the password again.
    for client in [&browser, &old_cookie] {
        let again = authorize(&a, client, &h.pool_id, &query).await;
        assert_eq!(again.status, 302);
        assert!(
            again
                .location()
                .starts_with(&format!("/{}/login?", h.pool_id)),
            "{}",
            again.location()
        );
    }
}

async fn global_sign_out_on_one_node_ends_sessions_on_the_other(backend: Backend) {
    let a = spawn_app(backend).await;
    let b = second_node(&a, backend).await;
    let h = hosted(&a).await;
    user(&a, &h.pool_id, "alice").await;
    let browser = browser();
    let query = authorize_query(&h.client_id, &[]);
    assert_code(&sign_in(&a, &browser, &h.pool_id, &query, "alice", PASSWORD).await);
    b.cognito
        .admin_user_global_sign_out()
        .user_pool_id(&h.pool_id)
        .username("alice")
        .send()
        .await
        .unwrap();
    let again = authorize(&a, &browser, &h.pool_id, &query).await;
    assert!(
        again
            .location()
            .starts_with(&format!("/{}/login?", h.pool_id)),
        "{}",
        again.location()
    );
}

both_databases!(
    the_session_is_shared_and_ended_across_nodes,
    global_sign_out_on_one_node_ends_sessions_on_the_other,
);
