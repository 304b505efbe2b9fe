//! ForgotPassword and ConfirmForgotPassword through the AWS SDK: the recovery channel per
//! AccountRecoverySetting, states that refuse a reset, code expiry and attempt limits,
//! SECRET_HASH, and user-existence behaviour (the answers) per client.

use crate::account_helpers::*;
use crate::both_databases;
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::user_helpers::{create_user, insert_unconfirmed, status_of, stored};
use aws_sdk_cognitoidentityprovider::types::{
    AccountRecoverySettingType, DeliveryMediumType, RecoveryOptionNameType, RecoveryOptionType,
    UserStatusType,
};

async fn password_works(app: &TestApp, pool: &str, username: &str, password: &str) -> bool {
    let user = stored(app, pool, username).await;
    tessera::services::passwords::verify_password(&app.services, Some(&user), password)
        .await
        .unwrap()
}

/// A CONFIRMED user with the given attributes.
async fn confirmed_with(app: &TestApp, pool: &str, username: &str, attrs: &[(&str, &str)]) {
    create_user(app, pool, username, attrs).await;
    app.cognito
        .admin_set_user_password()
        .user_pool_id(pool)
        .username(username)
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .unwrap();
}

async fn forgot_then_confirm(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let (c, _) = client(&app, &pool, false, false).await;
    confirmed_user(&app, &pool, "jane", "jane@example.com").await;
    let d = app
        .cognito
        .forgot_password()
        .client_id(&c)
        .username("jane")
        .send()
        .await
        .unwrap()
        .code_delivery_details
        .unwrap();
    assert_eq!(d.destination(), Some("j***@e***"));
    assert_eq!(d.delivery_medium(), Some(&DeliveryMediumType::Email));
    assert_eq!(d.attribute_name(), Some("email"));
    // ForgotPassword alone changes nothing.
    assert_eq!(
        status_of(&app, &pool, "jane").await.0,
        UserStatusType::Confirmed
    );
    let code = mailed_code(&app, "jane@example.com");
    let confirm = |code: String, password: &'static str| {
        app.cognito
            .confirm_forgot_password()
            .client_id(&c)
            .username("jane")
            .confirmation_code(code)
            .password(password)
            .send()
    };
    let m = crate::assert_aws_error!(
        confirm(wrong(&code), "N3w-password!").await,
        "CodeMismatchException"
    );
    assert_eq!(m, "Invalid verification code provided, please try again.");
    let m = crate::assert_aws_error!(
        confirm(code.clone(), "short").await,
        "InvalidPasswordException"
    );
    assert!(m.starts_with("Password did not conform with policy"), "{m}");
    confirm(code.clone(), "N3w-password!").await.unwrap();
    assert!(password_works(&app, &pool, "jane", "N3w-password!").await);
    assert!(!password_works(&app, &pool, "jane", PASSWORD).await);
    let m = crate::assert_aws_error!(
        confirm(code, "An0ther-password!").await,
        "ExpiredCodeException"
    );
    assert_eq!(m, "Invalid code provided, please request a code again.");
    // Reset codes live one hour.
    app.cognito
        .forgot_password()
        .client_id(&c)
        .username("jane")
        .send()
        .await
        .unwrap();
    let code = mailed_code(&app, "jane@example.com");
    app.services.clock.advance(3_600_001);
    crate::assert_aws_error!(
        confirm(code, "An0ther-password!").await,
        "ExpiredCodeException"
    );
}

async fn channel_follows_recovery_setting(db: Backend) {
    let app = spawn_app(db).await;
    let both = [
        ("email", "both@example.com"),
        ("email_verified", "true"),
        ("phone_number", "+15555550142"),
        ("phone_number_verified", "true"),
    ];
    // No AccountRecoverySetting: SMS first (legacy).
    let legacy = app.create_pool("legacy").await;
    let (c, _) = client(&app, &legacy, false, false).await;
    confirmed_with(&app, &legacy, "both", &both).await;
    let d = app
        .cognito
        .forgot_password()
        .client_id(&c)
        .username("both")
        .send()
        .await
        .unwrap()
        .code_delivery_details
        .unwrap();
    assert_eq!(d.delivery_medium(), Some(&DeliveryMediumType::Sms));
    assert_eq!(d.destination(), Some("+*******0142"));
    assert_eq!(texted_code(&app, "+15555550142").len(), 6);
    assert_eq!(app.sms.messages().last().unwrap()["kind"], "reset");

    let email_first = pool_with(&app, |b| {
        b.account_recovery_setting(
            AccountRecoverySettingType::builder()
                .recovery_mechanisms(
                    RecoveryOptionType::builder()
                        .priority(1)
                        .name(RecoveryOptionNameType::VerifiedEmail)
                        .build()
                        .unwrap(),
                )
                .recovery_mechanisms(
                    RecoveryOptionType::builder()
                        .priority(2)
                        .name(RecoveryOptionNameType::VerifiedPhoneNumber)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
    })
    .await;
    let (c, _) = client(&app, &email_first, false, false).await;
    confirmed_with(&app, &email_first, "both", &both).await;
    let d = app
        .cognito
        .forgot_password()
        .client_id(&c)
        .username("both")
        .send()
        .await
        .unwrap()
        .code_delivery_details
        .unwrap();
    assert_eq!(d.delivery_medium(), Some(&DeliveryMediumType::Email));

    let admin_only = pool_with(&app, |b| {
        b.account_recovery_setting(
            AccountRecoverySettingType::builder()
                .recovery_mechanisms(
                    RecoveryOptionType::builder()
                        .priority(1)
                        .name(RecoveryOptionNameType::AdminOnly)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
    })
    .await;
    let (c, _) = client(&app, &admin_only, false, false).await;
    confirmed_with(&app, &admin_only, "both", &both).await;
    let r = app
        .cognito
        .forgot_password()
        .client_id(&c)
        .username("both")
        .send()
        .await;
    let m = crate::assert_aws_error!(r, "NotAuthorizedException");
    assert_eq!(m, "Contact administrator to reset password.");
}

async fn states_that_refuse_or_allow_a_reset(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let (c, _) = client(&app, &pool, false, false).await;
    let forgot = |user: &'static str| {
        app.cognito
            .forgot_password()
            .client_id(&c)
            .username(user)
            .send()
    };
    create_user(
        &app,
        &pool,
        "invited",
        &[("email", "i@example.com"), ("email_verified", "true")],
    )
    .await;
    let m = crate::assert_aws_error!(forgot("invited").await, "NotAuthorizedException");
    assert_eq!(m, "User password cannot be reset in the current state.");
    confirmed_user(&app, &pool, "unverified", "u@example.com").await;
    app.cognito
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("unverified")
        .user_attributes(attr("email_verified", "false"))
        .send()
        .await
        .unwrap();
    let m = crate::assert_aws_error!(forgot("unverified").await, "InvalidParameterException");
    assert_eq!(
        m,
        "Cannot reset password for the user as there is no registered/verified email or phone_number"
    );
    confirmed_user(&app, &pool, "off", "off@example.com").await;
    app.cognito
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("off")
        .send()
        .await
        .unwrap();
    let m = crate::assert_aws_error!(forgot("off").await, "NotAuthorizedException");
    assert_eq!(m, "User is disabled.");

    // UNCONFIRMED with a verified email: the reset confirms the user.
    insert_unconfirmed(&app, &pool, "newbie").await;
    app.cognito
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("newbie")
        .user_attributes(attr("email", "newbie@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await
        .unwrap();
    forgot("newbie").await.unwrap();
    app.cognito
        .confirm_forgot_password()
        .client_id(&c)
        .username("newbie")
        .confirmation_code(mailed_code(&app, "newbie@example.com"))
        .password("N3w-password!")
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_of(&app, &pool, "newbie").await.0,
        UserStatusType::Confirmed
    );

    // RESET_REQUIRED (AdminResetUserPassword's code works here too).
    confirmed_user(&app, &pool, "reset", "reset@example.com").await;
    app.cognito
        .admin_reset_user_password()
        .user_pool_id(&pool)
        .username("reset")
        .send()
        .await
        .unwrap();
    app.cognito
        .confirm_forgot_password()
        .client_id(&c)
        .username("reset")
        .confirmation_code(mailed_code(&app, "reset@example.com"))
        .password("N3w-password!")
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_of(&app, &pool, "reset").await.0,
        UserStatusType::Confirmed
    );
    assert!(password_works(&app, &pool, "reset", "N3w-password!").await);
}

async fn attempts_and_calls_are_limited(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let (c, _) = client(&app, &pool, false, false).await;
    confirmed_user(&app, &pool, "lim", "lim@example.com").await;
    let forgot = || {
        app.cognito
            .forgot_password()
            .client_id(&c)
            .username("lim")
            .send()
    };
    forgot().await.unwrap();
    let code = mailed_code(&app, "lim@example.com");
    let confirm = |code: String| {
        app.cognito
            .confirm_forgot_password()
            .client_id(&c)
            .username("lim")
            .confirmation_code(code)
            .password("N3w-password!")
            .send()
    };
    for _ in 0..5 {
        crate::assert_aws_error!(confirm(wrong(&code)).await, "CodeMismatchException");
    }
    crate::assert_aws_error!(confirm(code).await, "TooManyFailedAttemptsException");
    // ConfirmForgotPassword: 10 calls an hour (6 made).
    forgot().await.unwrap();
    let code = mailed_code(&app, "lim@example.com");
    for _ in 0..4 {
        crate::assert_aws_error!(confirm(wrong(&code)).await, "CodeMismatchException");
    }
    let m = crate::assert_aws_error!(confirm(code.clone()).await, "LimitExceededException");
    assert_eq!(m, "Attempt limit exceeded, please try after some time.");
    // ForgotPassword: 10 an hour (2 made).
    for _ in 0..8 {
        forgot().await.unwrap();
    }
    crate::assert_aws_error!(forgot().await, "LimitExceededException");
    app.services.clock.advance(3_600_001);
    forgot().await.unwrap();
    confirm(mailed_code(&app, "lim@example.com")).await.unwrap();
}

async fn secret_hash_on_recovery(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let (c, secret) = client(&app, &pool, true, false).await;
    let secret = secret.unwrap();
    confirmed_user(&app, &pool, "sec", "sec@example.com").await;
    let forgot = |hash: Option<String>| {
        app.cognito
            .forgot_password()
            .client_id(&c)
            .username("sec")
            .set_secret_hash(hash)
            .send()
    };
    crate::assert_aws_error!(forgot(None).await, "NotAuthorizedException");
    let m = crate::assert_aws_error!(
        forgot(Some(secret_hash(&secret, "nope", &c))).await,
        "NotAuthorizedException"
    );
    assert_eq!(m, format!("Unable to verify secret hash for client {c}"));
    forgot(Some(secret_hash(&secret, "sec", &c))).await.unwrap();
    app.cognito
        .confirm_forgot_password()
        .client_id(&c)
        .username("sec")
        .secret_hash(secret_hash(&secret, "sec", &c))
        .confirmation_code(mailed_code(&app, "sec@example.com"))
        .password("N3w-password!")
        .send()
        .await
        .unwrap();
}

async fn unknown_users_look_like_real_ones(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let (legacy, _) = client(&app, &pool, false, false).await;
    let (enabled, _) = client(&app, &pool, false, true).await;
    confirmed_user(&app, &pool, "real", "real@example.com").await;
    let forgot = |client: &str, user: &str| {
        app.cognito
            .forgot_password()
            .client_id(client)
            .username(user)
            .send()
    };
    let confirm_with = |client: &str, user: &str, code: &str| {
        app.cognito
            .confirm_forgot_password()
            .client_id(client)
            .username(user)
            .confirmation_code(code)
            .password("N3w-password!")
            .send()
    };
    let confirm = |client: &str, user: &str| confirm_with(client, user, "000000");
    let m = crate::assert_aws_error!(forgot(&legacy, "ghost").await, "UserNotFoundException");
    assert_eq!(m, "Username/client id combination not found.");
    let m = crate::assert_aws_error!(confirm(&legacy, "ghost").await, "UserNotFoundException");
    assert_eq!(m, "Username/client id combination not found.");
    let a = forgot(&enabled, "ghost").await.unwrap();
    let b = forgot(&enabled, "ghost").await.unwrap();
    let (a, b) = (
        a.code_delivery_details.unwrap(),
        b.code_delivery_details.unwrap(),
    );
    assert_eq!(a.destination(), b.destination());
    // The default recovery order puts SMS first.
    assert_eq!(a.delivery_medium(), Some(&DeliveryMediumType::Sms));
    assert!(a.destination().unwrap().starts_with("+*******"));
    let m = crate::assert_aws_error!(confirm(&enabled, "ghost").await, "CodeMismatchException");
    assert_eq!(m, "Invalid verification code provided, please try again.");

    // A real user's wrong code gets the same answer. (That both cost the same hashing work is
    // for a benchmark to measure: a ratio of wall times in a test fails on a busy machine.)
    forgot(&legacy, "real").await.unwrap();
    let code = wrong(&mailed_code(&app, "real@example.com"));
    let m = crate::assert_aws_error!(
        confirm_with(&enabled, "real", &code).await,
        "CodeMismatchException"
    );
    assert_eq!(m, "Invalid verification code provided, please try again.");
}

both_databases!(
    forgot_then_confirm,
    channel_follows_recovery_setting,
    states_that_refuse_or_allow_a_reset,
    attempts_and_calls_are_limited,
    secret_hash_on_recovery,
    unknown_users_look_like_real_ones,
    a_reset_code_sets_one_password_when_raced,
);

/// The same reset code sent twice at once sets one password: the code is used up before the
/// password is written, so the slower request finds it gone. (It used to be deleted after, and
/// both requests set their password.)
async fn a_reset_code_sets_one_password_when_raced(db: Backend) {
    let app = std::sync::Arc::new(spawn_app(db).await);
    let pool = app.create_pool("p").await;
    let (c, _) = client(&app, &pool, false, false).await;
    confirmed_user(&app, &pool, "jane", "jane@example.com").await;
    app.cognito
        .forgot_password()
        .client_id(&c)
        .username("jane")
        .send()
        .await
        .unwrap();
    let code = mailed_code(&app, "jane@example.com");
    let mut tasks = Vec::new();
    for password in ["First-pass-1!", "Second-pass-2!"] {
        let (app, c, code) = (app.clone(), c.clone(), code.clone());
        tasks.push(tokio::spawn(async move {
            app.cognito
                .confirm_forgot_password()
                .client_id(&c)
                .username("jane")
                .confirmation_code(code)
                .password(password)
                .send()
                .await
                .map(|_| password)
                .map_err(|e| crate::helpers::error_code(&e))
        }));
    }
    let mut set = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(password) => set.push(password),
            Err(code) => assert_eq!(code, "ExpiredCodeException"),
        }
    }
    assert_eq!(set.len(), 1, "one code, one password: {set:?}");
    assert!(password_works(&app, &pool, "jane", set[0]).await);
}
