//! PreSignUp, PostConfirmation and the trigger faults, through the AWS SDK against functions run
//! by the test Lambda endpoint and the same functions as signed webhooks: refusals leave no
//! user behind, decisions confirm and verify, events carry Cognito's shape and the caller's
//! metadata.

use crate::account_helpers::{PASSWORD, attr, client, mailed_code};
use crate::both_databases;
use crate::helpers::{Backend, TestApp, error_code};
use crate::trigger_helpers::{BOTH, Via, events, pool_with_triggers, target, trigger_app};
use crate::user_helpers::{attrs_of, status_of, value};
use aws_sdk_cognitoidentityprovider::types::{LambdaConfigType, UserStatusType};

async fn sign_up(app: &TestApp, client: &str, username: &str, email: &str) -> Result<bool, String> {
    app.cognito
        .sign_up()
        .client_id(client)
        .username(username)
        .password(PASSWORD)
        .user_attributes(attr("email", email))
        .send()
        .await
        .map(|o| o.user_confirmed)
        .map_err(|e| format!("{}: {}", error_code(&e), crate::helpers::error_message(&e)))
}

async fn exists(app: &TestApp, pool: &str, username: &str) -> bool {
    app.cognito
        .admin_get_user()
        .user_pool_id(pool)
        .username(username)
        .send()
        .await
        .is_ok()
}

async fn pre_sign_up_refuses_confirms_and_verifies(db: Backend) {
    let app = trigger_app(db).await;
    for via in BOTH {
        let config = LambdaConfigType::builder()
            .pre_sign_up(target(via, "pre_sign_up"))
            .build();
        let pool = pool_with_triggers(&app, config).await;
        let (c, _) = client(&app, &pool, false, false).await;

        let refused = sign_up(&app, &c, "mallory", "mallory@blocked.example").await;
        assert_eq!(
            refused,
            Err("UserLambdaValidationException: PreSignUp failed with error Email domain not allowed.".into()),
            "{via:?}"
        );
        assert!(
            !exists(&app, &pool, "mallory").await,
            "no user is left behind"
        );

        assert_eq!(
            sign_up(&app, &c, "trudy", "trudy@trusted.example").await,
            Ok(true)
        );
        assert_eq!(
            status_of(&app, &pool, "trudy").await.0,
            UserStatusType::Confirmed
        );
        let attrs = attrs_of(&app, &pool, "trudy").await;
        assert_eq!(value(&attrs, "email_verified").as_deref(), Some("true"));

        assert_eq!(
            sign_up(&app, &c, "olive", "olive@example.com").await,
            Ok(false)
        );
        assert_eq!(
            status_of(&app, &pool, "olive").await.0,
            UserStatusType::Unconfirmed
        );
        assert_eq!(mailed_code(&app, "olive@example.com").len(), 6);

        // ValidationData and ClientMetadata reach the function.
        let refused = app
            .cognito
            .sign_up()
            .client_id(&c)
            .username("vic")
            .password(PASSWORD)
            .user_attributes(attr("email", "vic@example.com"))
            .validation_data(attr("refuse", "yes"))
            .client_metadata("why", "testing")
            .send()
            .await;
        let m = crate::assert_aws_error!(refused, "UserLambdaValidationException");
        assert_eq!(m, "PreSignUp failed with error refused with testing.");

        let seen = events("pre_sign_up", &pool).await;
        assert_eq!(seen.len(), 4);
        let e = &seen[1];
        assert_eq!(e["triggerSource"], "PreSignUp_SignUp");
        assert_eq!(e["version"], "1");
        assert_eq!(e["userPoolId"], pool.as_str());
        assert_eq!(e["userName"], "trudy");
        assert_eq!(e["callerContext"]["clientId"], c.as_str());
        assert_eq!(
            e["request"]["userAttributes"]["email"],
            "trudy@trusted.example"
        );
        assert!(e["request"]["userAttributes"].get("sub").is_none());
        assert_eq!(seen[3]["request"]["clientMetadata"]["why"], "testing");
    }
}

async fn admin_create_user_runs_pre_sign_up(db: Backend) {
    let app = trigger_app(db).await;
    let config = LambdaConfigType::builder()
        .pre_sign_up(target(Via::Lambda, "pre_sign_up"))
        .build();
    let pool = pool_with_triggers(&app, config).await;
    let refused = app
        .cognito
        .admin_create_user()
        .user_pool_id(&pool)
        .username("mallory")
        .user_attributes(attr("email", "mallory@blocked.example"))
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await;
    crate::assert_aws_error!(refused, "UserLambdaValidationException");
    assert!(!exists(&app, &pool, "mallory").await);
    app.cognito
        .admin_create_user()
        .user_pool_id(&pool)
        .username("trudy")
        .user_attributes(attr("email", "trudy@trusted.example"))
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    // An administrator's user still sets a password first; the verification applies.
    assert_eq!(
        status_of(&app, &pool, "trudy").await.0,
        UserStatusType::ForceChangePassword
    );
    let attrs = attrs_of(&app, &pool, "trudy").await;
    assert_eq!(value(&attrs, "email_verified").as_deref(), Some("true"));
    let seen = events("pre_sign_up", &pool).await;
    assert_eq!(seen[1]["triggerSource"], "PreSignUp_AdminCreateUser");
    assert_eq!(
        seen[1]["callerContext"]["clientId"],
        "CLIENT_ID_NOT_APPLICABLE"
    );
}

async fn post_confirmation_runs_after_the_confirmation_is_stored(db: Backend) {
    let app = trigger_app(db).await;
    for (via, function) in [(Via::Lambda, "record"), (Via::Webhook, "fails")] {
        let config = LambdaConfigType::builder()
            .post_confirmation(target(via, function))
            .build();
        let pool = pool_with_triggers(&app, config).await;
        let (c, _) = client(&app, &pool, false, false).await;
        sign_up(&app, &c, "jane", "jane@example.com").await.unwrap();
        let code = mailed_code(&app, "jane@example.com");
        let confirmed = app
            .cognito
            .confirm_sign_up()
            .client_id(&c)
            .username("jane")
            .confirmation_code(code)
            .client_metadata("from", "test")
            .send()
            .await;
        if function == "fails" {
            let m = crate::assert_aws_error!(confirmed, "UserLambdaValidationException");
            assert_eq!(m, "PostConfirmation failed with error Something broke.");
        } else {
            confirmed.unwrap();
            let seen = events("record", &pool).await;
            assert_eq!(seen.len(), 1);
            assert_eq!(seen[0]["triggerSource"], "PostConfirmation_ConfirmSignUp");
            assert_eq!(
                seen[0]["request"]["userAttributes"]["cognito:user_status"],
                "CONFIRMED"
            );
            assert_eq!(
                seen[0]["request"]["userAttributes"]["email_verified"],
                "true"
            );
            assert_eq!(seen[0]["request"]["clientMetadata"]["from"], "test");
        }
        // Reported after the fact, as Cognito does: the confirmation stands either way.
        assert_eq!(
            status_of(&app, &pool, "jane").await.0,
            UserStatusType::Confirmed
        );
    }
}

async fn faults_give_cognitos_errors_and_leave_nothing_behind(db: Backend) {
    let app = trigger_app(db).await;
    let cases = [
        (
            "fails",
            "UserLambdaValidationException",
            "PreSignUp failed with error Something broke.",
        ),
        (
            "malformed",
            "InvalidLambdaResponseException",
            "Unrecognizable lambda output from PreSignUp.",
        ),
        (
            "bad_flags",
            "InvalidLambdaResponseException",
            "Unrecognizable lambda output from PreSignUp.",
        ),
        (
            "slow",
            "UnexpectedLambdaException",
            "PreSignUp invocation failed due to error Socket timeout while invoking Lambda function.",
        ),
    ];
    for via in BOTH {
        for (i, (function, code, message)) in cases.iter().enumerate() {
            let config = LambdaConfigType::builder()
                .pre_sign_up(target(via, function))
                .build();
            let pool = pool_with_triggers(&app, config).await;
            let (c, _) = client(&app, &pool, false, false).await;
            let name = format!("user{i}");
            let result = sign_up(&app, &c, &name, "u@example.com").await;
            assert_eq!(
                result,
                Err(format!("{code}: {message}")),
                "{via:?} {function}"
            );
            assert!(!exists(&app, &pool, &name).await, "{via:?} {function}");
        }
        // A service error, then success: tried again.
        let config = LambdaConfigType::builder()
            .pre_sign_up(target(via, "flaky"))
            .build();
        let pool = pool_with_triggers(&app, config).await;
        let (c, _) = client(&app, &pool, false, false).await;
        assert_eq!(
            sign_up(&app, &c, "patient", "p@example.com").await,
            Ok(false)
        );
        assert_eq!(events("flaky", &pool).await.len(), 2);
    }
    // Nothing listens there; a function the endpoint does not know.
    let unreachable = [
        (
            "http://127.0.0.1:9/webhook/record".to_string(),
            "Connection failure while invoking Lambda function",
        ),
        (
            target(Via::Lambda, "no_such_function"),
            "ResourceNotFoundException",
        ),
    ];
    for (to, cause) in unreachable {
        let config = LambdaConfigType::builder().pre_sign_up(to).build();
        let pool = pool_with_triggers(&app, config).await;
        let (c, _) = client(&app, &pool, false, false).await;
        let result = sign_up(&app, &c, "nobody", "n@example.com").await;
        assert_eq!(
            result,
            Err(format!(
                "UnexpectedLambdaException: PreSignUp invocation failed due to error {cause}."
            ))
        );
        assert!(!exists(&app, &pool, "nobody").await);
    }
}

async fn a_webhook_signed_with_another_secret_is_refused_by_the_receiver(db: Backend) {
    let app = trigger_app(db).await;
    let config = LambdaConfigType::builder()
        .pre_sign_up(target(Via::Webhook, "record"))
        .build();
    let pool = pool_with_triggers(&app, config).await;
    let mut input = tessera::domain::pool::PoolInput {
        lambda_config: Some(serde_json::json!({"PreSignUp": target(Via::Webhook, "record")})),
        auto_verified_attributes: Some(vec!["email".into()]),
        webhook_secret: Some("whsec_c29tZSBvdGhlciBzZWNyZXQgb2YgMjQgYnl0ZXM=".into()),
        ..Default::default()
    };
    tessera::services::admin::pools::update_pool(&app.services, &pool, input.clone())
        .await
        .unwrap();
    let (c, _) = client(&app, &pool, false, false).await;
    let result = sign_up(&app, &c, "eve", "eve@example.com").await;
    assert_eq!(
        result,
        Err(
            "UserLambdaValidationException: PreSignUp failed with error Invalid webhook signature."
                .into()
        )
    );
    assert!(!exists(&app, &pool, "eve").await);
    // The pool's secret is never shown, and an update that omits it keeps it.
    let described = format!("{:?}", app.describe_pool(&pool).await);
    assert!(!described.contains("whsec_"));
    input.webhook_secret = None;
    tessera::services::admin::pools::update_pool(&app.services, &pool, input)
        .await
        .unwrap();
    assert!(sign_up(&app, &c, "eve", "eve@example.com").await.is_err());
}

async fn invalid_lambda_config_is_refused(db: Backend) {
    let app = trigger_app(db).await;
    let bad = [
        LambdaConfigType::builder().pre_sign_up("pre_sign_up").build(),
        LambdaConfigType::builder()
            .pre_sign_up("arn:aws:lambda:eu-west-1:1234:function:x")
            .build(),
        LambdaConfigType::builder()
            .post_confirmation("http://hooks.example.com/t")
            .build(),
        LambdaConfigType::builder()
            .custom_email_sender(
                aws_sdk_cognitoidentityprovider::types::CustomEmailLambdaVersionConfigType::builder()
                    .lambda_version(aws_sdk_cognitoidentityprovider::types::CustomEmailSenderLambdaVersionType::V10)
                    .lambda_arn(target(Via::Lambda, "record"))
                    .build()
                    .unwrap(),
            )
            .build(),
    ];
    for config in bad {
        let created = app
            .cognito
            .create_user_pool()
            .pool_name("p")
            .lambda_config(config.clone())
            .send()
            .await;
        crate::assert_aws_error!(created, "InvalidParameterException");
        let pool = app.create_pool("q").await;
        let updated = app
            .cognito
            .update_user_pool()
            .user_pool_id(&pool)
            .lambda_config(config)
            .send()
            .await;
        crate::assert_aws_error!(updated, "InvalidParameterException");
    }
    // Stored as given, and shown back.
    let good = LambdaConfigType::builder()
        .pre_sign_up(target(Via::Lambda, "pre_sign_up"))
        .user_migration(target(Via::Webhook, "migrate"))
        .build();
    let pool = pool_with_triggers(&app, good.clone()).await;
    assert_eq!(app.describe_pool(&pool).await.lambda_config, Some(good));

    // Without a webhook secret anywhere, a webhook trigger cannot be signed: refused.
    let plain = crate::helpers::spawn_app(db).await;
    let created = plain
        .cognito
        .create_user_pool()
        .pool_name("p")
        .lambda_config(
            LambdaConfigType::builder()
                .pre_sign_up("https://hooks.example.com/pre")
                .build(),
        )
        .send()
        .await;
    crate::assert_aws_error!(created, "InvalidParameterException");
}

async fn custom_message_words_the_codes(db: Backend) {
    let app = trigger_app(db).await;
    for via in BOTH {
        let config = LambdaConfigType::builder()
            .custom_message(target(via, "custom_message"))
            .build();
        let pool = pool_with_triggers(&app, config).await;
        let (c, _) = client(&app, &pool, false, false).await;
        let email = format!("kim-{via:?}@example.com");
        app.cognito
            .sign_up()
            .client_id(&c)
            .username("kim")
            .password(PASSWORD)
            .user_attributes(attr("email", &email))
            .user_attributes(attr("name", "Kim"))
            .send()
            .await
            .unwrap();
        let mail = app.smtp.to(&email).pop().unwrap();
        assert!(
            mail.data.contains("Subject: Welcome to Mosaic"),
            "{via:?}: {}",
            mail.data
        );
        let text = mail.text();
        let code: String = text
            .split("Hi Kim, your Mosaic code is ")
            .nth(1)
            .unwrap_or_else(|| panic!("{via:?}: {text}"))
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        assert_eq!(code.len(), 6);
        app.cognito
            .confirm_sign_up()
            .client_id(&c)
            .username("kim")
            .confirmation_code(code)
            .send()
            .await
            .unwrap();
        let seen = events("custom_message", &pool).await;
        assert_eq!(seen[0]["triggerSource"], "CustomMessage_SignUp");
        assert_eq!(seen[0]["request"]["codeParameter"], "{####}");

        // A message without the code placeholder is refused, and the sign-up with it.
        let lost = app
            .cognito
            .sign_up()
            .client_id(&c)
            .username("careless")
            .password(PASSWORD)
            .user_attributes(attr("email", "careless@example.com"))
            .user_attributes(attr("name", "Careless"))
            .send()
            .await;
        crate::assert_aws_error!(lost, "InvalidLambdaResponseException");
        assert!(!exists(&app, &pool, "careless").await);

        // An invitation: {username} and {####} filled with the name and temporary password.
        let invited = format!("lee-{via:?}@example.com");
        app.cognito
            .admin_create_user()
            .user_pool_id(&pool)
            .username("lee")
            .temporary_password("Temp-Pass-123")
            .user_attributes(attr("email", &invited))
            .desired_delivery_mediums(
                aws_sdk_cognitoidentityprovider::types::DeliveryMediumType::Email,
            )
            .send()
            .await
            .unwrap();
        let mail = app.smtp.to(&invited).pop().unwrap();
        assert!(
            mail.data.contains("Subject: Your Mosaic account"),
            "{}",
            mail.data
        );
        assert!(
            mail.text()
                .contains("Welcome lee, your temporary password is Temp-Pass-123."),
            "{}",
            mail.text()
        );
    }
}

async fn custom_message_words_confirmation_links(db: Backend) {
    use aws_sdk_cognitoidentityprovider::types::{
        DefaultEmailOptionType, VerificationMessageTemplateType, VerifiedAttributeType,
    };
    let app = trigger_app(db).await;
    let pool = crate::account_helpers::pool_with(&app, |b| {
        b.auto_verified_attributes(VerifiedAttributeType::Email)
            .verification_message_template(
                VerificationMessageTemplateType::builder()
                    .default_email_option(DefaultEmailOptionType::ConfirmWithLink)
                    .build(),
            )
            .lambda_config(
                LambdaConfigType::builder()
                    .custom_message(target(Via::Lambda, "custom_message"))
                    .build(),
            )
    })
    .await;
    let (c, _) = client(&app, &pool, false, false).await;
    app.cognito
        .sign_up()
        .client_id(&c)
        .username("linda")
        .password(PASSWORD)
        .user_attributes(attr("email", "linda@example.com"))
        .user_attributes(attr("name", "Linda"))
        .send()
        .await
        .unwrap();
    let mail = app.smtp.to("linda@example.com").pop().unwrap();
    let text = mail.text();
    assert!(
        text.contains("Subject: Confirm your Mosaic account"),
        "{text}"
    );
    assert!(text.contains("Hi Linda, Click Here: http"), "{text}");
    assert!(text.contains(">Click Here</a>"), "{text}");
    assert!(text.contains("confirmUser?client_id"), "{text}");
}

both_databases!(
    custom_message_words_confirmation_links,
    custom_message_words_the_codes,
    pre_sign_up_refuses_confirms_and_verifies,
    admin_create_user_runs_pre_sign_up,
    post_confirmation_runs_after_the_confirmation_is_stored,
    faults_give_cognitos_errors_and_leave_nothing_behind,
    a_webhook_signed_with_another_secret_is_refused_by_the_receiver,
    invalid_lambda_config_is_refused,
);
