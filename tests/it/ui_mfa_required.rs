//! Until MFA is served on the hosted pages (issue 5), a pool with MfaConfiguration=ON issues
//! nothing through them, nor does a user with a software token in an OPTIONAL pool — not after
//! a sign-up's confirmation, not after a new password, not from a code minted before the pool
//! required MFA, not from the password alone.

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::ui_helpers::*;
use aws_sdk_cognitoidentityprovider::types::{
    MessageActionType, UserPoolMfaType, VerifiedAttributeType,
};

async fn mfa_pool(app: &TestApp) -> Hosted {
    let pool_id = app
        .cognito
        .create_user_pool()
        .pool_name("mfa-on")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .mfa_configuration(UserPoolMfaType::On)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let client_id = oauth_client(app, &pool_id, "web").await;
    Hosted { pool_id, client_id }
}

fn assert_no_code(page: &Page) {
    let location = page
        .headers
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(
        !location.starts_with(CALLBACK) || location.contains("error="),
        "tokens for an MFA pool: {location}"
    );
}

async fn confirmation_does_not_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = mfa_pool(&app).await;
    let browser = browser();
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
    let done = submit(&app, &browser, &confirm, &[("code", &code)]).await;
    assert_no_code(&done);
    assert!(
        done.location()
            .starts_with(&format!("/{}/login?", h.pool_id))
    );
    // Signing in is refused with the reason.
    let refused = sign_in(&app, &browser, &h.pool_id, &query, "bob", PASSWORD).await;
    assert_eq!(refused.status, 200);
    assert!(refused.body.contains("requires MFA"), "{}", refused.body);
}

async fn a_new_password_does_not_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = mfa_pool(&app).await;
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
    let page = get(&app, &browser, &challenged.location()).await;
    let done = submit(
        &app,
        &browser,
        &page,
        &[("password", PASSWORD), ("password_repeat", PASSWORD)],
    )
    .await;
    assert_no_code(&done);
    assert!(done.body.contains("requires MFA"), "{}", done.body);
}

crate::both_databases!(
    confirmation_does_not_sign_in,
    a_new_password_does_not_sign_in,
    a_software_token_user_gets_no_code_from_the_password_alone
);

/// The hosted pages do not ask for the software token code yet: a user who has one enabled
/// (OPTIONAL pool) gets no code from the password alone, and neither does anyone in an ON pool.
async fn a_software_token_user_gets_no_code_from_the_password_alone(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = hosted(&app).await;
    crate::mfa_helpers::enable_totp(&app, &h.pool_id, UserPoolMfaType::Optional).await;
    user(&app, &h.pool_id, "carol").await;
    let sub = crate::user_helpers::stored(&app, &h.pool_id, "carol")
        .await
        .sub;
    let store = &app.services.store;
    store
        .set_pending_totp(&sub, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 1)
        .await
        .unwrap();
    assert!(
        store
            .verify_pending_totp(&sub, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 1, None, 1)
            .await
            .unwrap()
    );
    let query = authorize_query(&h.client_id, &[]);
    let page = sign_in(&app, &browser(), &h.pool_id, &query, "carol", PASSWORD).await;
    assert_no_code(&page);
    // A user without a factor still signs in there.
    user(&app, &h.pool_id, "dave").await;
    let page = sign_in(&app, &browser(), &h.pool_id, &query, "dave", PASSWORD).await;
    assert!(page.location().starts_with(CALLBACK), "{}", page.body);
    // MFA ON: nobody gets a code from the password alone.
    crate::mfa_helpers::enable_totp(&app, &h.pool_id, UserPoolMfaType::On).await;
    let page = sign_in(&app, &browser(), &h.pool_id, &query, "dave", PASSWORD).await;
    assert_no_code(&page);
}
