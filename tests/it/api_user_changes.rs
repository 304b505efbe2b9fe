//! Changing existing users through the AWS SDK: AdminUpdateUserAttributes (verified flags,
//! immutability, alias clashes and ForceAliasCreation), AdminDeleteUserAttributes,
//! AdminDisableUser / AdminEnableUser / AdminDeleteUser, AdminSetUserPassword,
//! AdminResetUserPassword and AdminConfirmSignUp.

use crate::api_users::{attr, create_user, insert_unconfirmed};
use crate::both_databases;
use crate::helpers::{Backend, TestApp, spawn_app};
use aws_sdk_cognitoidentityprovider::types::{
    AliasAttributeType, AttributeDataType, MessageActionType, SchemaAttributeType, UserStatusType,
};
use tessera::store::users::UserKey;

async fn attrs_of(app: &TestApp, pool: &str, username: &str) -> Vec<(String, String)> {
    app.cognito
        .admin_get_user()
        .user_pool_id(pool)
        .username(username)
        .send()
        .await
        .unwrap()
        .user_attributes()
        .iter()
        .map(|a| {
            (
                a.name().to_string(),
                a.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn value(attrs: &[(String, String)], name: &str) -> Option<String> {
    attrs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

async fn status_of(app: &TestApp, pool: &str, username: &str) -> (UserStatusType, bool) {
    let u = app
        .cognito
        .admin_get_user()
        .user_pool_id(pool)
        .username(username)
        .send()
        .await
        .unwrap();
    (u.user_status().unwrap().clone(), u.enabled())
}

async fn update_attributes(db: Backend) {
    let app = spawn_app(db).await;
    let immutable = SchemaAttributeType::builder()
        .name("tenant")
        .attribute_data_type(AttributeDataType::String)
        .mutable(false)
        .build();
    let pool = app
        .cognito
        .create_user_pool()
        .pool_name("p")
        .schema(immutable)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    create_user(
        &app,
        &pool,
        "jane",
        &[("email", "a@example.com"), ("custom:tenant", "t1")],
    )
    .await;
    let update = |attrs: Vec<(&str, &str)>| {
        let mut r = app
            .cognito
            .admin_update_user_attributes()
            .user_pool_id(&pool)
            .username("jane");
        for (n, v) in attrs {
            r = r.user_attributes(attr(n, v));
        }
        r.send()
    };
    update(vec![("email_verified", "true"), ("given_name", "Jane")])
        .await
        .unwrap();
    let a = attrs_of(&app, &pool, "jane").await;
    assert_eq!(value(&a, "email_verified").as_deref(), Some("true"));
    assert_eq!(value(&a, "given_name").as_deref(), Some("Jane"));

    update(vec![("email", "b@example.com")]).await.unwrap();
    let a = attrs_of(&app, &pool, "jane").await;
    assert_eq!(value(&a, "email").as_deref(), Some("b@example.com"));
    assert_eq!(value(&a, "email_verified").as_deref(), Some("false"));
    update(vec![("email", "c@example.com"), ("email_verified", "true")])
        .await
        .unwrap();
    let a = attrs_of(&app, &pool, "jane").await;
    assert_eq!(value(&a, "email_verified").as_deref(), Some("true"));

    crate::assert_aws_error!(
        update(vec![("custom:tenant", "t2")]).await,
        "InvalidParameterException"
    );
    crate::assert_aws_error!(
        update(vec![("sub", "x")]).await,
        "InvalidParameterException"
    );
    crate::assert_aws_error!(
        update(vec![("email", "nope")]).await,
        "InvalidParameterException"
    );
    crate::assert_aws_error!(
        update(vec![("email_verified", "yes")]).await,
        "InvalidParameterException"
    );
    let r = app
        .cognito
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("ghost")
        .user_attributes(attr("name", "x"))
        .send()
        .await;
    crate::assert_aws_error!(r, "UserNotFoundException");
}

async fn aliases_are_unique(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app
        .cognito
        .create_user_pool()
        .pool_name("alias")
        .alias_attributes(AliasAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    create_user(
        &app,
        &pool,
        "first",
        &[("email", "x@example.com"), ("email_verified", "true")],
    )
    .await;
    // An alias signs in: lookups by the verified email find the user.
    let got = app
        .cognito
        .admin_get_user()
        .user_pool_id(&pool)
        .username("x@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(got.username(), "first");
    // Unverified duplicates are fine; verifying one that is taken is not.
    create_user(&app, &pool, "second", &[("email", "x@example.com")]).await;
    let r = app
        .cognito
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("second")
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await;
    let m = crate::assert_aws_error!(r, "AliasExistsException");
    assert_eq!(m, "An account with the given email already exists.");
    let r = app
        .cognito
        .admin_create_user()
        .user_pool_id(&pool)
        .username("third")
        .user_attributes(attr("email", "x@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await;
    crate::assert_aws_error!(r, "AliasExistsException");
    let r = app
        .cognito
        .admin_create_user()
        .user_pool_id(&pool)
        .username("a@b.co")
        .message_action(MessageActionType::Suppress)
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");
    // ForceAliasCreation moves the alias: the first user's email is no longer verified.
    app.cognito
        .admin_create_user()
        .user_pool_id(&pool)
        .username("third")
        .user_attributes(attr("email", "x@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .force_alias_creation(true)
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let a = attrs_of(&app, &pool, "first").await;
    assert_eq!(value(&a, "email_verified").as_deref(), Some("false"));
    let got = app
        .cognito
        .admin_get_user()
        .user_pool_id(&pool)
        .username("x@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(got.username(), "third");
}

async fn delete_attributes(db: Backend) {
    let app = spawn_app(db).await;
    let required = SchemaAttributeType::builder()
        .name("family_name")
        .attribute_data_type(AttributeDataType::String)
        .required(true)
        .build();
    let pool = app
        .cognito
        .create_user_pool()
        .pool_name("p")
        .schema(required)
        .send()
        .await
        .unwrap();
    let pool = pool.user_pool.unwrap().id.unwrap();
    create_user(
        &app,
        &pool,
        "jane",
        &[("family_name", "Doe"), ("given_name", "Jane")],
    )
    .await;
    let delete = |name: &str| {
        app.cognito
            .admin_delete_user_attributes()
            .user_pool_id(&pool)
            .username("jane")
            .user_attribute_names(name)
            .send()
    };
    delete("given_name").await.unwrap();
    let a = attrs_of(&app, &pool, "jane").await;
    assert_eq!(value(&a, "given_name"), None);
    crate::assert_aws_error!(delete("family_name").await, "InvalidParameterException");
    crate::assert_aws_error!(delete("sub").await, "InvalidParameterException");
    crate::assert_aws_error!(delete("shoe_size").await, "InvalidParameterException");
}

async fn enable_disable_delete(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    create_user(&app, &pool, "jane", &[]).await;
    app.cognito
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("jane")
        .send()
        .await
        .unwrap();
    assert!(!status_of(&app, &pool, "jane").await.1);
    app.cognito
        .admin_enable_user()
        .user_pool_id(&pool)
        .username("jane")
        .send()
        .await
        .unwrap();
    assert!(status_of(&app, &pool, "jane").await.1);
    let r = app
        .cognito
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("ghost")
        .send()
        .await;
    crate::assert_aws_error!(r, "UserNotFoundException");
    let r = app
        .cognito
        .admin_enable_user()
        .user_pool_id(&pool)
        .username("ghost")
        .send()
        .await;
    crate::assert_aws_error!(r, "UserNotFoundException");
    app.cognito
        .admin_delete_user()
        .user_pool_id(&pool)
        .username("jane")
        .send()
        .await
        .unwrap();
    let r = app
        .cognito
        .admin_get_user()
        .user_pool_id(&pool)
        .username("jane")
        .send()
        .await;
    crate::assert_aws_error!(r, "UserNotFoundException");
    let r = app
        .cognito
        .admin_delete_user()
        .user_pool_id(&pool)
        .username("jane")
        .send()
        .await;
    crate::assert_aws_error!(r, "UserNotFoundException");
}

async fn set_password(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    create_user(&app, &pool, "jane", &[]).await;
    let set = |password: &str, permanent: bool| {
        app.cognito
            .admin_set_user_password()
            .user_pool_id(&pool)
            .username("jane")
            .password(password)
            .permanent(permanent)
            .send()
    };
    let m = crate::assert_aws_error!(
        set("alllowercase1!", true).await,
        "InvalidPasswordException"
    );
    assert_eq!(
        m,
        "Password did not conform with policy: Password must have uppercase characters"
    );
    set("Perm4nent!pw", true).await.unwrap();
    assert_eq!(
        status_of(&app, &pool, "jane").await.0,
        UserStatusType::Confirmed
    );
    let user = app
        .services
        .store
        .get_user_by(&pool, UserKey::Username, "jane")
        .await
        .unwrap()
        .unwrap();
    assert!(
        app.services
            .hasher
            .verify("Perm4nent!pw", &user.password_hash.unwrap())
            .await
            .unwrap()
    );
    set("Temp0rary!pw", false).await.unwrap();
    assert_eq!(
        status_of(&app, &pool, "jane").await.0,
        UserStatusType::ForceChangePassword
    );
    let r = app
        .cognito
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("ghost")
        .password("Perm4nent!pw")
        .send()
        .await;
    crate::assert_aws_error!(r, "UserNotFoundException");
}

async fn reset_password(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    create_user(
        &app,
        &pool,
        "nocontact",
        &[("email", "unverified@example.com")],
    )
    .await;
    let r = app
        .cognito
        .admin_reset_user_password()
        .user_pool_id(&pool)
        .username("nocontact")
        .send()
        .await;
    let m = crate::assert_aws_error!(r, "InvalidParameterException");
    assert_eq!(
        m,
        "Cannot reset password for the user as there is no registered/verified email or phone_number"
    );
    assert_eq!(
        status_of(&app, &pool, "nocontact").await.0,
        UserStatusType::ForceChangePassword
    );

    create_user(
        &app,
        &pool,
        "jane",
        &[("email", "jane@example.com"), ("email_verified", "true")],
    )
    .await;
    app.cognito
        .admin_reset_user_password()
        .user_pool_id(&pool)
        .username("jane")
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_of(&app, &pool, "jane").await.0,
        UserStatusType::ResetRequired
    );
    let mails = app.smtp.to("jane@example.com");
    assert_eq!(mails.len(), 1);
    let text = mails[0].text();
    let code: String = text
        .split("Your verification code is ")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert_eq!(code.len(), 6, "{text}");
    let user = app
        .services
        .store
        .get_user_by(&pool, UserKey::Username, "jane")
        .await
        .unwrap()
        .unwrap();
    let (hash, expires_at, attempts) = app
        .services
        .store
        .get_code(&user.sub, "reset_password")
        .await
        .unwrap()
        .unwrap();
    assert_ne!(hash, code);
    assert!(app.services.hasher.verify(&code, &hash).await.unwrap());
    assert_eq!(expires_at, app.services.now() + 3_600_000);
    assert_eq!(attempts, 0);
    let r = app
        .cognito
        .admin_reset_user_password()
        .user_pool_id(&pool)
        .username("ghost")
        .send()
        .await;
    crate::assert_aws_error!(r, "UserNotFoundException");
}

async fn confirm_sign_up(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    insert_unconfirmed(&app, &pool, "newbie").await;
    assert_eq!(
        status_of(&app, &pool, "newbie").await.0,
        UserStatusType::Unconfirmed
    );
    let confirm = |name: &str| {
        app.cognito
            .admin_confirm_sign_up()
            .user_pool_id(&pool)
            .username(name)
            .send()
    };
    confirm("newbie").await.unwrap();
    assert_eq!(
        status_of(&app, &pool, "newbie").await.0,
        UserStatusType::Confirmed
    );
    let m = crate::assert_aws_error!(confirm("newbie").await, "NotAuthorizedException");
    assert_eq!(m, "User cannot be confirmed. Current status is CONFIRMED");
    create_user(&app, &pool, "invited", &[]).await;
    let m = crate::assert_aws_error!(confirm("invited").await, "NotAuthorizedException");
    assert_eq!(
        m,
        "User cannot be confirmed. Current status is FORCE_CHANGE_PASSWORD"
    );
    crate::assert_aws_error!(confirm("ghost").await, "UserNotFoundException");
}

both_databases!(
    update_attributes,
    aliases_are_unique,
    delete_attributes,
    enable_disable_delete,
    set_password,
    reset_password,
    confirm_sign_up,
);
