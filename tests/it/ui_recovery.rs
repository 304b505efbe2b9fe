//! Passwords on the hosted pages (reference §1.3, §5.6): forgot password → code → new
//! password → sign in; a FORCE_CHANGE_PASSWORD user choosing a password on `/resetPassword`.

use crate::helpers::{Backend, spawn_app};
use crate::ui_helpers::*;
use aws_sdk_cognitoidentityprovider::types::MessageActionType;

const NEW_PASSWORD: &str = "Brand-New-Horse-7";

async fn forgot_password_then_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = hosted(&app).await;
    user(&app, &h.pool_id, "alice").await;
    let browser = browser();
    let query = authorize_query(&h.client_id, &[]);
    let forgot = get(
        &app,
        &browser,
        &format!("/{}/forgotPassword?{query}", h.pool_id),
    )
    .await;
    assert_eq!(forgot.status, 200);
    let sent = submit(&app, &browser, &forgot, &[("username", "alice")]).await;
    assert_eq!(sent.status, 302, "{}", sent.body);
    assert_eq!(
        sent.location(),
        format!(
            "/{}/confirmForgotPassword?{query}&username=alice",
            h.pool_id
        )
    );
    let reset = get(&app, &browser, &sent.location()).await;
    assert_eq!(reset.status, 200);
    assert!(
        reset
            .body
            .contains("We have sent a password reset code by email to a***@e***"),
        "{}",
        reset.body
    );
    for needle in [
        "name=\"code\"",
        "name=\"password\"",
        "name=\"password_repeat\"",
    ] {
        assert!(reset.body.contains(needle), "{needle}");
    }
    let code = mailed_code(&app, "alice@example.com");
    let mismatch = submit(
        &app,
        &browser,
        &reset,
        &[
            ("code", &code),
            ("password", NEW_PASSWORD),
            ("password_repeat", "Other-Horse-7"),
        ],
    )
    .await;
    assert_eq!(mismatch.status, 200);
    assert!(
        mismatch.body.contains("id=\"password_repeat-error\""),
        "{}",
        mismatch.body
    );
    let changed = submit(
        &app,
        &browser,
        &mismatch,
        &[
            ("code", &code),
            ("password", NEW_PASSWORD),
            ("password_repeat", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(changed.status, 302, "{}", changed.body);
    assert_eq!(changed.location(), format!("/{}/login?{query}", h.pool_id));
    let login = get(&app, &browser, &changed.location()).await;
    assert!(login.body.contains("Password changed."), "{}", login.body);
    let old = submit(
        &app,
        &browser,
        &login,
        &[("username", "alice"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(old.status, 200, "the old password is gone");
    assert_code(
        &submit(
            &app,
            &browser,
            &old,
            &[("username", "alice"), ("password", NEW_PASSWORD)],
        )
        .await,
    );
}

async fn the_lowercase_alias_answers_too(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = hosted(&app).await;
    let browser = browser();
    let query = authorize_query(&h.client_id, &[]);
    let page = get(
        &app,
        &browser,
        &format!(
            "/{}/confirmforgotPassword?{query}&username=alice",
            h.pool_id
        ),
    )
    .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("name=\"password_repeat\""));
}

async fn a_new_user_chooses_a_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = hosted(&app).await;
    app.cognito
        .admin_create_user()
        .user_pool_id(&h.pool_id)
        .username("gus")
        .temporary_password("Temp-Horse-1")
        .message_action(MessageActionType::Suppress)
        .user_attributes(crate::user_helpers::attr("email", "gus@example.com"))
        .send()
        .await
        .unwrap();
    let browser = browser();
    let query = authorize_query(&h.client_id, &[]);
    let challenged = sign_in(&app, &browser, &h.pool_id, &query, "gus", "Temp-Horse-1").await;
    assert_eq!(challenged.status, 302, "{}", challenged.body);
    assert_eq!(
        challenged.location(),
        format!("/{}/resetPassword?{query}", h.pool_id)
    );
    let page = get(&app, &browser, &challenged.location()).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("name=\"password_repeat\""));
    // The challenge session stays in the cookie, never in the page.
    assert!(!page.body.contains("session"), "{}", page.body);
    let weak = submit(
        &app,
        &browser,
        &page,
        &[("password", "weak"), ("password_repeat", "weak")],
    )
    .await;
    assert_eq!(weak.status, 200);
    assert!(weak.body.contains("id=\"password-error\""), "{}", weak.body);
    let done = submit(
        &app,
        &browser,
        &weak,
        &[
            ("password", NEW_PASSWORD),
            ("password_repeat", NEW_PASSWORD),
        ],
    )
    .await;
    assert_code(&done);
    let (status, _) = crate::user_helpers::status_of(&app, &h.pool_id, "gus").await;
    assert_eq!(status.as_str(), "CONFIRMED");
    // Without a challenge, the page sends the browser to sign in.
    let none = get(
        &app,
        &crate::ui_helpers::browser(),
        &format!("/{}/resetPassword?{query}", h.pool_id),
    )
    .await;
    assert_eq!(none.status, 302);
}

crate::both_databases!(
    forgot_password_then_sign_in,
    the_lowercase_alias_answers_too,
    a_new_user_chooses_a_password,
);
