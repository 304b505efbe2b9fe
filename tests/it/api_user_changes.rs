//! Changing existing users' attributes through the AWS SDK: AdminUpdateUserAttributes
//! (verified flags, immutability, alias clashes and ForceAliasCreation) and
//! AdminDeleteUserAttributes.

use crate::both_databases;
use crate::helpers::{Backend, spawn_app};
use crate::user_helpers::{attr, attrs_of, create_user, value};
use aws_sdk_cognitoidentityprovider::types::{
    AliasAttributeType, AttributeDataType, MessageActionType, SchemaAttributeType,
};

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

both_databases!(update_attributes, aliases_are_unique, delete_attributes);
