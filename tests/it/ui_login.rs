//! The sign-in page (reference §1.3): through `/oauth2/authorize` to the form and back to the
//! callback with a code (or tokens, implicit); wrong passwords; CSRF; untrusted redirect URIs;
//! the security headers; a pool's own domain.

use crate::helpers::{AppOptions, Backend, TestApp, spawn_app, spawn_app_with};
use crate::ui_helpers::*;

async fn signed_in_with_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = hosted(&app).await;
    user(&app, &h.pool_id, "alice").await;
    let browser = browser();
    let query = authorize_query(&h.client_id, &[("nonce", "n-1")]);
    let to_login = authorize(&app, &browser, &h.pool_id, &query).await;
    assert_eq!(to_login.status, 302);
    assert_eq!(to_login.location(), format!("/{}/login?{query}", h.pool_id));
    let login = get(&app, &browser, &to_login.location()).await;
    assert_eq!(login.status, 200);
    for needle in [
        "id=\"signInFormUsername\"",
        "name=\"username\"",
        "id=\"signInFormPassword\"",
        "type=\"password\"",
        "name=\"signInSubmitButton\"",
        "Forgot your password?",
        ">Sign up</a>",
        "<html lang=\"en\">",
        "<title>Sign in",
    ] {
        assert!(
            login.body.contains(needle),
            "{needle} missing: {}",
            login.body
        );
    }
    assert_eq!(login.action(), format!("/{}/login?{query}", h.pool_id));
    let done = submit(
        &app,
        &browser,
        &login,
        &[("username", "alice"), ("password", PASSWORD)],
    )
    .await;
    let code = assert_code(&done);
    assert!(code.len() >= 32, "{code}");
}

async fn wrong_password_shows_the_form_again(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = hosted(&app).await;
    user(&app, &h.pool_id, "alice").await;
    let browser = browser();
    let query = authorize_query(&h.client_id, &[]);
    let page = sign_in(&app, &browser, &h.pool_id, &query, "alice", "Wrong-Horse-1").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("role=\"alert\""), "{}", page.body);
    assert!(page.body.contains("errorMessage"), "{}", page.body);
    assert!(
        page.body.contains("Incorrect username or password."),
        "{}",
        page.body
    );
    // The form again, the username kept, the password not.
    assert!(page.body.contains("value=\"alice\""), "{}", page.body);
    assert!(!page.body.contains("Wrong-Horse-1"));
    assert!(page.body.contains("id=\"signInFormPassword\""));
    // And it still works with the right password.
    let done = submit(
        &app,
        &browser,
        &page,
        &[("username", "alice"), ("password", PASSWORD)],
    )
    .await;
    assert_code(&done);
}

async fn posts_without_the_csrf_token_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = hosted(&app).await;
    user(&app, &h.pool_id, "alice").await;
    let browser = browser();
    let query = authorize_query(&h.client_id, &[]);
    let login = get(&app, &browser, &format!("/{}/login?{query}", h.pool_id)).await;
    let action = login.action();
    let credentials = [("username", "alice"), ("password", PASSWORD)];
    let missing = post(&app, &browser, &action, &credentials).await;
    assert_eq!(missing.status, 403, "{}", missing.body);
    let wrong = post(
        &app,
        &browser,
        &action,
        &[
            ("_csrf", "forged"),
            ("username", "alice"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(wrong.status, 403);
    // Another browser's token does not work either.
    let other = browser_with_token(&app, &h.pool_id, &query).await;
    let stolen = post(
        &app,
        &browser,
        &action,
        &[
            ("_csrf", &other),
            ("username", "alice"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(stolen.status, 403);
    // Nothing happened: no hosted-UI session, the next authorize shows the form.
    let again = authorize(&app, &browser, &h.pool_id, &query).await;
    assert!(again.location().contains("/login?"), "{}", again.location());
}

async fn browser_with_token(app: &TestApp, pool_id: &str, query: &str) -> String {
    let other = browser();
    get(app, &other, &format!("/{pool_id}/login?{query}"))
        .await
        .csrf()
}

async fn unregistered_redirect_uri_is_an_error_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = hosted(&app).await;
    let browser = browser();
    let evil = "https://evil.example.com/callback";
    let query = format!(
        "response_type=code&client_id={}&redirect_uri={}&state=s",
        h.client_id,
        urlencode(evil)
    );
    let authorize = authorize(&app, &browser, &h.pool_id, &query).await;
    assert_eq!(authorize.status, 302);
    let location = authorize.location();
    assert!(
        location.starts_with(&format!("/{}/error?", h.pool_id)),
        "{location}"
    );
    let error = get(&app, &browser, &location).await;
    assert_eq!(error.status, 400);
    assert!(
        error
            .body
            .contains("An error was encountered with the requested page.")
    );
    // The pages themselves refuse it too, and never redirect there.
    for page in ["login", "signup", "forgotPassword"] {
        let p = get(&app, &browser, &format!("/{}/{page}?{query}", h.pool_id)).await;
        assert_eq!(p.status, 400, "{page}: {}", p.body);
        assert!(!p.header("location").contains("evil"));
        assert!(
            p.body
                .contains("An error was encountered with the requested page.")
        );
    }
    let posted = post(
        &app,
        &browser,
        &format!("/{}/login?{query}", h.pool_id),
        &[("username", "a"), ("password", "b")],
    )
    .await;
    assert_eq!(posted.status, 400);
    // An unknown client, likewise.
    let unknown = get(
        &app,
        &browser,
        &format!(
            "/{}/login?response_type=code&client_id=nope&redirect_uri={}",
            h.pool_id,
            urlencode(CALLBACK)
        ),
    )
    .await;
    assert_eq!(unknown.status, 400);
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn implicit_returns_tokens_in_the_fragment(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = hosted(&app).await;
    user(&app, &h.pool_id, "alice").await;
    let browser = browser();
    let query = format!(
        "response_type=token&client_id={}&redirect_uri={}&scope=openid&state=st-42",
        h.client_id,
        urlencode(CALLBACK)
    );
    let done = sign_in(&app, &browser, &h.pool_id, &query, "alice", PASSWORD).await;
    assert_eq!(done.status, 302, "{}", done.body);
    let location = done.location();
    assert!(location.starts_with(&format!("{CALLBACK}#")), "{location}");
    let params = params_of(&location);
    assert!(params["access_token"].split('.').count() == 3, "{location}");
    assert!(params.contains_key("id_token"));
    assert_eq!(params["token_type"], "Bearer");
    assert_eq!(params["state"], "st-42");
}

async fn pages_carry_the_security_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = hosted(&app).await;
    let browser = browser();
    let query = authorize_query(&h.client_id, &[]);
    for path in [
        format!("/{}/login?{query}", h.pool_id),
        format!("/{}/signup?{query}", h.pool_id),
        format!("/{}/forgotPassword?{query}", h.pool_id),
        format!("/{}/confirm?{query}&username=x", h.pool_id),
        format!("/{}/confirmForgotPassword?{query}&username=x", h.pool_id),
        format!("/{}/error?error=x", h.pool_id),
        format!("/{}/oauth2/authorize?{query}", h.pool_id),
    ] {
        let page = get(&app, &browser, &path).await;
        let csp = page.header("content-security-policy");
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("form-action"), "{path}: {csp}");
        assert!(!csp.contains("script-src"), "{path}: {csp}");
        assert_eq!(page.header("x-frame-options"), "DENY", "{path}");
        assert_eq!(page.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(page.header("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(page.header("cache-control"), "no-store", "{path}");
        if page.status == 200 {
            assert!(!page.body.contains("<script"), "{path}");
            assert!(
                page.header("content-type").starts_with("text/html"),
                "{path}"
            );
        }
    }
    // The style sheet: versioned by content, cached for long.
    let login = get(&app, &browser, &format!("/{}/login?{query}", h.pool_id)).await;
    let href = login
        .body
        .split("href=\"/static/css/tessera.css?v=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no style sheet link in {}", login.body))
        .to_string();
    let css = get(&app, &browser, &format!("/static/css/tessera.css?v={href}")).await;
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").starts_with("text/css"));
    assert!(css.header("cache-control").contains("max-age=31536000"));
    assert_eq!(css.header("x-content-type-options"), "nosniff");
    for class in [
        "submitButton-customizable",
        "inputField-customizable",
        "prefers-color-scheme",
    ] {
        assert!(css.body.contains(class), "{class}");
    }
}

async fn a_pool_domain_serves_the_pages_at_its_root(backend: Backend) {
    let app = spawn_app_with(
        backend,
        AppOptions {
            env: vec![("TESSERA_AUTH_DOMAIN".into(), "auth.test".into())],
            ..Default::default()
        },
    )
    .await;
    let h = hosted(&app).await;
    user(&app, &h.pool_id, "alice").await;
    app.cognito
        .create_user_pool_domain()
        .user_pool_id(&h.pool_id)
        .domain("myapp")
        .send()
        .await
        .unwrap();
    let browser = browser();
    let query = authorize_query(&h.client_id, &[]);
    let host = "myapp.auth.test";
    let on_domain = |path: String| {
        browser
            .get(format!("{}{path}", app.address))
            .header("host", host)
    };
    let to_login = on_domain(format!("/oauth2/authorize?{query}"))
        .send()
        .await
        .unwrap();
    assert_eq!(to_login.status(), 302);
    let location = to_login.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, format!("/login?{query}"));
    let login = on_domain(location).send().await.unwrap();
    assert_eq!(login.status(), 200);
    let body = login.text().await.unwrap();
    assert!(
        body.contains(&format!("action=\"/login?{}\"", escape(&query))),
        "{body}"
    );
    // Another host is no pool's.
    let unknown = browser
        .get(format!("{}/login?{query}", app.address))
        .header("host", "other.auth.test")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

async fn unconfirmed_users_are_offered_the_confirm_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = hosted(&app).await;
    crate::account_helpers::sign_up(&app, &h.client_id, "hank", "hank@example.com").await;
    let browser = browser();
    let query = authorize_query(&h.client_id, &[]);
    let page = sign_in(
        &app,
        &browser,
        &h.pool_id,
        &query,
        "hank",
        crate::account_helpers::PASSWORD,
    )
    .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Your account is not confirmed yet."),
        "{}",
        page.body
    );
    let confirm = format!("/{}/confirm?{query}&username=hank", h.pool_id);
    assert!(page.body.contains(&escape(&confirm)), "{}", page.body);
    let code = mailed_code(&app, "hank@example.com");
    let form = get(&app, &browser, &confirm).await;
    let done = submit(&app, &browser, &form, &[("code", &code)]).await;
    // Not signed up in this browser: confirmed, then asked to sign in.
    assert_eq!(done.location(), format!("/{}/login?{query}", h.pool_id));
}

async fn sign_in_posts_are_limited_per_ip(backend: Backend) {
    let app = spawn_app_with(
        backend,
        AppOptions {
            env: vec![("TESSERA_RATE_LIMIT_PER_IP".into(), "2".into())],
            ..Default::default()
        },
    )
    .await;
    let h = hosted(&app).await;
    user(&app, &h.pool_id, "alice").await;
    let query = authorize_query(&h.client_id, &[]);
    // Sign-ins that succeed are not counted: three browsers of one address sign in.
    for _ in 0..3 {
        let b = browser();
        let login = get(&app, &b, &format!("/{}/login?{query}", h.pool_id)).await;
        let done = submit(
            &app,
            &b,
            &login,
            &[("username", "alice"), ("password", PASSWORD)],
        )
        .await;
        assert_code(&done);
    }
    let browser = browser();
    let mut page = get(&app, &browser, &format!("/{}/login?{query}", h.pool_id)).await;
    for _ in 0..2 {
        page = submit(
            &app,
            &browser,
            &page,
            &[("username", "alice"), ("password", "Wrong-1")],
        )
        .await;
        assert_eq!(page.status, 200);
    }
    let limited = submit(
        &app,
        &browser,
        &page,
        &[("username", "alice"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert_eq!(limited.header("retry-after"), "10");
    assert!(
        limited.body.contains("Too many requests"),
        "{}",
        limited.body
    );
    assert!(limited.body.contains("role=\"alert\""));
}

crate::both_databases!(
    unconfirmed_users_are_offered_the_confirm_page,
    sign_in_posts_are_limited_per_ip,
    signed_in_with_code,
    wrong_password_shows_the_form_again,
    posts_without_the_csrf_token_are_refused,
    unregistered_redirect_uri_is_an_error_page,
    implicit_returns_tokens_in_the_fragment,
    pages_carry_the_security_headers,
    a_pool_domain_serves_the_pages_at_its_root,
);
