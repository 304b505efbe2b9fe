//! The hosted MFA pages with a software token: set up on `/mfaSetup` at the first sign-in of
//! a pool requiring MFA (QR code and key on the page, the code from an independent TOTP
//! generator), then asked for on `/mfa` at every sign-in; a code's time step is not accepted
//! twice; a wrong code shows the page again and the same challenge can be retried; an expired
//! challenge goes back to the sign-in page; every form needs its CSRF token.

use crate::helpers::{Backend, spawn_app};
use crate::mfa_helpers::{step_now, totp_at_step, totp_now};
use crate::tokens_helpers::advance;
use crate::ui_helpers::*;
use crate::ui_mfa_helpers::*;

crate::both_databases!(
    software_token_set_up_then_asked_at_sign_in,
    wrong_codes_are_shown_and_retried,
    mfa_forms_need_csrf_and_a_challenge,
);

const TOTP_ONLY: Factors = Factors {
    totp: true,
    sms: false,
    email: false,
};

async fn software_token_set_up_then_asked_at_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = mfa_pool(&app, TOTP_ONLY).await;
    user(&app, &h.pool_id, "alice").await;
    let query = authorize_query(&h.client_id, &[]);

    // First sign-in: the set-up page, with a QR code drawn inline and the key to type.
    let browser = crate::ui_helpers::browser();
    let signed = sign_in(&app, &browser, &h.pool_id, &query, "alice", PASSWORD).await;
    assert_goes_to(&signed, &h.pool_id, "/mfaSetup");
    let setup = follow(&app, &browser, &signed).await;
    assert_eq!(setup.status, 200, "{}", setup.body);
    assert!(setup.body.contains("<svg class=\"qr\""), "{}", setup.body);
    assert!(!setup.body.contains("data:"), "{}", setup.body);
    assert!(setup.body.contains("otpauth://totp/hosted:alice?secret="));
    assert!(setup.body.contains("autocomplete=\"one-time-code\""));
    assert!(setup.body.contains("inputmode=\"numeric\""));
    let secret = secret_on(&setup);
    assert_eq!(secret.len(), 32, "{secret}");
    // Reloading the page shows the same key (one secret per challenge).
    let again = get(&app, &browser, &signed.location()).await;
    assert_eq!(secret_on(&again), secret);
    let code = totp_now(&app, &secret);
    let done = submit(
        &app,
        &browser,
        &again,
        &[("code", &code), ("device_name", "Phone")],
    )
    .await;
    let auth_code = assert_code(&done);
    tokens_for(&app, &h, &auth_code).await;
    // The token is the user's: the API says so.
    let listed = app
        .cognito
        .admin_get_user()
        .user_pool_id(&h.pool_id)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.user_mfa_setting_list(), ["SOFTWARE_TOKEN_MFA"]);

    // Second sign-in, another browser: the code page, answered with a later step's code.
    advance(&app, 30);
    let browser = crate::ui_helpers::browser();
    let signed = sign_in(&app, &browser, &h.pool_id, &query, "alice", PASSWORD).await;
    assert_goes_to(&signed, &h.pool_id, "/mfa");
    let page = follow(&app, &browser, &signed).await;
    assert!(
        page.body
            .contains("Enter the code from your authenticator app"),
        "{}",
        page.body
    );
    let later = totp_at_step(&secret, step_now(&app));
    assert_ne!(later, code);
    let done = submit(&app, &browser, &page, &[("code", &later)]).await;
    let auth_code = assert_code(&done);
    tokens_for(&app, &h, &auth_code).await;

    // The same code again is refused.
    let browser = crate::ui_helpers::browser();
    let signed = sign_in(&app, &browser, &h.pool_id, &query, "alice", PASSWORD).await;
    let page = follow(&app, &browser, &signed).await;
    let refused = submit(&app, &browser, &page, &[("code", &later)]).await;
    assert_eq!(refused.status, 200, "{}", refused.body);
    assert!(
        refused.body.contains("That code is not right"),
        "{}",
        refused.body
    );
}

async fn wrong_codes_are_shown_and_retried(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = mfa_pool(&app, TOTP_ONLY).await;
    user(&app, &h.pool_id, "bob").await;
    let query = authorize_query(&h.client_id, &[]);

    // A wrong code while setting up: the same key again, the error next to the field.
    let browser = crate::ui_helpers::browser();
    let signed = sign_in(&app, &browser, &h.pool_id, &query, "bob", PASSWORD).await;
    let setup = follow(&app, &browser, &signed).await;
    let secret = secret_on(&setup);
    let wrong = crate::account_helpers::wrong(&totp_now(&app, &secret));
    let refused = submit(&app, &browser, &setup, &[("code", &wrong)]).await;
    assert_eq!(refused.status, 200, "{}", refused.body);
    assert_eq!(secret_on(&refused), secret);
    assert!(
        refused.body.contains("aria-invalid=\"true\""),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("id=\"code-error\""),
        "{}",
        refused.body
    );
    let done = submit(
        &app,
        &browser,
        &refused,
        &[("code", &totp_now(&app, &secret))],
    )
    .await;
    assert_code(&done);
    advance(&app, 30);

    // A wrong code at sign-in: the page again; the right one then signs in.
    let browser = crate::ui_helpers::browser();
    let signed = sign_in(&app, &browser, &h.pool_id, &query, "bob", PASSWORD).await;
    let page = follow(&app, &browser, &signed).await;
    let wrong = crate::account_helpers::wrong(&totp_now(&app, &secret));
    let refused = submit(&app, &browser, &page, &[("code", &wrong)]).await;
    assert_eq!(refused.status, 200, "{}", refused.body);
    assert!(
        refused.body.contains("That code is not right"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("aria-invalid=\"true\""));
    let empty = submit(&app, &browser, &refused, &[("code", "")]).await;
    assert!(empty.body.contains("Enter the code."), "{}", empty.body);
    let done = submit(
        &app,
        &browser,
        &empty,
        &[("code", &totp_now(&app, &secret))],
    )
    .await;
    let auth_code = assert_code(&done);
    tokens_for(&app, &h, &auth_code).await;
    advance(&app, 30);

    // A challenge left past its session's life goes back to sign-in with a notice.
    let browser = crate::ui_helpers::browser();
    let signed = sign_in(&app, &browser, &h.pool_id, &query, "bob", PASSWORD).await;
    let page = follow(&app, &browser, &signed).await;
    advance(&app, 4 * 60);
    let expired = submit(&app, &browser, &page, &[("code", &totp_now(&app, &secret))]).await;
    assert_goes_to(&expired, &h.pool_id, "/login");
    let login = follow(&app, &browser, &expired).await;
    assert!(
        login.body.contains("Your sign-in expired. Sign in again."),
        "{}",
        login.body
    );
    // The challenge is gone from the cookie: the code page now sends to sign-in.
    let gone = get(&app, &browser, &signed.location()).await;
    assert_goes_to(&gone, &h.pool_id, "/login");
}

async fn mfa_forms_need_csrf_and_a_challenge(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = mfa_pool(&app, TOTP_ONLY).await;
    user(&app, &h.pool_id, "carol").await;
    let query = authorize_query(&h.client_id, &[]);
    let browser = crate::ui_helpers::browser();
    // No challenge in the cookie: every MFA page sends to sign-in.
    for path in ["/mfa", "/mfaOption", "/mfaSetup"] {
        let page = get(&app, &browser, &format!("/{}{path}?{query}", h.pool_id)).await;
        assert_goes_to(&page, &h.pool_id, "/login");
    }
    let signed = sign_in(&app, &browser, &h.pool_id, &query, "carol", PASSWORD).await;
    let setup = follow(&app, &browser, &signed).await;
    let secret = secret_on(&setup);
    let code = totp_now(&app, &secret);
    // Without the CSRF token (or with a wrong one) nothing happens: 403.
    for path in ["/mfa", "/mfaOption", "/mfaSetup"] {
        let url = format!("/{}{path}?{query}", h.pool_id);
        let forged = post(&app, &browser, &url, &[("code", &code)]).await;
        assert_eq!(forged.status, 403, "{path}: {}", forged.body);
        let forged = post(&app, &browser, &url, &[("_csrf", "nope"), ("code", &code)]).await;
        assert_eq!(forged.status, 403, "{path}: {}", forged.body);
    }
    // Another MFA page than the challenge's sends to the right one.
    let wrong_page = get(&app, &browser, &format!("/{}/mfa?{query}", h.pool_id)).await;
    assert_goes_to(&wrong_page, &h.pool_id, "/mfaSetup");
    // The challenge is intact.
    let done = submit(&app, &browser, &setup, &[("code", &code)]).await;
    assert_code(&done);
}
