//! App clients through the AWS SDK: defaults, secrets, every setting, full-replace update, URL,
//! flow and scope rules, not-found errors, pagination, and clients going with their pool.

use crate::both_databases;
use crate::helpers::{Backend, ReplaceBody, TestApp, spawn_app};
use aws_sdk_cognitoidentityprovider::types::{
    AnalyticsConfigurationType, ExplicitAuthFlowsType, FeatureType, OAuthFlowType,
    PreventUserExistenceErrorTypes, RefreshTokenRotationType, ResourceServerScopeType,
    TimeUnitsType, TokenValidityUnitsType, UserPoolClientType,
};

pub(crate) async fn create(app: &TestApp, pool: &str, name: &str) -> UserPoolClientType {
    app.cognito
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name(name)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
}

async fn describe(app: &TestApp, pool: &str, client: &str) -> UserPoolClientType {
    app.cognito
        .describe_user_pool_client()
        .user_pool_id(pool)
        .client_id(client)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
}

async fn add_api_server(app: &TestApp, pool: &str) {
    app.cognito
        .create_resource_server()
        .user_pool_id(pool)
        .identifier("https://api.example.com")
        .name("API")
        .scopes(scope("read"))
        .scopes(scope("write"))
        .send()
        .await
        .unwrap();
}

fn scope(name: &str) -> ResourceServerScopeType {
    ResourceServerScopeType::builder()
        .scope_name(name)
        .scope_description(format!("{name} things"))
        .build()
        .unwrap()
}

fn assert_defaults(c: &UserPoolClientType) {
    assert_eq!(c.access_token_validity(), Some(60));
    assert_eq!(c.id_token_validity(), Some(60));
    assert_eq!(c.refresh_token_validity(), 30);
    let units = c.token_validity_units().unwrap();
    assert_eq!(units.access_token(), Some(&TimeUnitsType::Minutes));
    assert_eq!(units.id_token(), Some(&TimeUnitsType::Minutes));
    assert_eq!(units.refresh_token(), Some(&TimeUnitsType::Days));
    assert_eq!(
        c.explicit_auth_flows(),
        &[
            ExplicitAuthFlowsType::AllowRefreshTokenAuth,
            ExplicitAuthFlowsType::AllowUserSrpAuth,
            ExplicitAuthFlowsType::AllowCustomAuth
        ]
    );
    assert_eq!(
        c.prevent_user_existence_errors(),
        Some(&PreventUserExistenceErrorTypes::Legacy)
    );
    assert_eq!(c.enable_token_revocation(), Some(true));
    assert_eq!(
        c.enable_propagate_additional_user_context_data(),
        Some(false)
    );
    assert_eq!(c.auth_session_validity(), Some(3));
    assert_eq!(c.allowed_o_auth_flows_user_pool_client(), Some(false));
    assert!(c.callback_urls().is_empty() && c.allowed_o_auth_scopes().is_empty());
}

async fn create_and_describe_with_defaults(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let created = create(&app, &pool, "web").await;
    let id = created.client_id().unwrap().to_string();
    assert_eq!(id.len(), 26);
    assert!(
        id.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    );
    assert_eq!(created.user_pool_id(), Some(pool.as_str()));
    assert_eq!(created.client_name(), Some("web"));
    assert_eq!(created.client_secret(), None);
    assert!(created.creation_date().is_some() && created.last_modified_date().is_some());
    assert_defaults(&created);
    let described = describe(&app, &pool, &id).await;
    assert_eq!(described, created);
}

async fn secrets_are_generated_or_given(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let created = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("server")
        .generate_secret(true)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let secret = created.client_secret().unwrap().to_string();
    assert_eq!(secret.len(), 51);
    assert!(
        secret
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    );
    let described = describe(&app, &pool, created.client_id().unwrap()).await;
    assert_eq!(described.client_secret(), Some(secret.as_str()));

    let own = "my_own+secret_value_12345";
    let given = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("own")
        .client_secret(own)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(given.client_secret(), Some(own));

    let r = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("contradiction")
        .generate_secret(false)
        .client_secret(own)
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");
    for bad in ["too-short", "has spaces in it, which are not allowed"] {
        let r = app
            .cognito
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("bad")
            .client_secret(bad)
            .send()
            .await;
        let message = crate::assert_aws_error!(r, "InvalidParameterException");
        assert!(message.contains("clientSecret"), "{message}");
    }
}

async fn every_setting_is_stored_and_described(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    add_api_server(&app, &pool).await;
    let created = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("full")
        .access_token_validity(2)
        .id_token_validity(30)
        .refresh_token_validity(12)
        .token_validity_units(
            TokenValidityUnitsType::builder()
                .access_token(TimeUnitsType::Hours)
                .id_token(TimeUnitsType::Minutes)
                .refresh_token(TimeUnitsType::Hours)
                .build(),
        )
        .read_attributes("email")
        .read_attributes("sub")
        .write_attributes("email")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .supported_identity_providers("COGNITO")
        .callback_urls("https://app.example.com/cb")
        .callback_urls("http://localhost:3000/cb")
        .callback_urls("myapp://cb")
        .logout_urls("https://app.example.com/bye")
        .default_redirect_uri("https://app.example.com/cb")
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("https://api.example.com/read")
        .allowed_o_auth_flows_user_pool_client(true)
        .analytics_configuration(
            AnalyticsConfigurationType::builder()
                .application_id("app-1")
                .user_data_shared(true)
                .build(),
        )
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
        .enable_token_revocation(false)
        .enable_propagate_additional_user_context_data(true)
        .auth_session_validity(10)
        .refresh_token_rotation(
            RefreshTokenRotationType::builder()
                .feature(FeatureType::Enabled)
                .retry_grace_period_seconds(30)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let c = describe(&app, &pool, created.client_id().unwrap()).await;
    assert_eq!(c, created);
    assert_eq!(c.access_token_validity(), Some(2));
    assert_eq!(c.id_token_validity(), Some(30));
    assert_eq!(c.refresh_token_validity(), 12);
    let units = c.token_validity_units().unwrap();
    assert_eq!(units.access_token(), Some(&TimeUnitsType::Hours));
    assert_eq!(units.refresh_token(), Some(&TimeUnitsType::Hours));
    assert_eq!(c.read_attributes(), &["email", "sub"]);
    assert_eq!(c.write_attributes(), &["email"]);
    assert_eq!(
        c.explicit_auth_flows(),
        &[
            ExplicitAuthFlowsType::AllowUserPasswordAuth,
            ExplicitAuthFlowsType::AllowRefreshTokenAuth
        ]
    );
    assert_eq!(c.supported_identity_providers(), &["COGNITO"]);
    assert_eq!(c.callback_urls().len(), 3);
    assert_eq!(c.logout_urls(), &["https://app.example.com/bye"]);
    assert_eq!(c.default_redirect_uri(), Some("https://app.example.com/cb"));
    assert_eq!(c.allowed_o_auth_flows(), &[OAuthFlowType::Code]);
    assert_eq!(
        c.allowed_o_auth_scopes(),
        &["openid", "https://api.example.com/read"]
    );
    assert_eq!(c.allowed_o_auth_flows_user_pool_client(), Some(true));
    assert_eq!(
        c.analytics_configuration().unwrap().application_id(),
        Some("app-1")
    );
    assert_eq!(
        c.prevent_user_existence_errors(),
        Some(&PreventUserExistenceErrorTypes::Enabled)
    );
    assert_eq!(c.enable_token_revocation(), Some(false));
    assert_eq!(
        c.enable_propagate_additional_user_context_data(),
        Some(true)
    );
    assert_eq!(c.auth_session_validity(), Some(10));
    let rotation = c.refresh_token_rotation().unwrap();
    assert_eq!(rotation.feature(), &FeatureType::Enabled);
    assert_eq!(rotation.retry_grace_period_seconds(), Some(30));
}

async fn update_replaces_everything(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let created = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("before")
        .generate_secret(true)
        .access_token_validity(2)
        .callback_urls("https://app.example.com/cb")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
        .auth_session_validity(15)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let id = created.client_id().unwrap();
    let updated = app
        .cognito
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(id)
        .enable_token_revocation(false)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(updated.client_name(), Some("before"));
    assert_eq!(updated.client_secret(), created.client_secret());
    assert_eq!(updated.enable_token_revocation(), Some(false));
    assert_eq!(updated.access_token_validity(), Some(60));
    assert!(updated.callback_urls().is_empty());
    assert_eq!(updated.explicit_auth_flows().len(), 3);
    assert_eq!(
        updated.prevent_user_existence_errors(),
        Some(&PreventUserExistenceErrorTypes::Legacy)
    );
    assert_eq!(updated.auth_session_validity(), Some(3));
    assert_eq!(updated.creation_date(), created.creation_date());
    assert_eq!(describe(&app, &pool, id).await, updated);

    let renamed = app
        .cognito
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(id)
        .client_name("after")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(renamed.client_name(), Some("after"));
    assert_defaults(&renamed);
}

async fn client_name_is_required_and_checked(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let body = format!(r#"{{"UserPoolId": "{pool}"}}"#);
    let r = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("placeholder")
        .customize()
        .interceptor(ReplaceBody(body))
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert_eq!(
        message,
        "1 validation error detected: Value null at 'clientName' failed to satisfy \
         constraint: Member must not be null"
    );
    let r = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("x".repeat(129))
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(message.contains("clientName"), "{message}");
}

both_databases!(
    create_and_describe_with_defaults,
    secrets_are_generated_or_given,
    every_setting_is_stored_and_described,
    update_replaces_everything,
    client_name_is_required_and_checked,
);
