//! The admin console: the first operator signs in through the operators' pool's hosted pages
//! (temporary password, new password, TOTP set-up), then runs a pool from the pages: finds a
//! user by email, disables (their sign-in fails) and enables them, resets their password (the
//! mail arrives), creates a client whose secret is shown once, saves branding and sees it in
//! the preview, changes settings. Every action is audited with the operator as actor. The
//! attacks: no cookie, a forged form, a disabled operator, markup in user data, a callback
//! with another browser's state.

use crate::both_databases;
use crate::helpers::{Backend, TestApp, error_code, spawn_app};
use crate::mfa_helpers::totp_now;
use crate::sign_in_helpers::{PASSWORD, client_with, password_auth, set_permanent};
use crate::ui_helpers::{Page, browser, get, post};
use crate::ui_mfa_helpers::secret_on;
use tessera::domain::audit::AuditEvent;

both_databases!(
    an_operator_signs_in_with_totp_and_runs_a_user,
    a_client_secret_is_shown_once,
    branding_is_saved_and_previewed,
    settings_are_saved_without_losing_the_rest,
    the_console_refuses_strangers_and_forgeries,
    a_disabled_operator_loses_the_console,
);

const OPERATOR_PASSWORD: &str = "Operator-Mosaic-2026";

/// Follows `page`'s redirect.
async fn follow(app: &TestApp, b: &reqwest::Client, page: &Page) -> Page {
    assert!(
        matches!(page.status, 302 | 303),
        "{}: {}",
        page.status,
        page.body
    );
    get(app, b, &page.location()).await
}

/// Posts a console form: the CSRF token of `page` added.
async fn act(
    app: &TestApp,
    b: &reqwest::Client,
    page: &Page,
    url: &str,
    fields: &[(&str, &str)],
) -> Page {
    let csrf = page.csrf();
    let mut all = vec![("_csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    post(app, b, url, &all).await
}

/// The first operator's first sign-in, all the way into the console: the browser, and the
/// operator's TOTP secret.
async fn operator(app: &TestApp) -> (reqwest::Client, String) {
    let (username, temporary) = app.first_operator.clone().expect("a first operator");
    let b = browser();
    let start = get(app, &b, "/admin/").await;
    assert_eq!(start.status, 303, "{}", start.body);
    assert_eq!(start.location(), "/admin/signin");
    let to_authorize = follow(app, &b, &start).await;
    let to_login = follow(app, &b, &to_authorize).await;
    let login = follow(app, &b, &to_login).await;
    assert_eq!(login.status, 200, "{}", login.body);
    let csrf = login.csrf();
    let answer = post(
        app,
        &b,
        &login.action(),
        &[
            ("_csrf", &csrf),
            ("username", &username),
            ("password", &temporary),
        ],
    )
    .await;
    let new_password = follow(app, &b, &answer).await;
    let csrf = new_password.csrf();
    let answer = post(
        app,
        &b,
        &new_password.action(),
        &[
            ("_csrf", &csrf),
            ("password", OPERATOR_PASSWORD),
            ("password_repeat", OPERATOR_PASSWORD),
        ],
    )
    .await;
    let setup = follow(app, &b, &answer).await;
    let secret = secret_on(&setup);
    let csrf = setup.csrf();
    let code = totp_now(app, &secret);
    let answer = post(
        app,
        &b,
        &setup.action(),
        &[("_csrf", &csrf), ("code", &code), ("device_name", "laptop")],
    )
    .await;
    assert_eq!(answer.status, 302, "{}", answer.body);
    assert!(
        answer
            .location()
            .starts_with(&format!("{}/admin/callback?", app.address)),
        "{}",
        answer.location()
    );
    let home = follow(app, &b, &answer).await;
    assert_eq!(home.status, 303, "{}", home.body);
    assert_eq!(home.location(), "/admin/");
    let pools = follow(app, &b, &home).await;
    assert_eq!(pools.status, 200, "{}", pools.body);
    assert!(pools.body.contains("tessera-operators"), "{}", pools.body);
    (b, secret)
}

/// Creates a pool from the console; its id.
async fn console_pool(app: &TestApp, b: &reqwest::Client, name: &str) -> String {
    let home = get(app, b, "/admin/").await;
    let created = act(
        app,
        b,
        &home,
        "/admin/pools",
        &[("name", name), ("sign_in", "username")],
    )
    .await;
    assert_eq!(created.status, 303, "{}", created.body);
    created
        .location()
        .strip_prefix("/admin/pools/")
        .expect("to the new pool")
        .to_string()
}

async fn audit_of(app: &TestApp) -> Vec<AuditEvent> {
    app.services.audit.flush().await;
    app.services
        .store
        .audit_events_since(0, 0, 10_000)
        .await
        .unwrap()
}

async fn an_operator_signs_in_with_totp_and_runs_a_user(db: Backend) {
    let app = spawn_app(db).await;
    let (b, _) = operator(&app).await;
    let pool = console_pool(&app, &b, "shop").await;
    let (client, _) = client_with(&app, &pool, &["ALLOW_USER_PASSWORD_AUTH"], false, false).await;

    // A user invited from the console gets the invitation by email.
    let users = get(&app, &b, &format!("/admin/pools/{pool}/users")).await;
    assert_eq!(users.status, 200, "{}", users.body);
    let created = act(
        &app,
        &b,
        &users,
        &format!("/admin/pools/{pool}/users"),
        &[
            ("username", "jane"),
            ("email", "jane@example.com"),
            ("verified", "on"),
            ("invite", "on"),
        ],
    )
    .await;
    assert_eq!(
        created.location(),
        format!("/admin/pools/{pool}/users/jane")
    );
    assert_eq!(app.smtp.to("jane@example.com").len(), 1, "the invitation");
    set_permanent(&app, &pool, "jane", PASSWORD).await;

    // Found by email (a prefix of it, or a ListUsers filter).
    for q in ["jane@ex", "email = \"jane@example.com\""] {
        let found = get(
            &app,
            &b,
            &format!("/admin/pools/{pool}/users?q={}", urlencode(q)),
        )
        .await;
        assert!(
            found
                .body
                .contains(&format!("/admin/pools/{pool}/users/jane")),
            "{q}: {}",
            found.body
        );
    }
    let none = get(&app, &b, &format!("/admin/pools/{pool}/users?q=nobody%40x")).await;
    assert!(none.body.contains("No users found."), "{}", none.body);

    // Disabled: the next sign-in fails; enabled again: it works.
    let detail = get(&app, &b, &format!("/admin/pools/{pool}/users/jane")).await;
    assert!(detail.body.contains("jane@example.com"), "{}", detail.body);
    let disabled = act(
        &app,
        &b,
        &detail,
        &format!("/admin/pools/{pool}/users/jane/disable"),
        &[],
    )
    .await;
    assert_eq!(disabled.status, 303);
    let refused = password_auth(&app, &client, "jane", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(error_code(&refused), "NotAuthorizedException");
    let page = follow(&app, &b, &disabled).await;
    assert!(page.body.contains("User disabled"), "{}", page.body);
    act(
        &app,
        &b,
        &page,
        &format!("/admin/pools/{pool}/users/jane/enable"),
        &[],
    )
    .await;
    password_auth(&app, &client, "jane", PASSWORD)
        .await
        .unwrap();

    // Reset password: a code by email; the user must choose a new password.
    act(
        &app,
        &b,
        &page,
        &format!("/admin/pools/{pool}/users/jane/reset-password"),
        &[],
    )
    .await;
    assert_eq!(app.smtp.to("jane@example.com").len(), 2, "the reset code");
    let reset = password_auth(&app, &client, "jane", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(error_code(&reset), "PasswordResetRequiredException");

    // Sign out everywhere, attributes, groups; delete only after the confirmation page.
    let page = get(&app, &b, &format!("/admin/pools/{pool}/users/jane")).await;
    let out = act(
        &app,
        &b,
        &page,
        &format!("/admin/pools/{pool}/users/jane/sign-out"),
        &[],
    )
    .await;
    assert_eq!(out.status, 303);
    act(
        &app,
        &b,
        &page,
        &format!("/admin/pools/{pool}/users/jane/attributes"),
        &[("attributes", "given_name=<script>alert(1)</script>")],
    )
    .await;
    let page = get(&app, &b, &format!("/admin/pools/{pool}/users/jane")).await;
    assert!(!page.body.contains("<script>alert(1)"), "markup is escaped");
    assert!(
        page.body.contains("&#60;script&#62;alert(1)"),
        "{}",
        page.body
    );
    let ask = act(
        &app,
        &b,
        &page,
        &format!("/admin/pools/{pool}/users/jane/delete"),
        &[],
    )
    .await;
    assert_eq!(
        ask.location(),
        format!("/admin/pools/{pool}/users/jane/delete")
    );
    let confirm = follow(&app, &b, &ask).await;
    assert!(
        confirm.body.contains("cannot be undone"),
        "{}",
        confirm.body
    );
    let deleted = act(
        &app,
        &b,
        &confirm,
        &format!("/admin/pools/{pool}/users/jane/delete"),
        &[("confirm", "yes")],
    )
    .await;
    assert_eq!(deleted.location(), format!("/admin/pools/{pool}/users"));
    let gone = app
        .cognito
        .admin_get_user()
        .user_pool_id(&pool)
        .username("jane")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&gone), "UserNotFoundException");

    // Every action is in the audit trail once, with the operator as its actor.
    let records = audit_of(&app).await;
    for action in [
        "CreateUserPool",
        "AdminCreateUser",
        "AdminDisableUser",
        "AdminEnableUser",
        "AdminResetUserPassword",
        "AdminUserGlobalSignOut",
        "AdminUpdateUserAttributes",
        "AdminDeleteUser",
    ] {
        let found: Vec<_> = records.iter().filter(|r| r.event == action).collect();
        assert_eq!(found.len(), 1, "{action}: {found:?}");
        assert_eq!(
            found[0].actor.as_deref(),
            Some("operator:admin"),
            "{action}"
        );
        assert_eq!(found[0].outcome, "success", "{action}");
        assert!(found[0].request_id.is_some(), "{action}");
    }
    // The operator's own sign-in is a security event of the operators' pool; no password.
    assert!(
        records
            .iter()
            .any(|r| r.event == "SignIn" && r.target.as_deref() == Some("admin"))
    );
    let all = format!("{records:?}");
    assert!(!all.contains(OPERATOR_PASSWORD) && !all.contains(PASSWORD));
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn a_client_secret_is_shown_once(db: Backend) {
    let app = spawn_app(db).await;
    let (b, _) = operator(&app).await;
    let pool = console_pool(&app, &b, "apps").await;
    let clients = get(&app, &b, &format!("/admin/pools/{pool}/clients")).await;
    let created = act(
        &app,
        &b,
        &clients,
        &format!("/admin/pools/{pool}/clients"),
        &[
            ("name", "backend"),
            ("generate_secret", "on"),
            (
                "callback_urls",
                "https://app.example.com/cb\nhttps://app.example.com/cb2",
            ),
            ("oauth.code", "on"),
            ("scopes", "openid email"),
            ("auth.ALLOW_REFRESH_TOKEN_AUTH", "on"),
            ("idp.COGNITO", "on"),
        ],
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let listed = app
        .cognito
        .list_user_pool_clients()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    let id = listed.user_pool_clients()[0]
        .client_id()
        .unwrap()
        .to_string();
    let described = app
        .cognito
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let secret = described.client_secret().unwrap();
    assert!(created.body.contains(secret), "the secret, this once");
    assert_eq!(described.callback_urls().len(), 2);
    assert_eq!(described.allowed_o_auth_scopes().len(), 2);

    // Shown once: never on the client's page again.
    let detail = get(&app, &b, &format!("/admin/pools/{pool}/clients/{id}")).await;
    assert_eq!(detail.status, 200);
    assert!(!detail.body.contains(secret));

    // Saving the form changes its members and keeps the rest (the secret, token lifetimes).
    let saved = act(
        &app,
        &b,
        &detail,
        &format!("/admin/pools/{pool}/clients/{id}"),
        &[
            ("name", "backend"),
            ("callback_urls", "https://app.example.com/only"),
            ("oauth.code", "on"),
            ("scopes", "openid"),
            ("idp.COGNITO", "on"),
        ],
    )
    .await;
    assert_eq!(saved.status, 303);
    let after = app
        .cognito
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(after.callback_urls(), ["https://app.example.com/only"]);
    assert_eq!(after.client_secret(), Some(secret));
    assert_eq!(
        after.refresh_token_validity(),
        described.refresh_token_validity()
    );

    // A bad URL is the service's error as a notice, nothing saved.
    let bad = act(
        &app,
        &b,
        &detail,
        &format!("/admin/pools/{pool}/clients/{id}"),
        &[
            ("name", "backend"),
            ("callback_urls", "http://evil.example.com/cb"),
            ("oauth.code", "on"),
            ("scopes", "openid"),
            ("idp.COGNITO", "on"),
        ],
    )
    .await;
    let page = follow(&app, &b, &bad).await;
    assert!(page.body.contains("message error"), "{}", page.body);
}

async fn branding_is_saved_and_previewed(db: Backend) {
    let app = spawn_app(db).await;
    let (b, _) = operator(&app).await;
    let pool = console_pool(&app, &b, "branded").await;
    let page = get(&app, &b, &format!("/admin/pools/{pool}/branding")).await;
    assert!(
        page.header("content-security-policy")
            .contains("frame-src 'self'")
    );
    let css = ".banner-customizable { background-color: #0b3d91; }";
    let saved = act(
        &app,
        &b,
        &page,
        &format!("/admin/pools/{pool}/branding"),
        &[("css", css)],
    )
    .await;
    assert_eq!(saved.status, 303);
    let preview = get(&app, &b, &format!("/admin/pools/{pool}/branding/preview")).await;
    assert_eq!(preview.status, 200);
    assert_eq!(preview.header("x-frame-options"), "SAMEORIGIN");
    let start = preview
        .body
        .find(&format!("/{pool}/ui/custom.css"))
        .expect("the pool's CSS");
    let end = start + preview.body[start..].find('"').unwrap();
    let href = crate::ui_helpers::unescape(&preview.body[start..end]);
    let served = get(&app, &b, &href).await;
    assert!(served.body.contains("#0b3d91"), "{}", served.body);
    // CSS the service refuses is a notice, and the saved CSS stays.
    let page = get(&app, &b, &format!("/admin/pools/{pool}/branding")).await;
    let refused = act(
        &app,
        &b,
        &page,
        &format!("/admin/pools/{pool}/branding"),
        &[("css", ".x { background: url(https://evil.example/a.png); }")],
    )
    .await;
    let page = follow(&app, &b, &refused).await;
    assert!(page.body.contains("message error"), "{}", page.body);
    assert!(page.body.contains("#0b3d91"));
}

async fn settings_are_saved_without_losing_the_rest(db: Backend) {
    let app = spawn_app(db).await;
    let (b, _) = operator(&app).await;
    let pool = console_pool(&app, &b, "tuned").await;
    let before = app.describe_pool(&pool).await;
    let page = get(&app, &b, &format!("/admin/pools/{pool}")).await;
    let saved = act(
        &app,
        &b,
        &page,
        &format!("/admin/pools/{pool}"),
        &[
            ("name", "tuned"),
            ("minimum_length", "14"),
            ("temporary_password_validity_days", "3"),
            ("require_numbers", "on"),
            ("mfa", "OPTIONAL"),
            ("totp", "on"),
            (
                "PreSignUp",
                "arn:aws:lambda:us-east-1:123456789012:function:pre",
            ),
            ("verify_subject", "Your Shop code"),
            ("verify_email", "Code: {####}"),
        ],
    )
    .await;
    let page = follow(&app, &b, &saved).await;
    assert!(page.body.contains("Settings saved."), "{}", page.body);
    let after = app.describe_pool(&pool).await;
    let policy = after.policies().unwrap().password_policy().unwrap();
    assert_eq!(policy.minimum_length(), Some(14));
    assert!(policy.require_numbers());
    assert!(!policy.require_symbols());
    assert_eq!(after.mfa_configuration().unwrap().as_str(), "OPTIONAL");
    assert_eq!(
        after.lambda_config().unwrap().pre_sign_up(),
        Some("arn:aws:lambda:us-east-1:123456789012:function:pre")
    );
    assert_eq!(
        after
            .verification_message_template()
            .unwrap()
            .email_subject(),
        Some("Your Shop code")
    );
    assert_eq!(
        after.schema_attributes().len(),
        before.schema_attributes().len()
    );
    assert_eq!(
        after.auto_verified_attributes(),
        before.auto_verified_attributes()
    );
    // A rule of the service (a message without its placeholder) is a notice; nothing changes.
    let page = get(&app, &b, &format!("/admin/pools/{pool}")).await;
    let refused = act(
        &app,
        &b,
        &page,
        &format!("/admin/pools/{pool}"),
        &[
            ("name", "tuned"),
            ("minimum_length", "8"),
            ("temporary_password_validity_days", "3"),
            ("mfa", "OFF"),
            ("verify_email", "no code"),
        ],
    )
    .await;
    let page = follow(&app, &b, &refused).await;
    assert!(page.body.contains("message error"), "{}", page.body);
    let unchanged = app.describe_pool(&pool).await;
    assert_eq!(
        unchanged
            .policies()
            .unwrap()
            .password_policy()
            .unwrap()
            .minimum_length(),
        Some(14)
    );
}

async fn the_console_refuses_strangers_and_forgeries(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("target").await;
    crate::user_helpers::create_user(&app, &pool, "bob", &[]).await;
    // No cookie: every page and action goes to the sign-in; nothing happens.
    let stranger = browser();
    for path in ["/admin/", &format!("/admin/pools/{pool}/users/bob")] {
        let page = get(&app, &stranger, path).await;
        assert_eq!(page.status, 303, "{path}");
        assert_eq!(page.location(), "/admin/signin");
    }
    let page = post(
        &app,
        &stranger,
        &format!("/admin/pools/{pool}/users/bob/disable"),
        &[],
    )
    .await;
    assert_eq!(page.status, 303);
    // A callback with a state this browser was not given is refused.
    let page = get(&app, &stranger, "/admin/callback?code=abc&state=xyz").await;
    assert_eq!(page.status, 400, "{}", page.body);
    // Signed in, a form without this browser's CSRF token is refused before anything is done.
    let (b, _) = operator(&app).await;
    let forged = post(
        &app,
        &b,
        &format!("/admin/pools/{pool}/users/bob/disable"),
        &[("_csrf", "forged")],
    )
    .await;
    assert_eq!(forged.status, 403);
    let bob = app
        .cognito
        .admin_get_user()
        .user_pool_id(&pool)
        .username("bob")
        .send()
        .await
        .unwrap();
    assert!(bob.enabled());
    // The operators' pool cannot be deleted from the console.
    let home = get(&app, &b, "/admin/").await;
    let ops = app.services.store.list_pools(None, 10).await.unwrap();
    let ops = ops.iter().find(|p| p.name == "tessera-operators").unwrap();
    let refused = act(
        &app,
        &b,
        &home,
        &format!("/admin/pools/{}/delete", ops.id),
        &[("confirm", "tessera-operators")],
    )
    .await;
    let page = follow(&app, &b, &refused).await;
    assert!(page.body.contains("cannot be deleted"), "{}", page.body);
    // Nor its own client, changed or deleted.
    let console = console_client(&app, &ops.id).await;
    for path in [
        format!("/admin/pools/{}/clients/{console}", ops.id),
        format!("/admin/pools/{}/clients/{console}/delete", ops.id),
    ] {
        let fields = [
            ("name", "hijacked"),
            ("callback_urls", "https://evil.example.com/cb"),
        ];
        let refused = act(&app, &b, &home, &path, &fields).await;
        let page = follow(&app, &b, &refused).await;
        assert!(page.body.contains("managed by Tessera"), "{}", page.body);
    }
    assert_eq!(console_client(&app, &ops.id).await, console);
    // A path segment that cannot be a header goes home, not to a 500.
    let odd = "/admin/pools/x%0d%0aSet-Cookie:%20a=b/users/bob/disable";
    let odd = act(&app, &b, &home, odd, &[]).await;
    assert_eq!(odd.status, 303, "{}", odd.body);
    assert_eq!(odd.location(), "/admin/");
    // Pages carry the hosted pages' security headers.
    assert!(
        page.header("content-security-policy")
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(page.header("cache-control"), "no-store");
}

/// The id of the console's client, still named as Tessera made it.
async fn console_client(app: &TestApp, ops: &str) -> String {
    let (clients, _) =
        tessera::services::admin::clients::list_clients(&app.services, ops, 10, None)
            .await
            .unwrap();
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0].name, "tessera-console");
    clients[0].id.clone()
}

async fn a_disabled_operator_loses_the_console(db: Backend) {
    let app = spawn_app(db).await;
    let (b, _) = operator(&app).await;
    let ops = app.services.store.list_pools(None, 10).await.unwrap();
    let ops = ops
        .iter()
        .find(|p| p.name == "tessera-operators")
        .unwrap()
        .id
        .clone();
    app.cognito
        .admin_disable_user()
        .user_pool_id(&ops)
        .username("admin")
        .send()
        .await
        .unwrap();
    let page = get(&app, &b, "/admin/").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location(), "/admin/signin");
}
