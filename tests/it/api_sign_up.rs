//! SignUp, ConfirmSignUp and ResendConfirmationCode through the AWS SDK: codes read from the
//! real SMTP and SMS sinks, masking, expiry by the fixed clock, attempt limits, SECRET_HASH,
//! aliases, delivery failures, and user-existence behaviour per client.

use crate::account_helpers::*;
use crate::both_databases;
use crate::helpers::{Backend, spawn_app};
use crate::user_helpers::{attrs_of, status_of, value};
use aws_sdk_cognitoidentityprovider::types::{
    AdminCreateUserConfigType, AliasAttributeType, DeliveryMediumType, UserStatusType,
    UsernameAttributeType, VerifiedAttributeType,
};

async fn sign_up_and_confirm_by_email(db: Backend) {
    let app = spawn_app(db).await;
    let pool = email_pool(&app).await;
    let (c, _) = client(&app, &pool, false, false).await;
    let started = std::time::Instant::now();
    let out = app
        .cognito
        .sign_up()
        .client_id(&c)
        .username("jane")
        .password(PASSWORD)
        .user_attributes(attr("email", "jane@example.com"))
        .user_attributes(attr("name", "Jane"))
        .validation_data(attr("ignored", "x"))
        .client_metadata("k", "v")
        .send()
        .await
        .unwrap();
    eprintln!("SignUp took {:?} (test build)", started.elapsed());
    assert!(!out.user_confirmed);
    assert_eq!(out.user_sub.len(), 36);
    let d = out.code_delivery_details.unwrap();
    assert_eq!(d.destination(), Some("j***@e***"));
    assert_eq!(d.delivery_medium(), Some(&DeliveryMediumType::Email));
    assert_eq!(d.attribute_name(), Some("email"));
    assert_eq!(
        status_of(&app, &pool, "jane").await.0,
        UserStatusType::Unconfirmed
    );
    let code = mailed_code(&app, "jane@example.com");
    let confirm = |code: String| {
        app.cognito
            .confirm_sign_up()
            .client_id(&c)
            .username("jane")
            .confirmation_code(code)
            .send()
    };
    let m = crate::assert_aws_error!(confirm(wrong(&code)).await, "CodeMismatchException");
    assert_eq!(m, "Invalid verification code provided, please try again.");
    confirm(code.clone()).await.unwrap();
    assert_eq!(
        status_of(&app, &pool, "jane").await.0,
        UserStatusType::Confirmed
    );
    let attrs = attrs_of(&app, &pool, "jane").await;
    assert_eq!(value(&attrs, "email_verified").as_deref(), Some("true"));
    assert_eq!(value(&attrs, "sub").as_deref(), Some(out.user_sub.as_str()));
    let m = crate::assert_aws_error!(confirm(code).await, "NotAuthorizedException");
    assert_eq!(m, "User cannot be confirmed. Current status is CONFIRMED");
    let again = app
        .cognito
        .sign_up()
        .client_id(&c)
        .username("jane")
        .password(PASSWORD)
        .send()
        .await;
    let m = crate::assert_aws_error!(again, "UsernameExistsException");
    assert_eq!(m, "User already exists");
}

async fn sms_is_preferred_and_nothing_is_sent_without_auto_verification(db: Backend) {
    let app = spawn_app(db).await;
    let pool = pool_with(&app, |b| {
        b.auto_verified_attributes(VerifiedAttributeType::Email)
            .auto_verified_attributes(VerifiedAttributeType::PhoneNumber)
    })
    .await;
    let (c, _) = client(&app, &pool, false, false).await;
    let out = app
        .cognito
        .sign_up()
        .client_id(&c)
        .username("sam")
        .password(PASSWORD)
        .user_attributes(attr("email", "sam@example.com"))
        .user_attributes(attr("phone_number", "+15555550100"))
        .send()
        .await
        .unwrap();
    let d = out.code_delivery_details.unwrap();
    assert_eq!(d.destination(), Some("+*******0100"));
    assert_eq!(d.delivery_medium(), Some(&DeliveryMediumType::Sms));
    assert_eq!(d.attribute_name(), Some("phone_number"));
    assert!(app.smtp.to("sam@example.com").is_empty());
    let sms = app.sms.messages();
    assert_eq!(sms[0]["kind"], "sign_up");
    let code = texted_code(&app, "+15555550100");
    app.cognito
        .confirm_sign_up()
        .client_id(&c)
        .username("sam")
        .confirmation_code(code)
        .send()
        .await
        .unwrap();
    let attrs = attrs_of(&app, &pool, "sam").await;
    assert_eq!(
        value(&attrs, "phone_number_verified").as_deref(),
        Some("true")
    );
    assert_eq!(value(&attrs, "email_verified"), None);

    let plain = app.create_pool("plain").await;
    let (plain_client, _) = client(&app, &plain, false, false).await;
    let out = app
        .cognito
        .sign_up()
        .client_id(&plain_client)
        .username("quiet")
        .password(PASSWORD)
        .user_attributes(attr("email", "quiet@example.com"))
        .send()
        .await
        .unwrap();
    assert!(out.code_delivery_details.is_none());
    assert!(app.smtp.to("quiet@example.com").is_empty());
}

async fn sign_up_rules(db: Backend) {
    let app = spawn_app(db).await;
    let admin_only = pool_with(&app, |b| {
        b.admin_create_user_config(
            AdminCreateUserConfigType::builder()
                .allow_admin_create_user_only(true)
                .build(),
        )
    })
    .await;
    let (c, _) = client(&app, &admin_only, false, false).await;
    let sign_up = |client: String, username: &'static str, password: &'static str| {
        app.cognito
            .sign_up()
            .client_id(client)
            .username(username)
            .password(password)
    };
    let m = crate::assert_aws_error!(
        sign_up(c, "x", PASSWORD).send().await,
        "NotAuthorizedException"
    );
    assert_eq!(m, "SignUp is not permitted for this user pool");

    let pool = app.create_pool("p").await;
    let (c, _) = client(&app, &pool, false, false).await;
    let m = crate::assert_aws_error!(
        sign_up(c.clone(), "weak", "password").send().await,
        "InvalidPasswordException"
    );
    assert!(m.starts_with("Password did not conform with policy"), "{m}");
    let r = sign_up(c.clone(), "bad", PASSWORD)
        .user_attributes(attr("email", "nope"))
        .send()
        .await;
    let m = crate::assert_aws_error!(r, "InvalidParameterException");
    assert_eq!(m, "Invalid email address format.");
    let r = sign_up(c.clone(), "flag", PASSWORD)
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await;
    let m = crate::assert_aws_error!(r, "NotAuthorizedException");
    assert_eq!(m, "A client attempted to write unauthorized attribute");
    let limited = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("limited")
        .write_attributes("name")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let r = sign_up(limited.clone(), "w", PASSWORD)
        .user_attributes(attr("email", "w@example.com"))
        .send()
        .await;
    crate::assert_aws_error!(r, "NotAuthorizedException");
    sign_up(limited, "w", PASSWORD)
        .user_attributes(attr("name", "W"))
        .send()
        .await
        .unwrap();
    let m = crate::assert_aws_error!(
        sign_up("nosuchclient".into(), "x", PASSWORD).send().await,
        "ResourceNotFoundException"
    );
    assert_eq!(m, "User pool client nosuchclient does not exist.");

    // Email as username: internal username = sub; a taken email is UsernameExists.
    let by_email = pool_with(&app, |b| {
        b.username_attributes(UsernameAttributeType::Email)
    })
    .await;
    let (c, _) = client(&app, &by_email, false, false).await;
    let m = crate::assert_aws_error!(
        sign_up(c.clone(), "jane", PASSWORD).send().await,
        "InvalidParameterException"
    );
    assert_eq!(m, "Username should be either an email or a phone number.");
    let out = sign_up(c.clone(), "jane@example.com", PASSWORD)
        .send()
        .await
        .unwrap();
    let attrs = attrs_of(&app, &by_email, "jane@example.com").await;
    assert_eq!(value(&attrs, "email").as_deref(), Some("jane@example.com"));
    let u = app
        .cognito
        .admin_get_user()
        .user_pool_id(&by_email)
        .username("jane@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(u.username(), out.user_sub);
    let m = crate::assert_aws_error!(
        sign_up(c, "jane@example.com", PASSWORD).send().await,
        "UsernameExistsException"
    );
    assert_eq!(m, "An account with the given email already exists.");

    // Alias pools: a username may not look like an email.
    let alias = pool_with(&app, |b| b.alias_attributes(AliasAttributeType::Email)).await;
    let (c, _) = client(&app, &alias, false, false).await;
    let m = crate::assert_aws_error!(
        sign_up(c, "a@b.io", PASSWORD).send().await,
        "InvalidParameterException"
    );
    assert_eq!(
        m,
        "Username cannot be of email format, since user pool is configured for email alias."
    );

    // Malformed input through raw HTTP.
    let (status, body) = app
        .raw("SignUp", r#"{"Username":"x","Password":"Pw"}"#)
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "InvalidParameterException");
    assert_eq!(
        body["message"],
        "1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null"
    );
    let (_, body) = app.raw("SignUp", "{not json").await;
    assert_eq!(body["__type"], "SerializationException");
    let (_, body) = app
        .raw(
            "SignUp",
            r#"{"ClientId":"c","Username":"has space","Password":"x"}"#,
        )
        .await;
    assert_eq!(body["__type"], "InvalidParameterException");
}

async fn secret_hash_is_required_for_secret_clients(db: Backend) {
    let app = spawn_app(db).await;
    let pool = email_pool(&app).await;
    let (c, secret) = client(&app, &pool, true, false).await;
    let secret = secret.unwrap();
    let base = |hash: Option<String>| {
        app.cognito
            .sign_up()
            .client_id(&c)
            .username("sec")
            .password(PASSWORD)
            .user_attributes(attr("email", "sec@example.com"))
            .set_secret_hash(hash)
            .send()
    };
    let m = crate::assert_aws_error!(base(None).await, "NotAuthorizedException");
    assert_eq!(
        m,
        format!("Client {c} is configured for secret but secret was not received")
    );
    let m = crate::assert_aws_error!(
        base(Some(secret_hash(&secret, "other", &c))).await,
        "NotAuthorizedException"
    );
    assert_eq!(m, format!("Unable to verify secret hash for client {c}"));
    base(Some(secret_hash(&secret, "sec", &c))).await.unwrap();
    let code = mailed_code(&app, "sec@example.com");
    let confirm = |hash: Option<String>| {
        app.cognito
            .confirm_sign_up()
            .client_id(&c)
            .username("sec")
            .confirmation_code(&code)
            .set_secret_hash(hash)
            .send()
    };
    crate::assert_aws_error!(confirm(None).await, "NotAuthorizedException");
    confirm(Some(secret_hash(&secret, "sec", &c)))
        .await
        .unwrap();
    let r = app
        .cognito
        .resend_confirmation_code()
        .client_id(&c)
        .username("sec")
        .secret_hash("d3JvbmcK")
        .send()
        .await;
    let m = crate::assert_aws_error!(r, "NotAuthorizedException");
    assert_eq!(m, format!("Unable to verify secret hash for client {c}"));
}

async fn codes_expire_are_single_use_and_limited(db: Backend) {
    let app = spawn_app(db).await;
    let pool = email_pool(&app).await;
    let (c, _) = client(&app, &pool, false, false).await;
    sign_up(&app, &c, "kim", "kim@example.com").await;
    let first = mailed_code(&app, "kim@example.com");
    let confirm = |code: String| {
        app.cognito
            .confirm_sign_up()
            .client_id(&c)
            .username("kim")
            .confirmation_code(code)
            .send()
    };
    // 24 hours of validity.
    app.services.clock.advance(24 * 3_600_000 + 1);
    let m = crate::assert_aws_error!(confirm(first.clone()).await, "ExpiredCodeException");
    assert_eq!(m, "Invalid code provided, please request a code again.");
    // A new code replaces the old one.
    let resent = app
        .cognito
        .resend_confirmation_code()
        .client_id(&c)
        .username("kim")
        .send()
        .await
        .unwrap()
        .code_delivery_details
        .unwrap();
    assert_eq!(resent.destination(), Some("k***@e***"));
    let second = mailed_code(&app, "kim@example.com");
    let mut guessed = 0;
    if second != first {
        crate::assert_aws_error!(confirm(first).await, "CodeMismatchException");
        guessed = 1;
    }
    // Five wrong guesses spend the code: even the right one is refused after that.
    for _ in guessed..5 {
        crate::assert_aws_error!(confirm(wrong(&second)).await, "CodeMismatchException");
    }
    crate::assert_aws_error!(
        confirm(second.clone()).await,
        "TooManyFailedAttemptsException"
    );
    assert_eq!(
        status_of(&app, &pool, "kim").await.0,
        UserStatusType::Unconfirmed
    );
    // Resend: 5 an hour (one used above).
    let resend = || {
        app.cognito
            .resend_confirmation_code()
            .client_id(&c)
            .username("kim")
            .send()
    };
    for _ in 0..4 {
        resend().await.unwrap();
    }
    let m = crate::assert_aws_error!(resend().await, "LimitExceededException");
    assert_eq!(m, "Attempt limit exceeded, please try after some time.");
    // ConfirmSignUp: 15 calls an hour (7 made so far).
    let latest = mailed_code(&app, "kim@example.com");
    for _ in 0..8 {
        let r = confirm(wrong(&latest)).await;
        assert!(r.is_err());
    }
    let m = crate::assert_aws_error!(confirm(latest).await, "LimitExceededException");
    assert_eq!(m, "Attempt limit exceeded, please try after some time.");
    // The windows end after an hour.
    app.services.clock.advance(3_600_001);
    resend().await.unwrap();
    confirm(mailed_code(&app, "kim@example.com")).await.unwrap();
    let m = crate::assert_aws_error!(resend().await, "InvalidParameterException");
    assert_eq!(m, "User is already confirmed.");
}

async fn failed_delivery_leaves_no_user(db: Backend) {
    let app = spawn_app(db).await;
    let pool = pool_with(&app, |b| {
        b.auto_verified_attributes(VerifiedAttributeType::PhoneNumber)
    })
    .await;
    let (c, _) = client(&app, &pool, false, false).await;
    app.sms.set_failing(true);
    let r = app
        .cognito
        .sign_up()
        .client_id(&c)
        .username("lost")
        .password(PASSWORD)
        .user_attributes(attr("phone_number", "+15555550199"))
        .send()
        .await;
    crate::assert_aws_error!(r, "CodeDeliveryFailureException");
    let r = app
        .cognito
        .admin_get_user()
        .user_pool_id(&pool)
        .username("lost")
        .send()
        .await;
    crate::assert_aws_error!(r, "UserNotFoundException");
    app.sms.set_failing(false);
    app.cognito
        .sign_up()
        .client_id(&c)
        .username("lost")
        .password(PASSWORD)
        .user_attributes(attr("phone_number", "+15555550199"))
        .send()
        .await
        .unwrap();
}

async fn confirming_a_taken_alias(db: Backend) {
    let app = spawn_app(db).await;
    let pool = pool_with(&app, |b| {
        b.alias_attributes(AliasAttributeType::Email)
            .auto_verified_attributes(VerifiedAttributeType::Email)
    })
    .await;
    let (c, _) = client(&app, &pool, false, false).await;
    sign_up(&app, &c, "first", "shared@example.com").await;
    let code = mailed_code(&app, "shared@example.com");
    let confirm = |user: &'static str, code: String, force: bool| {
        app.cognito
            .confirm_sign_up()
            .client_id(&c)
            .username(user)
            .confirmation_code(code)
            .force_alias_creation(force)
            .send()
    };
    confirm("first", code, false).await.unwrap();
    sign_up(&app, &c, "second", "shared@example.com").await;
    let code = mailed_code(&app, "shared@example.com");
    let m = crate::assert_aws_error!(
        confirm("second", code.clone(), false).await,
        "AliasExistsException"
    );
    assert_eq!(m, "An account with the given email already exists.");
    // The code survives the refusal; with ForceAliasCreation the alias moves.
    confirm("second", code, true).await.unwrap();
    let first = attrs_of(&app, &pool, "first").await;
    assert_eq!(value(&first, "email_verified").as_deref(), Some("false"));
    let by_alias = app
        .cognito
        .admin_get_user()
        .user_pool_id(&pool)
        .username("shared@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(by_alias.username(), "second");
}

async fn existence_errors_per_client(db: Backend) {
    let app = spawn_app(db).await;
    let pool = email_pool(&app).await;
    let (legacy, _) = client(&app, &pool, false, false).await;
    let (enabled, _) = client(&app, &pool, false, true).await;
    let resend = |client: &str, user: &str| {
        app.cognito
            .resend_confirmation_code()
            .client_id(client)
            .username(user)
            .send()
    };
    let m = crate::assert_aws_error!(resend(&legacy, "ghost").await, "UserNotFoundException");
    assert_eq!(m, "Username/client id combination not found.");
    let a = resend(&enabled, "ghost").await.unwrap();
    let b = resend(&enabled, "ghost").await.unwrap();
    let (a, b) = (
        a.code_delivery_details.unwrap(),
        b.code_delivery_details.unwrap(),
    );
    assert_eq!(a.destination(), b.destination());
    assert_eq!(a.delivery_medium(), Some(&DeliveryMediumType::Email));
    let shown = a.destination().unwrap();
    assert!(
        shown.len() == 9 && &shown[1..5] == "***@" && shown.ends_with("***"),
        "{shown}"
    );
    let confirm = |client: &str| {
        app.cognito
            .confirm_sign_up()
            .client_id(client)
            .username("ghost")
            .confirmation_code("123456")
            .send()
    };
    let m = crate::assert_aws_error!(confirm(&legacy).await, "UserNotFoundException");
    assert_eq!(m, "Username/client id combination not found.");
    let m = crate::assert_aws_error!(confirm(&enabled).await, "CodeMismatchException");
    assert_eq!(m, "Invalid verification code provided, please try again.");
    // Disabled users: LEGACY says so; ENABLED answers as for anyone.
    sign_up(&app, &legacy, "off", "off@example.com").await;
    app.cognito
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("off")
        .send()
        .await
        .unwrap();
    let m = crate::assert_aws_error!(resend(&legacy, "off").await, "NotAuthorizedException");
    assert_eq!(m, "User is disabled.");
    resend(&enabled, "off").await.unwrap();
    assert_eq!(app.smtp.to("off@example.com").len(), 1);
}

both_databases!(
    sign_up_and_confirm_by_email,
    sms_is_preferred_and_nothing_is_sent_without_auto_verification,
    sign_up_rules,
    secret_hash_is_required_for_secret_clients,
    codes_expire_are_single_use_and_limited,
    failed_delivery_leaves_no_user,
    confirming_a_taken_alias,
    existence_errors_per_client,
);
