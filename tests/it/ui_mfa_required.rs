//! Pools that require MFA never issue anything through the hosted pages from a password
//! alone: a sign-up's confirmation and a new password lead to the software token set-up page
//! (`/mfaSetup`), and a user with a software token in an OPTIONAL pool to the code page
//! (`/mfa`); only the second factor goes back to the client.

use crate::helpers::{Backend, spawn_app};
use crate::mfa_helpers::{enable_totp, totp_now};
use crate::ui_helpers::*;
use crate::ui_mfa_helpers::*;
use aws_sdk_cognitoidentityprovider::types::{MessageActionType, UserPoolMfaType};

crate::both_databases!(
    confirmation_leads_to_mfa_setup,
    a_new_password_leads_to_mfa_setup,
    a_software_token_user_is_asked_for_the_code
);

const TOTP_ONLY: Factors = Factors {
    totp: true,
    sms: false,
    email: false,
};

async fn confirmation_leads_to_mfa_setup(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = mfa_pool(&app, TOTP_ONLY).await;
    let browser = crate::ui_helpers::browser();
    let query = authorize_query(&h.client_id, &[]);
    let signup = get(&app, &browser, &format!("/{}/signup?{query}", h.pool_id)).await;
    let created = submit(
        &app,
        &browser,
        &signup,
        &[
            ("username", "bob"),
            ("email", "bob@example.com"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(created.status, 302, "{}", created.body);
    let confirm = get(&app, &browser, &created.location()).await;
    let code = mailed_code(&app, "bob@example.com");
    let confirmed = submit(&app, &browser, &confirm, &[("code", &code)]).await;
    // Not straight to the client: the software token first.
    assert_goes_to(&confirmed, &h.pool_id, "/mfaSetup");
    let setup = follow(&app, &browser, &confirmed).await;
    let secret = secret_on(&setup);
    let done = submit(
        &app,
        &browser,
        &setup,
        &[("code", &totp_now(&app, &secret))],
    )
    .await;
    tokens_for(&app, &h, &assert_code(&done)).await;
}

async fn a_new_password_leads_to_mfa_setup(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = mfa_pool(&app, TOTP_ONLY).await;
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
    let browser = crate::ui_helpers::browser();
    let query = authorize_query(&h.client_id, &[]);
    let challenged = sign_in(&app, &browser, &h.pool_id, &query, "gus", "Temp-Horse-1").await;
    assert_goes_to(&challenged, &h.pool_id, "/resetPassword");
    let page = follow(&app, &browser, &challenged).await;
    let changed = submit(
        &app,
        &browser,
        &page,
        &[("password", PASSWORD), ("password_repeat", PASSWORD)],
    )
    .await;
    assert_goes_to(&changed, &h.pool_id, "/mfaSetup");
    let setup = follow(&app, &browser, &changed).await;
    let secret = secret_on(&setup);
    let done = submit(
        &app,
        &browser,
        &setup,
        &[("code", &totp_now(&app, &secret))],
    )
    .await;
    tokens_for(&app, &h, &assert_code(&done)).await;
}

/// OPTIONAL: a user with a software token is asked for its code, a user without signs in with
/// the password; ON: the user without a factor must set one up.
async fn a_software_token_user_is_asked_for_the_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = hosted(&app).await;
    enable_totp(&app, &h.pool_id, UserPoolMfaType::Optional).await;
    user(&app, &h.pool_id, "carol").await;
    let sub = crate::user_helpers::stored(&app, &h.pool_id, "carol")
        .await
        .sub;
    let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    let store = &app.services.store;
    store.set_pending_totp(&sub, secret, 1).await.unwrap();
    assert!(
        store
            .verify_pending_totp(&sub, secret, 1, None, 1)
            .await
            .unwrap()
    );
    let query = authorize_query(&h.client_id, &[]);
    let browser = crate::ui_helpers::browser();
    let page = sign_in(&app, &browser, &h.pool_id, &query, "carol", PASSWORD).await;
    assert_goes_to(&page, &h.pool_id, "/mfa");
    let code_page = follow(&app, &browser, &page).await;
    let done = submit(
        &app,
        &browser,
        &code_page,
        &[("code", &totp_now(&app, secret))],
    )
    .await;
    tokens_for(&app, &h, &assert_code(&done)).await;
    // A user without a factor still signs in there.
    user(&app, &h.pool_id, "dave").await;
    let page = sign_in(
        &app,
        &crate::ui_helpers::browser(),
        &h.pool_id,
        &query,
        "dave",
        PASSWORD,
    )
    .await;
    assert!(page.location().starts_with(CALLBACK), "{}", page.body);
    // MFA ON: the password alone now leads to the set-up page.
    enable_totp(&app, &h.pool_id, UserPoolMfaType::On).await;
    let page = sign_in(
        &app,
        &crate::ui_helpers::browser(),
        &h.pool_id,
        &query,
        "dave",
        PASSWORD,
    )
    .await;
    assert_goes_to(&page, &h.pool_id, "/mfaSetup");
}
