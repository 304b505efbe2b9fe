//! User pools through the AWS SDK: create with every kind of setting, describe, update (full
//! replace), delete with deletion protection, list with pagination, custom attributes, restart.

use crate::both_databases;
use crate::helpers::{AppOptions, Backend, ReplaceBody, spawn_app, spawn_app_with};
use aws_sdk_cognitoidentityprovider::types::{
    AccountRecoverySettingType, AdminCreateUserConfigType, AttributeDataType,
    DeletionProtectionType, MessageTemplateType, PasswordPolicyType, RecoveryOptionNameType,
    RecoveryOptionType, SchemaAttributeType, StringAttributeConstraintsType, UserPoolMfaType,
    UserPoolPolicyType, UsernameAttributeType, UsernameConfigurationType, VerifiedAttributeType,
};

fn custom_string(name: &str) -> SchemaAttributeType {
    SchemaAttributeType::builder()
        .name(name)
        .attribute_data_type(AttributeDataType::String)
        .mutable(true)
        .string_attribute_constraints(
            StringAttributeConstraintsType::builder()
                .min_length("1")
                .max_length("64")
                .build(),
        )
        .build()
}

async fn create_describe_with_settings(db: Backend) {
    let app = spawn_app(db).await;
    let created = app
        .cognito
        .create_user_pool()
        .pool_name("shop users")
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .minimum_length(10)
                        .require_symbols(false)
                        .require_numbers(true)
                        .require_uppercase(true)
                        .require_lowercase(true)
                        .temporary_password_validity_days(3)
                        .build(),
                )
                .build(),
        )
        .username_attributes(UsernameAttributeType::Email)
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .username_configuration(
            UsernameConfigurationType::builder()
                .case_sensitive(false)
                .build()
                .unwrap(),
        )
        .schema(custom_string("tenant"))
        .schema(
            SchemaAttributeType::builder()
                .name("given_name")
                .attribute_data_type(AttributeDataType::String)
                .required(true)
                .mutable(true)
                .build(),
        )
        .admin_create_user_config(
            AdminCreateUserConfigType::builder()
                .allow_admin_create_user_only(true)
                .invite_message_template(
                    MessageTemplateType::builder()
                        .email_subject("Welcome")
                        .email_message("Hello {username}, your password is {####}")
                        .build(),
                )
                .build(),
        )
        .account_recovery_setting(
            AccountRecoverySettingType::builder()
                .recovery_mechanisms(
                    RecoveryOptionType::builder()
                        .name(RecoveryOptionNameType::VerifiedEmail)
                        .priority(1)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .user_pool_tags("team", "identity")
        .deletion_protection(DeletionProtectionType::Inactive)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    let id = created.id().unwrap().to_string();
    assert!(id.starts_with("local_") && id.len() == 15, "{id}");
    assert_eq!(
        created.arn().unwrap(),
        format!("arn:aws:cognito-idp:local:000000000000:userpool/{id}")
    );

    let pool = app.describe_pool(&id).await;
    assert_eq!(pool.name(), Some("shop users"));
    let policy = pool.policies().unwrap().password_policy().unwrap();
    assert_eq!(policy.minimum_length(), Some(10));
    assert!(!policy.require_symbols());
    assert_eq!(policy.temporary_password_validity_days(), 3);
    assert_eq!(pool.username_attributes(), &[UsernameAttributeType::Email]);
    assert!(!pool.username_configuration().unwrap().case_sensitive());
    assert_eq!(pool.mfa_configuration(), Some(&UserPoolMfaType::Off));
    assert_eq!(pool.estimated_number_of_users(), 0);
    let schema = pool.schema_attributes();
    let tenant = schema
        .iter()
        .find(|a| a.name() == Some("custom:tenant"))
        .unwrap();
    assert_eq!(
        tenant.string_attribute_constraints().unwrap().max_length(),
        Some("64")
    );
    let given = schema
        .iter()
        .find(|a| a.name() == Some("given_name"))
        .unwrap();
    assert_eq!(given.required(), Some(true));
    assert!(schema.iter().any(|a| a.name() == Some("email")));
    let invite = pool
        .admin_create_user_config()
        .unwrap()
        .invite_message_template()
        .unwrap();
    assert_eq!(invite.email_subject(), Some("Welcome"));
    assert_eq!(
        pool.user_pool_tags()
            .unwrap()
            .get("team")
            .map(String::as_str),
        Some("identity")
    );
}

async fn invalid_pools_are_refused(db: Backend) {
    let app = spawn_app(db).await;
    let r = app.cognito.create_user_pool().pool_name("").send().await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(message.contains("poolName"), "{message}");

    let r = app
        .cognito
        .create_user_pool()
        .pool_name("both")
        .alias_attributes(aws_sdk_cognitoidentityprovider::types::AliasAttributeType::Email)
        .username_attributes(UsernameAttributeType::Email)
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");

    let mut required_custom = custom_string("x");
    required_custom.required = Some(true);
    let r = app
        .cognito
        .create_user_pool()
        .pool_name("p")
        .schema(required_custom)
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert_eq!(
        message,
        "Required custom attributes are not supported currently."
    );

    let mut builder = app.cognito.create_user_pool().pool_name("many");
    for i in 0..51 {
        builder = builder.schema(custom_string(&format!("a{i}")));
    }
    crate::assert_aws_error!(builder.send().await, "LimitExceededException");

    let r = app
        .cognito
        .create_user_pool()
        .pool_name("short")
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(PasswordPolicyType::builder().minimum_length(4).build())
                .build(),
        )
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");

    let r = app
        .cognito
        .describe_user_pool()
        .user_pool_id("local_doesnotexist")
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "ResourceNotFoundException");
    assert_eq!(message, "User pool local_doesnotexist does not exist.");
}

async fn update_replaces_settings(db: Backend) {
    let app = spawn_app(db).await;
    let id = app.create_pool("p").await;
    app.cognito
        .update_user_pool()
        .user_pool_id(&id)
        .mfa_configuration(UserPoolMfaType::Optional)
        .sms_authentication_message("Code {####}")
        .sms_configuration(
            aws_sdk_cognitoidentityprovider::types::SmsConfigurationType::builder()
                .sns_caller_arn("arn:aws:iam::123456789012:role/sms")
                .build(),
        )
        .user_pool_tags("k", "v")
        .send()
        .await
        .unwrap();
    let pool = app.describe_pool(&id).await;
    assert_eq!(pool.mfa_configuration(), Some(&UserPoolMfaType::Optional));
    assert_eq!(pool.name(), Some("p"), "omitted PoolName keeps the name");

    // Omitted members go back to defaults, as in Cognito.
    app.cognito
        .update_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap();
    let pool = app.describe_pool(&id).await;
    assert_eq!(pool.mfa_configuration(), Some(&UserPoolMfaType::Off));
    assert!(pool.user_pool_tags().map(|t| t.is_empty()).unwrap_or(true));

    // What is fixed at creation cannot be changed (raw request: the SDK has no such member).
    let signed_raw = app
        .cognito
        .update_user_pool()
        .user_pool_id("local_nope")
        .send()
        .await;
    crate::assert_aws_error!(signed_raw, "ResourceNotFoundException");
}

async fn deletion_protection_blocks_delete(db: Backend) {
    let app = spawn_app(db).await;
    let id = app.create_pool("p").await;
    app.cognito
        .update_user_pool()
        .user_pool_id(&id)
        .deletion_protection(DeletionProtectionType::Active)
        .send()
        .await
        .unwrap();
    let r = app
        .cognito
        .delete_user_pool()
        .user_pool_id(&id)
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(message.contains("deletion protection"), "{message}");
    app.cognito
        .update_user_pool()
        .user_pool_id(&id)
        .deletion_protection(DeletionProtectionType::Inactive)
        .send()
        .await
        .unwrap();
    app.cognito
        .delete_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap();
    let r = app
        .cognito
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await;
    crate::assert_aws_error!(r, "ResourceNotFoundException");
    let r = app
        .cognito
        .delete_user_pool()
        .user_pool_id(&id)
        .send()
        .await;
    crate::assert_aws_error!(r, "ResourceNotFoundException");
}

/// The id of the operators' pool the first start made.
async fn operators_pool(app: &crate::helpers::TestApp) -> String {
    let pools = app.services.store.list_pools(None, 10).await.unwrap();
    let ops: Vec<_> = pools
        .iter()
        .filter(|p| p.name == "tessera-operators")
        .collect();
    assert_eq!(ops.len(), 1);
    ops[0].id.clone()
}

async fn list_pages_through_every_pool(db: Backend) {
    let app = spawn_app(db).await;
    // Six new pools and the console's operators' pool.
    let mut ids = vec![operators_pool(&app).await];
    for i in 0..6 {
        ids.push(app.create_pool(&format!("pool{i}")).await);
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = app
            .cognito
            .list_user_pools()
            .max_results(3)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(page.user_pools().len() <= 3);
        seen.extend(
            page.user_pools()
                .iter()
                .map(|p| p.id().unwrap().to_string()),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, 3);
    seen.sort();
    ids.sort();
    assert_eq!(seen, ids);
    let r = app.cognito.list_user_pools().max_results(61).send().await;
    crate::assert_aws_error!(r, "InvalidParameterException");
    let r = app
        .cognito
        .list_user_pools()
        .max_results(3)
        .next_token("%%%")
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");
}

async fn custom_attributes_can_be_added(db: Backend) {
    let app = spawn_app(db).await;
    let id = app.create_pool("p").await;
    app.cognito
        .add_custom_attributes()
        .user_pool_id(&id)
        .custom_attributes(custom_string("plan"))
        .send()
        .await
        .unwrap();
    let pool = app.describe_pool(&id).await;
    assert!(
        pool.schema_attributes()
            .iter()
            .any(|a| a.name() == Some("custom:plan"))
    );
    let again = app
        .cognito
        .add_custom_attributes()
        .user_pool_id(&id)
        .custom_attributes(custom_string("plan"))
        .send()
        .await;
    crate::assert_aws_error!(again, "InvalidParameterException");
}

async fn immutable_settings_refused_on_update(db: Backend) {
    let app = spawn_app(db).await;
    let id = app.create_pool("p").await;
    // The SDK has no UsernameAttributes member on UpdateUserPool; send it signed by going
    // through the SDK's interceptor-free raw path: reuse the SDK to sign an otherwise valid
    // request and check the server-side rule in the domain tests instead. Here: the rule that
    // custom attributes added later are still limited to 50.
    let mut builder = app.cognito.add_custom_attributes().user_pool_id(&id);
    for i in 0..25 {
        builder = builder.custom_attributes(custom_string(&format!("a{i}")));
    }
    builder.send().await.unwrap();
    let mut builder = app.cognito.add_custom_attributes().user_pool_id(&id);
    for i in 25..50 {
        builder = builder.custom_attributes(custom_string(&format!("a{i}")));
    }
    builder.send().await.unwrap();
    let r = app
        .cognito
        .add_custom_attributes()
        .user_pool_id(&id)
        .custom_attributes(custom_string("one_more"))
        .send()
        .await;
    crate::assert_aws_error!(r, "LimitExceededException");
}

async fn restart_keeps_everything(db: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let options = || AppOptions {
        data_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    let app = spawn_app_with(db, options()).await;
    let id = app.create_pool("durable").await;
    let database_url = app.database_url.clone();
    app.stop().await;
    let again = spawn_app_with(
        db,
        AppOptions {
            database_url: Some(database_url),
            ..options()
        },
    )
    .await;
    let pool = again
        .cognito
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(pool.name(), Some("durable"));
}

async fn immutable_members_are_refused_on_update(db: Backend) {
    let app = spawn_app(db).await;
    let id = app.create_pool("p").await;
    for member in [
        r#""UsernameAttributes": ["email"]"#,
        r#""AliasAttributes": ["email"]"#,
        r#""Schema": []"#,
        r#""UsernameConfiguration": {"CaseSensitive": false}"#,
    ] {
        let body = format!(r#"{{"UserPoolId": "{id}", {member}}}"#);
        let result = app
            .cognito
            .update_user_pool()
            .user_pool_id(&id)
            .customize()
            .interceptor(ReplaceBody(body))
            .send()
            .await;
        let message = crate::assert_aws_error!(result, "InvalidParameterException");
        assert!(message.contains("cannot be updated"), "{message}");
    }
}

async fn stale_writes_are_refused(db: Backend) {
    let app = spawn_app(db).await;
    let id = app.create_pool("p").await;
    let stale = app.services.store.get_pool(&id).await.unwrap().unwrap();
    app.cognito
        .add_custom_attributes()
        .user_pool_id(&id)
        .custom_attributes(custom_string("first"))
        .send()
        .await
        .unwrap();
    // A change computed from the copy read before would undo the custom attribute.
    let err = tessera::services::admin::pools::save_pool(&app.services, &stale)
        .await
        .unwrap_err();
    assert_eq!(err.type_name(), "ConcurrentModificationException");
    let pool = app.describe_pool(&id).await;
    assert!(
        pool.schema_attributes()
            .iter()
            .any(|a| a.name() == Some("custom:first"))
    );

    let client = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(&id)
        .client_name("c")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let client_id = client.client_id().unwrap();
    let stale = app
        .services
        .store
        .get_client(&id, client_id)
        .await
        .unwrap()
        .unwrap();
    app.cognito
        .update_user_pool_client()
        .user_pool_id(&id)
        .client_id(client_id)
        .client_name("renamed")
        .send()
        .await
        .unwrap();
    assert!(!app.services.store.update_client(&stale).await.unwrap());
}

both_databases!(
    stale_writes_are_refused,
    create_describe_with_settings,
    invalid_pools_are_refused,
    update_replaces_settings,
    deletion_protection_blocks_delete,
    list_pages_through_every_pool,
    custom_attributes_can_be_added,
    immutable_settings_refused_on_update,
    restart_keeps_everything,
    immutable_members_are_refused_on_update,
);
