//! Passkeys on the hosted pages, with the software authenticator standing in for the browser's
//! WebAuthn: the prompt after a password sign-in registers one (or "Not now", remembered by the
//! browser), "Sign in with a passkey" signs in with it; the pages' CSP allows Tessera's script;
//! and the attacks: a prompt without a signed-in browser, a form without its CSRF token, an
//! assertion for another challenge.

use crate::both_databases;
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::passkey_helpers::{Authenticator, set_relying_party};
use crate::ui_helpers::{
    PASSWORD, Page, assert_code, authorize, authorize_query, browser, get, hosted, post, sign_in,
    submit, unescape, user,
};
use aws_sdk_cognitoidentityprovider::types::{
    AuthFactorType, SignInPolicyType, UserPoolPolicyType,
};
use serde_json::Value;

both_databases!(
    the_prompt_adds_a_passkey_that_then_signs_in,
    not_now_is_remembered_by_the_browser,
    passkey_pages_refuse_forgeries,
);

const ORIGIN: &str = "http://localhost:8080";

/// A hosted pool allowing passwords and passkeys (relying party `localhost`) and user ann.
async fn set_up(app: &TestApp) -> (String, String) {
    let h = hosted(app).await;
    app.cognito
        .update_user_pool()
        .user_pool_id(&h.pool_id)
        .auto_verified_attributes(
            aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType::Email,
        )
        .policies(
            UserPoolPolicyType::builder()
                .sign_in_policy(
                    SignInPolicyType::builder()
                        .allowed_first_auth_factors(AuthFactorType::Password)
                        .allowed_first_auth_factors(AuthFactorType::WebAuthn)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    set_relying_party(app, &h.pool_id, "localhost").await;
    user(app, &h.pool_id, "ann").await;
    (h.pool_id, h.client_id)
}

/// The WebAuthn options a passkey page carries for the browser.
fn options_of(page: &Page) -> Value {
    let start = page.body.find("data-options=\"").expect("a passkey page") + 14;
    let end = start + page.body[start..].find('"').unwrap();
    serde_json::from_str(&unescape(&page.body[start..end])).unwrap()
}

async fn the_prompt_adds_a_passkey_that_then_signs_in(db: Backend) {
    let app = spawn_app(db).await;
    let (pool, client) = set_up(&app).await;
    let query = authorize_query(&client, &[]);
    let b = browser();
    let signed_in = sign_in(&app, &b, &pool, &query, "ann", PASSWORD).await;
    assert_eq!(signed_in.status, 302, "{}", signed_in.body);
    let prompt = get(&app, &b, &signed_in.location()).await;
    assert_eq!(prompt.status, 200, "{}", prompt.body);
    assert!(prompt.body.contains("Add a passkey"), "{}", prompt.body);
    assert!(
        prompt
            .header("content-security-policy")
            .contains("script-src 'self'")
    );
    assert!(
        prompt.body.contains("/static/js/passkey.js?v="),
        "{}",
        prompt.body
    );
    let options = options_of(&prompt);
    assert_eq!(options["rp"]["id"], "localhost");
    let mut key = Authenticator::new("localhost", ORIGIN);
    let credential = key.register(&options).to_string();
    let added = submit(&app, &b, &prompt, &[("credential", &credential)]).await;
    assert_eq!(added.status, 302, "{}", added.body);
    // The prompt is answered: later, even signed in, the browser is only sent on, and a
    // `prompt=login` there is kept.
    let relogin = authorize_query(&client, &[("prompt", "login")]);
    let later = get(&app, &b, &format!("/{pool}/passkeyPrompt?{relogin}")).await;
    assert_eq!(later.status, 302);
    assert!(
        later.location().contains("prompt=login"),
        "{}",
        later.location()
    );
    assert!(
        added.location().contains("/oauth2/authorize?"),
        "{}",
        added.location()
    );
    assert_code(&get(&app, &b, &added.location()).await);

    // Another browser: the passkey alone.
    let b = browser();
    let login = get(
        &app,
        &b,
        &authorize(&app, &b, &pool, &query).await.location(),
    )
    .await;
    assert!(
        login.body.contains("Sign in with a passkey"),
        "{}",
        login.body
    );
    assert!(
        !login
            .header("content-security-policy")
            .contains("script-src")
    );
    let to_passkey = submit(
        &app,
        &b,
        &login,
        &[("username", "ann"), ("factor", "WEB_AUTHN")],
    )
    .await;
    assert_eq!(to_passkey.status, 302, "{}", to_passkey.body);
    let page = get(&app, &b, &to_passkey.location()).await;
    assert!(page.body.contains("Use my passkey"), "{}", page.body);
    let options = options_of(&page);
    assert_eq!(options["allowCredentials"][0]["id"], key.id());
    let credential = key.assert(&options).to_string();
    let done = submit(&app, &b, &page, &[("credential", &credential)]).await;
    assert_code(&done);
}

/// "Not now" goes on to the app, and this browser is not asked again.
async fn not_now_is_remembered_by_the_browser(db: Backend) {
    let app = spawn_app(db).await;
    let (pool, client) = set_up(&app).await;
    let query = authorize_query(&client, &[("prompt", "login")]);
    let b = browser();
    let signed_in = sign_in(&app, &b, &pool, &query, "ann", PASSWORD).await;
    let prompt = get(&app, &b, &signed_in.location()).await;
    let skipped = submit(&app, &b, &prompt, &[("skip", "1")]).await;
    let location = skipped.location();
    assert!(!location.contains("prompt=login"), "{location}");
    assert_code(&get(&app, &b, &location).await);
    let again = sign_in(&app, &b, &pool, &query, "ann", PASSWORD).await;
    assert_code(&again);
}

/// The prompt needs a signed-in browser and its CSRF token; an assertion answers only its own
/// challenge, and a refused one ends the sign-in.
async fn passkey_pages_refuse_forgeries(db: Backend) {
    let app = spawn_app(db).await;
    let (pool, client) = set_up(&app).await;
    let query = authorize_query(&client, &[]);
    let stranger = browser();
    // Without a sign-in just made, the prompt only sends the browser on to the request.
    let nobody = get(&app, &stranger, &format!("/{pool}/passkeyPrompt?{query}")).await;
    assert_eq!(nobody.status, 302);
    assert!(
        nobody.location().contains("/oauth2/authorize?"),
        "{}",
        nobody.location()
    );

    let b = browser();
    let signed_in = sign_in(&app, &b, &pool, &query, "ann", PASSWORD).await;
    let prompt = get(&app, &b, &signed_in.location()).await;
    let mut key = Authenticator::new("localhost", ORIGIN);
    let credential = key.register(&options_of(&prompt)).to_string();
    let forged = post(
        &app,
        &b,
        &prompt.action(),
        &[("credential", credential.as_str())],
    )
    .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    // The registration waits: with the token it goes through.
    let added = submit(&app, &b, &prompt, &[("credential", &credential)]).await;
    assert_eq!(added.status, 302, "{}", added.body);

    // Two passkey sign-ins started in two browsers: the first's assertion in the second.
    let start = |b: reqwest::Client| {
        let app = &app;
        let pool = pool.clone();
        let query = query.clone();
        async move {
            let login = get(app, &b, &authorize(app, &b, &pool, &query).await.location()).await;
            let to = submit(
                app,
                &b,
                &login,
                &[("username", "ann"), ("factor", "WEB_AUTHN")],
            )
            .await;
            (b.clone(), get(app, &b, &to.location()).await)
        }
    };
    let (_, first) = start(browser()).await;
    let (second_browser, second) = start(browser()).await;
    let other = key.assert(&options_of(&first)).to_string();
    let refused = submit(&app, &second_browser, &second, &[("credential", &other)]).await;
    assert_eq!(refused.status, 302, "{}", refused.body);
    assert!(
        refused.location().contains("/login?"),
        "{}",
        refused.location()
    );
    // The sign-in is over: its page sends the browser back to the sign-in page.
    let gone = get(&app, &second_browser, &second.action()).await;
    assert_eq!(gone.status, 302);
}
