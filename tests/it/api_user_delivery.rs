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
}

both_databases!(
    sms_invitation_uses_the_pool_template,
    reset_code_by_sms,
    unreachable_sms_is_a_delivery_failure,
);
