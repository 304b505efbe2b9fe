//! Creating and reading users through the AWS SDK: AdminCreateUser with invitations (sent,
//! RESEND, SUPPRESS) and its errors, email-as-username and case-insensitive pools, AdminGetUser.

use crate::both_databases;
use crate::helpers::{Backend, spawn_app};
use crate::user_helpers::{attr, attrs_of, create_user, stored, value};
use aws_sdk_cognitoidentityprovider::types::{
    AttributeDataType, DeliveryMediumType, MessageActionType, SchemaAttributeType, UserStatusType,
    UsernameAttributeType, UsernameConfigurationType,
};

/// The temporary password from an invitation body with the default template.
fn password_in(text: &str) -> String {
    let rest = text.split("temporary password is ").nth(1).unwrap();
    rest.split(". ").next().unwrap().trim().to_string()
}

async fn create_sends_the_invitation(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("users").await;
    let user = app
        .cognito
        .admin_create_user()
        .user_pool_id(&pool)
        .username("jane")
        .user_attributes(attr("email", "jane@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .send()
        .await
        .unwrap()
        .user
        .unwrap();
    assert_eq!(user.username(), Some("jane"));
    assert_eq!(
        user.user_status(),
        Some(&UserStatusType::ForceChangePassword)
    );
    assert!(user.enabled());
    assert!(user.attributes().iter().any(|a| a.name() == "sub"));

    let mails = app.smtp.to("jane@example.com");
    assert_eq!(mails.len(), 1);
    let text = mails[0].text();
    assert!(text.contains("Subject: Your temporary password"), "{text}");
    assert!(
        text.contains("Your username is jane and temporary password is "),
        "{text}"
    );
    let password = password_in(&text);
    let policy = tessera::domain::password_policy::PasswordPolicy::default();
    assert!(policy.check(&password).is_ok(), "{password}");
    let saved = stored(&app, &pool, "jane").await;
    let hash = saved.password_hash.clone().unwrap();
    assert!(app.services.hasher.verify(&password, &hash).await.unwrap());

    let got = app
        .cognito
        .admin_get_user()
        .user_pool_id(&pool)
        .username("jane")
        .send()
        .await
        .unwrap();
    assert_eq!(got.username(), "jane");
    assert_eq!(
        got.user_status(),
        Some(&UserStatusType::ForceChangePassword)
    );
    assert!(got.enabled());
    assert!(got.user_create_date().is_some() && got.user_last_modified_date().is_some());
    assert!(got.mfa_options().is_empty() && got.user_mfa_setting_list().is_empty());
    let attrs = attrs_of(&app, &pool, "jane").await;
    assert_eq!(attrs[0].0, "sub");
    assert_eq!(value(&attrs, "sub").unwrap(), saved.sub);
    assert_eq!(value(&attrs, "email").as_deref(), Some("jane@example.com"));
}

async fn create_errors(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("users").await;
    create_user(&app, &pool, "taken", &[]).await;
    let base = || {
        app.cognito
            .admin_create_user()
            .user_pool_id(&pool)
            .message_action(MessageActionType::Suppress)
    };
    let m = crate::assert_aws_error!(
        base().username("taken").send().await,
        "UsernameExistsException"
    );
    assert_eq!(m, "User account already exists");
    let r = app
        .cognito
        .admin_create_user()
        .user_pool_id("local_nope12345")
        .username("x")
        .send()
        .await;
    let m = crate::assert_aws_error!(r, "ResourceNotFoundException");
    assert_eq!(m, "User pool local_nope12345 does not exist.");
    let r = base()
        .username("weak")
        .temporary_password("short")
        .send()
        .await;
    let m = crate::assert_aws_error!(r, "InvalidPasswordException");
    assert_eq!(
        m,
        "Password did not conform with policy: Password not long enough"
    );
    let r = base()
        .username("bademail")
        .user_attributes(attr("email", "not-an-email"))
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");
    let r = base()
        .username("unknownattr")
        .user_attributes(attr("shoe_size", "9"))
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");
    let r = base().username("has space").send().await;
    crate::assert_aws_error!(r, "InvalidParameterException");

    // Mediums need their attribute; the default medium is SMS.
    let r = app
        .cognito
        .admin_create_user()
        .user_pool_id(&pool)
        .username("nophone")
        .user_attributes(attr("email", "nophone@example.com"))
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");
    let r = app
        .cognito
        .admin_create_user()
        .user_pool_id(&pool)
        .username("nomail")
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");
    let r = app
        .cognito
        .admin_get_user()
        .user_pool_id(&pool)
        .username("nomail")
        .send()
        .await;
    crate::assert_aws_error!(r, "UserNotFoundException");

    let required = app
        .cognito
        .create_user_pool()
        .pool_name("required")
        .schema(
            SchemaAttributeType::builder()
                .name("given_name")
                .attribute_data_type(AttributeDataType::String)
                .required(true)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let r = app
        .cognito
        .admin_create_user()
        .user_pool_id(&required)
        .username("x")
        .message_action(MessageActionType::Suppress)
        .send()
        .await;
    let m = crate::assert_aws_error!(r, "InvalidParameterException");
    assert_eq!(
        m,
        "Attributes did not conform to the schema: given_name: The attribute is required"
    );
}

async fn resend_and_suppress(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("users").await;
    create_user(&app, &pool, "quiet", &[("email", "quiet@example.com")]).await;
    assert!(app.smtp.to("quiet@example.com").is_empty());

    let out = app
        .cognito
        .admin_create_user()
        .user_pool_id(&pool)
        .username("quiet")
        .message_action(MessageActionType::Resend)
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .send()
        .await
        .unwrap();
    assert_eq!(out.user().unwrap().username(), Some("quiet"));
    let mails = app.smtp.to("quiet@example.com");
    assert_eq!(mails.len(), 1);
    let password = password_in(&mails[0].text());
    let hash = stored(&app, &pool, "quiet").await.password_hash.unwrap();
    assert!(app.services.hasher.verify(&password, &hash).await.unwrap());

    let resend = |name: &str| {
        app.cognito
            .admin_create_user()
            .user_pool_id(&pool)
            .username(name)
            .message_action(MessageActionType::Resend)
            .desired_delivery_mediums(DeliveryMediumType::Email)
            .send()
    };
    let m = crate::assert_aws_error!(resend("ghost").await, "UserNotFoundException");
    assert_eq!(m, "User does not exist.");
    app.cognito
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("quiet")
        .password("Perm4nent!pw")
        .permanent(true)
        .send()
        .await
        .unwrap();
    crate::assert_aws_error!(resend("quiet").await, "UnsupportedUserStateException");
}

async fn email_as_username_pool(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app
        .cognito
        .create_user_pool()
        .pool_name("by-email")
        .username_attributes(UsernameAttributeType::Email)
        .username_configuration(
            UsernameConfigurationType::builder()
                .case_sensitive(false)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let out = app
        .cognito
        .admin_create_user()
        .user_pool_id(&pool)
        .username("Jane@Example.com")
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .send()
        .await
        .unwrap();
    let username = out.user().unwrap().username().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&username).is_ok(), "{username}");
    let text = app.smtp.to("Jane@Example.com")[0].text();
    assert!(
        text.contains("Your username is Jane@Example.com and"),
        "{text}"
    );

    let attrs = attrs_of(&app, &pool, "jane@example.com").await;
    assert_eq!(value(&attrs, "sub").unwrap(), username);
    assert_eq!(value(&attrs, "email").as_deref(), Some("Jane@Example.com"));
    let by_sub = app
        .cognito
        .admin_get_user()
        .user_pool_id(&pool)
        .username(&username)
        .send()
        .await
        .unwrap();
    assert_eq!(by_sub.username(), username);

    let again = app
        .cognito
        .admin_create_user()
        .user_pool_id(&pool)
        .username("JANE@example.com")
        .message_action(MessageActionType::Suppress)
        .send()
        .await;
    let m = crate::assert_aws_error!(again, "UsernameExistsException");
    assert_eq!(m, "An account with the given email already exists.");
    let r = app
        .cognito
        .admin_create_user()
        .user_pool_id(&pool)
        .username("plainname")
        .message_action(MessageActionType::Suppress)
        .send()
        .await;
    let m = crate::assert_aws_error!(r, "InvalidParameterException");
    assert_eq!(m, "Username should be either an email or a phone number.");
}

async fn case_sensitivity(db: Backend) {
    let app = spawn_app(db).await;
    let insensitive = app
        .cognito
        .create_user_pool()
        .pool_name("ci")
        .username_configuration(
            UsernameConfigurationType::builder()
                .case_sensitive(false)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    create_user(&app, &insensitive, "Alice", &[]).await;
    let got = app
        .cognito
        .admin_get_user()
        .user_pool_id(&insensitive)
        .username("aLiCe")
        .send()
        .await
        .unwrap();
    assert_eq!(got.username(), "Alice");
    let r = app
        .cognito
        .admin_create_user()
        .user_pool_id(&insensitive)
        .username("ALICE")
        .message_action(MessageActionType::Suppress)
        .send()
        .await;
    crate::assert_aws_error!(r, "UsernameExistsException");

    let sensitive = app.create_pool("cs").await;
    create_user(&app, &sensitive, "Alice", &[]).await;
    create_user(&app, &sensitive, "alice", &[]).await;
    let r = app
        .cognito
        .admin_get_user()
        .user_pool_id(&sensitive)
        .username("ALICE")
        .send()
        .await;
    let m = crate::assert_aws_error!(r, "UserNotFoundException");
    assert_eq!(m, "User does not exist.");
}

both_databases!(
    create_sends_the_invitation,
    create_errors,
    resend_and_suppress,
    email_as_username_pool,
    case_sensitivity,
);
