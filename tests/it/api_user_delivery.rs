//! Where invitations and reset codes go besides email: SMS (to the webhook, or to the outbox
//! when no webhook is configured) with the pool's own InviteMessageTemplate, and CodeDeliveryFailureException when
//! the SMS webhook cannot be reached (the half-created user is not left behind).

use crate::both_databases;
use crate::helpers::{AppOptions, Backend, TestApp, spawn_app, spawn_app_with};
use crate::user_helpers::{attr, create_user, status_of};
use aws_sdk_cognitoidentityprovider::types::{
    AdminCreateUserConfigType, DeliveryMediumType, MessageTemplateType, UserStatusType,
};

/// The SMS messages written to the outbox, as JSON values.
fn outbox_sms(app: &TestApp) -> Vec<serde_json::Value> {
    let Ok(dir) = std::fs::read_dir(app.data_dir.join("outbox")) else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".sms.json"))
        .map(|e| serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap())
        .collect()
}

async fn sms_invitation_uses_the_pool_template(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app
        .cognito
        .create_user_pool()
        .pool_name("sms")
        .admin_create_user_config(
            AdminCreateUserConfigType::builder()
                .invite_message_template(
                    MessageTemplateType::builder()
                        .sms_message("Hi {username}, use {####} to sign in")
                        .email_subject("Welcome aboard")
                        .email_message("Dear {username}: {####}")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    app.cognito
        .admin_create_user()
        .user_pool_id(&pool)
        .username("sam")
        .user_attributes(attr("phone_number", "+15555550100"))
        .user_attributes(attr("email", "sam@example.com"))
        .desired_delivery_mediums(DeliveryMediumType::Sms)
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .temporary_password("Temp0rary!pw")
        .send()
        .await
        .unwrap();
    // Through the SMS webhook, to the test's receiver.
    let sms = app.sms.messages();
    assert_eq!(sms.len(), 1);
    assert_eq!(sms[0]["to"], "+15555550100");
    assert_eq!(sms[0]["kind"], "invitation");
    assert_eq!(sms[0]["pool_id"], pool.as_str());
    assert_eq!(sms[0]["message"], "Hi sam, use Temp0rary!pw to sign in");
    let mail = app.smtp.to("sam@example.com");
    assert_eq!(mail.len(), 1);
    let text = mail[0].text();
    assert!(text.contains("Subject: Welcome aboard"), "{text}");
    assert!(text.contains("Dear sam: Temp0rary!pw"), "{text}");
}

async fn reset_code_by_sms(db: Backend) {
    // No SMS webhook configured: the message goes to the outbox.
    let options = AppOptions {
        env: vec![("TESSERA_SMS_WEBHOOK_URL".into(), String::new())],
        ..Default::default()
    };
    let app = spawn_app_with(db, options).await;
    let pool = app.create_pool("p").await;
    let attrs = [
        ("phone_number", "+15555550111"),
        ("phone_number_verified", "true"),
    ];
    create_user(&app, &pool, "pat", &attrs).await;
    app.cognito
        .admin_reset_user_password()
        .user_pool_id(&pool)
        .username("pat")
        .send()
        .await
        .unwrap();
    let sms = outbox_sms(&app);
    assert_eq!(sms.len(), 1);
    assert!(app.sms.messages().is_empty());
    assert_eq!(sms[0]["kind"], "reset");
    let message = sms[0]["message"].as_str().unwrap();
    let digits: String = message.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(digits.len(), 6, "{message}");
    assert_eq!(
        status_of(&app, &pool, "pat").await.0,
        UserStatusType::ResetRequired
    );
}

async fn unreachable_sms_is_a_delivery_failure(db: Backend) {
    let options = AppOptions {
        env: vec![(
            "TESSERA_SMS_WEBHOOK_URL".into(),
            "http://127.0.0.1:9/sms".into(),
        )],
        ..Default::default()
    };
    let app = spawn_app_with(db, options).await;
    let pool = app.create_pool("p").await;
    let r = app
        .cognito
        .admin_create_user()
        .user_pool_id(&pool)
        .username("lost")
        .user_attributes(attr("phone_number", "+15555550122"))
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

    // A reset code that cannot be delivered leaves the user as they were.
    let attrs = [
        ("phone_number", "+15555550144"),
        ("phone_number_verified", "true"),
    ];
    create_user(&app, &pool, "kept", &attrs).await;
    let before = status_of(&app, &pool, "kept").await.0;
    let r = app
        .cognito
        .admin_reset_user_password()
        .user_pool_id(&pool)
        .username("kept")
        .send()
        .await;
    crate::assert_aws_error!(r, "CodeDeliveryFailureException");
    assert_eq!(status_of(&app, &pool, "kept").await.0, before);
}

both_databases!(
    sms_invitation_uses_the_pool_template,
    reset_code_by_sms,
    unreachable_sms_is_a_delivery_failure,
);

/// A pool where email and phone are both sign-in aliases, with `first` holding both, verified.
async fn two_alias_pool(app: &TestApp) -> String {
    let pool = app
        .cognito
        .create_user_pool()
        .pool_name("aliases")
        .alias_attributes(aws_sdk_cognitoidentityprovider::types::AliasAttributeType::Email)
        .alias_attributes(aws_sdk_cognitoidentityprovider::types::AliasAttributeType::PhoneNumber)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let attrs = [
        ("email", "both@example.com"),
        ("email_verified", "true"),
        ("phone_number", "+15555550133"),
        ("phone_number_verified", "true"),
    ];
    create_user(app, &pool, "first", &attrs).await;
    pool
}

fn take_both(app: &TestApp, pool: &str) -> aws_sdk_cognitoidentityprovider::operation::admin_create_user::builders::AdminCreateUserFluentBuilder{
    app.cognito
        .admin_create_user()
        .user_pool_id(pool)
        .username("second")
        .user_attributes(attr("email", "both@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .user_attributes(attr("phone_number", "+15555550133"))
        .user_attributes(attr("phone_number_verified", "true"))
        .force_alias_creation(true)
}

async fn force_alias_moves_every_alias_of_one_holder(db: Backend) {
    let app = spawn_app(db).await;
    let pool = two_alias_pool(&app).await;
    take_both(&app, &pool)
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let a = crate::user_helpers::attrs_of(&app, &pool, "first").await;
    assert_eq!(
        crate::user_helpers::value(&a, "email_verified").as_deref(),
        Some("false")
    );
    assert_eq!(
        crate::user_helpers::value(&a, "phone_number_verified").as_deref(),
        Some("false")
    );
}

async fn failed_invitation_leaves_no_trace(db: Backend) {
    let options = AppOptions {
        env: vec![(
            "TESSERA_SMS_WEBHOOK_URL".into(),
            "http://127.0.0.1:9/sms".into(),
        )],
        ..Default::default()
    };
    let app = spawn_app_with(db, options).await;
    let pool = two_alias_pool(&app).await;
    let r = take_both(&app, &pool)
        .desired_delivery_mediums(DeliveryMediumType::Sms)
        .send()
        .await;
    crate::assert_aws_error!(r, "CodeDeliveryFailureException");
    let a = crate::user_helpers::attrs_of(&app, &pool, "first").await;
    assert_eq!(
        crate::user_helpers::value(&a, "email_verified").as_deref(),
        Some("true")
    );
    assert_eq!(
        crate::user_helpers::value(&a, "phone_number_verified").as_deref(),
        Some("true")
    );
    let signed_in_as = app
        .cognito
        .admin_get_user()
        .user_pool_id(&pool)
        .username("both@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        signed_in_as.username(),
        "first",
        "the alias still leads to the first user"
    );
}

mod alias_moves {
    use super::*;
    both_databases!(
        force_alias_moves_every_alias_of_one_holder,
        failed_invitation_leaves_no_trace
    );
}
