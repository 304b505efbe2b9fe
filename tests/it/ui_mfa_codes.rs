//! The hosted MFA pages with codes we send: SMS_MFA through the SMS webhook and EMAIL_OTP
//! through SMTP on `/mfa` (three wrong codes end the challenge), email MFA set up on
//! `/mfaSetup` by giving an address, and the choice between two factors on `/mfaOption`.

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::sign_in_helpers::set_permanent;
use crate::ui_helpers::*;
use crate::ui_mfa_helpers::*;
use crate::user_helpers::create_user;
use aws_sdk_cognitoidentityprovider::types::{
    EmailMfaSettingsType, SmsMfaSettingsType, UserPoolMfaType,
};

crate::both_databases!(
    sms_code_page_and_its_three_tries,
    email_code_page,
    email_set_up_at_sign_in,
    a_factor_is_chosen_then_its_code_asked,
);

const PHONE: &str = "+15555551234";

/// A user with a password and these attributes.
async fn user_with(app: &TestApp, h: &Hosted, username: &str, attributes: &[(&str, &str)]) {
    create_user(app, &h.pool_id, username, attributes).await;
    set_permanent(app, &h.pool_id, username, PASSWORD).await;
}

async fn sms_code_page_and_its_three_tries(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = mfa_pool(
        &app,
        Factors {
            sms: true,
            ..Factors::default()
        },
    )
    .await;
    let phone = [("phone_number", PHONE), ("phone_number_verified", "true")];
    user_with(&app, &h, "dan", &phone).await;
    let query = authorize_query(&h.client_id, &[]);

    let browser = crate::ui_helpers::browser();
    let signed = sign_in(&app, &browser, &h.pool_id, &query, "dan", PASSWORD).await;
    assert_goes_to(&signed, &h.pool_id, "/mfa");
    let mut page = follow(&app, &browser, &signed).await;
    assert!(
        page.body.contains("We sent a code by SMS to +*******1234"),
        "{}",
        page.body
    );
    let code = texted_sign_in_code(&app, PHONE);
    let wrong = crate::account_helpers::wrong(&code);
    // Two wrong codes: the page again each time; the third ends the challenge.
    for _ in 0..2 {
        page = submit(&app, &browser, &page, &[("code", &wrong)]).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(
            page.body.contains("That code is not right"),
            "{}",
            page.body
        );
    }
    let ended = submit(&app, &browser, &page, &[("code", &wrong)]).await;
    assert_goes_to(&ended, &h.pool_id, "/login");
    let login = follow(&app, &browser, &ended).await;
    assert!(
        login.body.contains("Too many wrong codes"),
        "{}",
        login.body
    );

    // Signing in again sends a new code, which signs in.
    let signed = sign_in(&app, &browser, &h.pool_id, &query, "dan", PASSWORD).await;
    let page = follow(&app, &browser, &signed).await;
    let code = texted_sign_in_code(&app, PHONE);
    let done = submit(&app, &browser, &page, &[("code", &code)]).await;
    let auth_code = assert_code(&done);
    tokens_for(&app, &h, &auth_code).await;
}

async fn email_code_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = mfa_pool(
        &app,
        Factors {
            email: true,
            ..Factors::default()
        },
    )
    .await;
    user(&app, &h.pool_id, "erin").await;
    let query = authorize_query(&h.client_id, &[]);
    let browser = crate::ui_helpers::browser();
    let signed = sign_in(&app, &browser, &h.pool_id, &query, "erin", PASSWORD).await;
    assert_goes_to(&signed, &h.pool_id, "/mfa");
    let page = follow(&app, &browser, &signed).await;
    assert!(
        page.body.contains("We sent a code by email to e***@e***"),
        "{}",
        page.body
    );
    let code = mailed_sign_in_code(&app, "erin@example.com");
    let done = submit(&app, &browser, &page, &[("code", &code)]).await;
    let auth_code = assert_code(&done);
    tokens_for(&app, &h, &auth_code).await;
}

async fn email_set_up_at_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = mfa_pool(
        &app,
        Factors {
            email: true,
            ..Factors::default()
        },
    )
    .await;
    // No verified address to send a code to: MFA_SETUP, which only email can answer.
    user_with(&app, &h, "fay", &[]).await;
    let query = authorize_query(&h.client_id, &[]);
    let browser = crate::ui_helpers::browser();
    let signed = sign_in(&app, &browser, &h.pool_id, &query, "fay", PASSWORD).await;
    assert_goes_to(&signed, &h.pool_id, "/mfaSetup");
    let setup = follow(&app, &browser, &signed).await;
    assert!(setup.body.contains("name=\"email\""), "{}", setup.body);
    assert!(!setup.body.contains("totpSecret"), "{}", setup.body);
    let refused = submit(&app, &browser, &setup, &[("email", "not-an-address")]).await;
    assert_eq!(refused.status, 200, "{}", refused.body);
    assert!(
        refused.body.contains("id=\"email-error\""),
        "{}",
        refused.body
    );
    let sent = submit(&app, &browser, &refused, &[("email", "fay@example.com")]).await;
    assert_goes_to(&sent, &h.pool_id, "/mfa");
    let page = follow(&app, &browser, &sent).await;
    assert!(page.body.contains("by email to f***@e***"), "{}", page.body);
    let code = mailed_sign_in_code(&app, "fay@example.com");
    let done = submit(&app, &browser, &page, &[("code", &code)]).await;
    let auth_code = assert_code(&done);
    tokens_for(&app, &h, &auth_code).await;
    let attributes = crate::user_helpers::attrs_of(&app, &h.pool_id, "fay").await;
    assert!(attributes.contains(&("email".into(), "fay@example.com".into())));
    assert!(attributes.contains(&("email_verified".into(), "true".into())));
}

async fn a_factor_is_chosen_then_its_code_asked(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = hosted(&app).await;
    let both = Factors {
        sms: true,
        email: true,
        ..Factors::default()
    };
    set_mfa(&app, &h.pool_id, UserPoolMfaType::Optional, both).await;
    let attributes = [
        ("email", "gil@example.com"),
        ("email_verified", "true"),
        ("phone_number", PHONE),
        ("phone_number_verified", "true"),
    ];
    user_with(&app, &h, "gil", &attributes).await;
    // Both factors enabled, neither preferred.
    app.cognito
        .admin_set_user_mfa_preference()
        .user_pool_id(&h.pool_id)
        .username("gil")
        .sms_mfa_settings(SmsMfaSettingsType::builder().enabled(true).build())
        .email_mfa_settings(EmailMfaSettingsType::builder().enabled(true).build())
        .send()
        .await
        .unwrap();
    let query = authorize_query(&h.client_id, &[]);

    let browser = crate::ui_helpers::browser();
    let signed = sign_in(&app, &browser, &h.pool_id, &query, "gil", PASSWORD).await;
    assert_goes_to(&signed, &h.pool_id, "/mfaOption");
    let options = follow(&app, &browser, &signed).await;
    assert_eq!(options.status, 200, "{}", options.body);
    assert_eq!(options.body.matches("type=\"radio\"").count(), 2);
    assert!(
        options.body.contains("Text message (SMS)"),
        "{}",
        options.body
    );
    assert!(options.body.contains(">Email</label>"), "{}", options.body);
    assert!(!options.body.contains("Authenticator app"));
    // A factor not offered is refused on the page.
    let refused = submit(
        &app,
        &browser,
        &options,
        &[("mfa_option", "SOFTWARE_TOKEN_MFA")],
    )
    .await;
    assert_eq!(refused.status, 200, "{}", refused.body);
    assert!(
        refused.body.contains("Choose one of the ways"),
        "{}",
        refused.body
    );
    let chosen = submit(&app, &browser, &refused, &[("mfa_option", "EMAIL_OTP")]).await;
    assert_goes_to(&chosen, &h.pool_id, "/mfa");
    let page = follow(&app, &browser, &chosen).await;
    assert!(page.body.contains("by email to g***@e***"), "{}", page.body);
    let code = mailed_sign_in_code(&app, "gil@example.com");
    let done = submit(&app, &browser, &page, &[("code", &code)]).await;
    tokens_for(&app, &h, &assert_code(&done)).await;

    // Another sign-in chooses SMS.
    let browser = crate::ui_helpers::browser();
    let signed = sign_in(&app, &browser, &h.pool_id, &query, "gil", PASSWORD).await;
    let options = follow(&app, &browser, &signed).await;
    let chosen = submit(&app, &browser, &options, &[("mfa_option", "SMS_MFA")]).await;
    let page = follow(&app, &browser, &chosen).await;
    assert!(
        page.body.contains("by SMS to +*******1234"),
        "{}",
        page.body
    );
    let code = texted_sign_in_code(&app, PHONE);
    let done = submit(&app, &browser, &page, &[("code", &code)]).await;
    tokens_for(&app, &h, &assert_code(&done)).await;
}
