//! The token-authorized self-service actions through the AWS SDK: GetUser,
//! UpdateUserAttributes, DeleteUserAttributes, GetUserAttributeVerificationCode,
//! VerifyUserAttribute, ChangePassword, DeleteUser.
//!
//! Tokens come from `services::tokens::issue`, built in parallel: every test here except
//! `tokens_are_checked_first` needs a valid access token and passes once tokens land.

use crate::account_helpers::*;
use crate::both_databases;
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::user_helpers::{attrs_of, stored, value};
use aws_sdk_cognitoidentityprovider::types::{
    DeliveryMediumType, UserAttributeUpdateSettingsType, VerifiedAttributeType,
};
use tessera::services::tokens::{self, SignIn, USER_ADMIN_SCOPE};

/// An access token for `username` signed in through `client_id`.
async fn token_for(app: &TestApp, pool: &str, client_id: &str, username: &str) -> String {
    let svc = &app.services;
    let p = svc.require_pool(pool).await.unwrap();
    let client = tessera::services::admin::clients::find_client(svc, client_id)
        .await
        .unwrap();
    let user = stored(app, pool, username).await;
    tokens::issue(
        svc,
        SignIn {
            pool: &p,
            client: &client,
            user: &user,
            auth_time: svc.now(),
            scopes: vec![USER_ADMIN_SCOPE.to_string()],
            nonce: None,
            at_hash: false,
            config_version: None,
            source: tessera::services::tokens::TokenSource::Authentication,
            client_metadata: None,
            device_key: None,
        },
    )
    .await
    .expect("tokens::issue (lands with the token work)")
    .access_token
}

async fn tokens_are_checked_first(db: Backend) {
    let app = spawn_app(db).await;
    let r = app
        .cognito
        .get_user()
        .access_token("not.a.token")
        .send()
        .await;
    let m = crate::assert_aws_error!(r, "NotAuthorizedException");
    assert_eq!(m, "Invalid Access Token");
    let r = app
        .cognito
        .change_password()
        .access_token("bad.token")
        .previous_password(PASSWORD)
        .proposed_password("N3w-password!")
        .send()
        .await;
    crate::assert_aws_error!(r, "NotAuthorizedException");
    let (status, body) = app
        .raw("GetUser", r#"{"AccessToken":"has spaces in it"}"#)
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "InvalidParameterException");
    let (_, body) = app.raw("DeleteUser", "{}").await;
    assert_eq!(body["__type"], "InvalidParameterException");
    assert_eq!(
        body["message"],
        "1 validation error detected: Value null at 'accessToken' failed to satisfy constraint: Member must not be null"
    );
}

async fn get_and_update_attributes(db: Backend) {
    let app = spawn_app(db).await;
    let pool = email_pool(&app).await;
    let (c, _) = client(&app, &pool, false, false).await;
    confirmed_user(&app, &pool, "jane", "jane@example.com").await;
    let token = token_for(&app, &pool, &c, "jane").await;
    let me = app
        .cognito
        .get_user()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.username(), "jane");
    let names: Vec<&str> = me.user_attributes().iter().map(|a| a.name()).collect();
    assert_eq!(names[0], "sub");
    assert!(names.contains(&"email_verified"));
    assert!(me.mfa_options().is_empty());
    assert!(me.preferred_mfa_setting().is_none());

    // A plain attribute: no codes.
    let out = app
        .cognito
        .update_user_attributes()
        .access_token(&token)
        .user_attributes(attr("name", "Jane Doe"))
        .send()
        .await
        .unwrap();
    assert!(out.code_delivery_details_list().is_empty());
    // A new email: unverified, and a code to it.
    let out = app
        .cognito
        .update_user_attributes()
        .access_token(&token)
        .user_attributes(attr("email", "new@example.com"))
        .send()
        .await
        .unwrap();
    let d = &out.code_delivery_details_list()[0];
    assert_eq!(d.destination(), Some("n***@e***"));
    assert_eq!(d.delivery_medium(), Some(&DeliveryMediumType::Email));
    let attrs = attrs_of(&app, &pool, "jane").await;
    assert_eq!(value(&attrs, "email").as_deref(), Some("new@example.com"));
    assert_eq!(value(&attrs, "email_verified").as_deref(), Some("false"));
    let verify = |code: String| {
        app.cognito
            .verify_user_attribute()
            .access_token(&token)
            .attribute_name("email")
            .code(code)
            .send()
    };
    let code = mailed_code(&app, "new@example.com");
    let m = crate::assert_aws_error!(verify(wrong(&code)).await, "CodeMismatchException");
    assert_eq!(m, "Invalid verification code provided, please try again.");
    verify(code.clone()).await.unwrap();
    let attrs = attrs_of(&app, &pool, "jane").await;
    assert_eq!(value(&attrs, "email_verified").as_deref(), Some("true"));
    crate::assert_aws_error!(verify(code).await, "ExpiredCodeException");
    // Asking again sends a fresh code.
    let d = app
        .cognito
        .get_user_attribute_verification_code()
        .access_token(&token)
        .attribute_name("email")
        .send()
        .await
        .unwrap()
        .code_delivery_details
        .unwrap();
    assert_eq!(d.attribute_name(), Some("email"));
    verify(mailed_code(&app, "new@example.com")).await.unwrap();
    let r = app
        .cognito
        .get_user_attribute_verification_code()
        .access_token(&token)
        .attribute_name("name")
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");
    // 5 codes an hour (1 used).
    for _ in 0..4 {
        app.cognito
            .get_user_attribute_verification_code()
            .access_token(&token)
            .attribute_name("email")
            .send()
            .await
            .unwrap();
    }
    let r = app
        .cognito
        .get_user_attribute_verification_code()
        .access_token(&token)
        .attribute_name("email")
        .send()
        .await;
    crate::assert_aws_error!(r, "LimitExceededException");

    let r = app
        .cognito
        .update_user_attributes()
        .access_token(&token)
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await;
    let m = crate::assert_aws_error!(r, "NotAuthorizedException");
    assert_eq!(m, "A client attempted to write unauthorized attribute");

    app.cognito
        .delete_user_attributes()
        .access_token(&token)
        .user_attribute_names("name")
        .send()
        .await
        .unwrap();
    assert_eq!(value(&attrs_of(&app, &pool, "jane").await, "name"), None);
    let r = app
        .cognito
        .delete_user_attributes()
        .access_token(&token)
        .user_attribute_names("sub")
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");
}

async fn old_email_kept_until_new_one_is_verified(db: Backend) {
    let app = spawn_app(db).await;
    let pool = pool_with(&app, |b| {
        b.auto_verified_attributes(VerifiedAttributeType::Email)
            .user_attribute_update_settings(
                UserAttributeUpdateSettingsType::builder()
                    .attributes_require_verification_before_update(VerifiedAttributeType::Email)
                    .build(),
            )
    })
    .await;
    let (c, _) = client(&app, &pool, false, false).await;
    confirmed_user(&app, &pool, "kept", "old@example.com").await;
    let token = token_for(&app, &pool, &c, "kept").await;
    app.cognito
        .update_user_attributes()
        .access_token(&token)
        .user_attributes(attr("email", "fresh@example.com"))
        .send()
        .await
        .unwrap();
    let attrs = attrs_of(&app, &pool, "kept").await;
    assert_eq!(value(&attrs, "email").as_deref(), Some("old@example.com"));
    assert_eq!(value(&attrs, "email_verified").as_deref(), Some("true"));
    app.cognito
        .verify_user_attribute()
        .access_token(&token)
        .attribute_name("email")
        .code(mailed_code(&app, "fresh@example.com"))
        .send()
        .await
        .unwrap();
    let attrs = attrs_of(&app, &pool, "kept").await;
    assert_eq!(value(&attrs, "email").as_deref(), Some("fresh@example.com"));
    assert_eq!(value(&attrs, "email_verified").as_deref(), Some("true"));
}

async fn change_password(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let (c, _) = client(&app, &pool, false, false).await;
    confirmed_user(&app, &pool, "pw", "pw@example.com").await;
    let token = token_for(&app, &pool, &c, "pw").await;
    let change = |previous: &'static str, proposed: &'static str| {
        app.cognito
            .change_password()
            .access_token(&token)
            .previous_password(previous)
            .proposed_password(proposed)
            .send()
    };
    let m = crate::assert_aws_error!(
        change("Wr0ng-password!", "N3w-password!").await,
        "NotAuthorizedException"
    );
    assert_eq!(m, "Incorrect username or password.");
    let m = crate::assert_aws_error!(change(PASSWORD, "short").await, "InvalidPasswordException");
    assert!(m.starts_with("Password did not conform with policy"), "{m}");
    change(PASSWORD, "N3w-password!").await.unwrap();
    let user = stored(&app, &pool, "pw").await;
    assert!(
        tessera::services::passwords::verify_password(&app.services, Some(&user), "N3w-password!")
            .await
            .unwrap()
    );
    change("N3w-password!", "An0ther-password!").await.unwrap();
    change("An0ther-password!", "Th1rd-password!")
        .await
        .unwrap();
    let m = crate::assert_aws_error!(
        change("Th1rd-password!", "F0urth-password!").await,
        "LimitExceededException"
    );
    assert_eq!(m, "Attempt limit exceeded, please try after some time.");
}

async fn delete_user_and_disabled_users(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let (c, _) = client(&app, &pool, false, false).await;
    confirmed_user(&app, &pool, "off", "off@example.com").await;
    let token = token_for(&app, &pool, &c, "off").await;
    app.cognito
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("off")
        .send()
        .await
        .unwrap();
    let r = app.cognito.get_user().access_token(&token).send().await;
    let m = crate::assert_aws_error!(r, "NotAuthorizedException");
    assert_eq!(m, "User is disabled.");

    confirmed_user(&app, &pool, "gone", "gone@example.com").await;
    let token = token_for(&app, &pool, &c, "gone").await;
    app.cognito
        .delete_user()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    let r = app
        .cognito
        .admin_get_user()
        .user_pool_id(&pool)
        .username("gone")
        .send()
        .await;
    crate::assert_aws_error!(r, "UserNotFoundException");
    let r = app.cognito.get_user().access_token(&token).send().await;
    crate::assert_aws_error!(r, "NotAuthorizedException");
}

both_databases!(
    tokens_are_checked_first,
    get_and_update_attributes,
    old_email_kept_until_new_one_is_verified,
    change_password,
    delete_user_and_disabled_users,
);
