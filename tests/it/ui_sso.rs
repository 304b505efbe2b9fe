//! The hosted-UI session (reference §1.0, §1.4): after one sign-in, authorization requests of
//! any client of the pool complete without the form, until `prompt=login`, `/logout` or
//! GlobalSignOut.

use crate::helpers::{Backend, spawn_app};
use crate::ui_helpers::*;

async fn a_second_authorize_skips_the_form(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = hosted(&app).await;
    user(&app, &h.pool_id, "alice").await;
    let browser = browser();
    let query = authorize_query(&h.client_id, &[]);
    assert_code(&sign_in(&app, &browser, &h.pool_id, &query, "alice", PASSWORD).await);
    // Same client, then a second client of the same pool: straight back with a code.
    assert_code(&authorize(&app, &browser, &h.pool_id, &query).await);
    let other = oauth_client(&app, &h.pool_id, "other").await;
    let other_query = authorize_query(&other, &[]);
    assert_code(&authorize(&app, &browser, &h.pool_id, &other_query).await);
    // Another browser has no session.
    let stranger = authorize(&app, &crate::ui_helpers::browser(), &h.pool_id, &query).await;
    assert!(
        stranger.location().contains("/login?"),
        "{}",
        stranger.location()
    );
    // prompt=login shows the form even so.
    let forced = authorize(
        &app,
        &browser,
        &h.pool_id,
        &authorize_query(&h.client_id, &[("prompt", "login")]),
    )
    .await;
    assert!(
        forced.location().contains("/login?"),
        "{}",
        forced.location()
    );
}

async fn logout_ends_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = hosted(&app).await;
    user(&app, &h.pool_id, "alice").await;
    let browser = browser();
    let query = authorize_query(&h.client_id, &[]);
    assert_code(&sign_in(&app, &browser, &h.pool_id, &query, "alice", PASSWORD).await);
    // An unregistered logout_uri: the error page, the session untouched.
    let evil = get(
        &app,
        &browser,
        &format!(
            "/{}/logout?client_id={}&logout_uri=https%3A%2F%2Fevil.example.com%2F",
            h.pool_id, h.client_id
        ),
    )
    .await;
    assert_eq!(evil.status, 302);
    assert!(
        evil.location()
            .starts_with(&format!("/{}/error?", h.pool_id)),
        "{}",
        evil.location()
    );
    assert_eq!(get(&app, &browser, &evil.location()).await.status, 400);
    assert_code(&authorize(&app, &browser, &h.pool_id, &query).await);
    // The registered one: signed out, and sent there.
    let out = get(
        &app,
        &browser,
        &format!(
            "/{}/logout?client_id={}&logout_uri={}",
            h.pool_id,
            h.client_id,
            url::form_urlencoded::byte_serialize(SIGNED_OUT.as_bytes()).collect::<String>()
        ),
    )
    .await;
    assert_eq!(out.status, 302);
    assert_eq!(out.location(), SIGNED_OUT);
    let again = authorize(&app, &browser, &h.pool_id, &query).await;
    assert!(again.location().contains("/login?"), "{}", again.location());
}

async fn global_sign_out_ends_the_hosted_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = hosted(&app).await;
    user(&app, &h.pool_id, "alice").await;
    let browser = browser();
    let query = authorize_query(&h.client_id, &[]);
    assert_code(&sign_in(&app, &browser, &h.pool_id, &query, "alice", PASSWORD).await);
    assert_code(&authorize(&app, &browser, &h.pool_id, &query).await);
    app.cognito
        .admin_user_global_sign_out()
        .user_pool_id(&h.pool_id)
        .username("alice")
        .send()
        .await
        .unwrap();
    let again = authorize(&app, &browser, &h.pool_id, &query).await;
    assert!(again.location().contains("/login?"), "{}", again.location());
}

/// A new sign-in in the same browser (prompt=login) ends the session it replaces: a copy of
/// the old cookie signs no one in.
async fn a_new_sign_in_ends_the_session_it_replaces(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = hosted(&app).await;
    user(&app, &h.pool_id, "alice").await;
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let first = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let query = authorize_query(&h.client_id, &[]);
    assert_code(&sign_in(&app, &first, &h.pool_id, &query, "alice", PASSWORD).await);
    // A copy of the cookie as it is now.
    let url = url::Url::parse(&app.address).unwrap();
    let saved = {
        use reqwest::cookie::CookieStore;
        jar.cookies(&url).unwrap().to_str().unwrap().to_string()
    };
    let copy_jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    for c in saved.split("; ") {
        copy_jar.add_cookie_str(&format!("{c}; Path=/"), &url);
    }
    let copy = reqwest::Client::builder()
        .cookie_provider(copy_jar)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let again = authorize_query(&h.client_id, &[("prompt", "login")]);
    assert_code(&sign_in(&app, &first, &h.pool_id, &again, "alice", PASSWORD).await);
    let old = authorize(&app, &copy, &h.pool_id, &query).await;
    assert!(
        old.location()
            .starts_with(&format!("/{}/login?", h.pool_id)),
        "{}",
        old.location()
    );
    // The new session works.
    assert_code(&authorize(&app, &first, &h.pool_id, &query).await);
}

crate::both_databases!(
    a_new_sign_in_ends_the_session_it_replaces,
    a_second_authorize_skips_the_form,
    logout_ends_the_session,
    global_sign_out_ends_the_hosted_session,
);
