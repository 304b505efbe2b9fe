//! The rules between app-client members, through the AWS SDK: redirect URLs, OAuth flows and
//! scopes, identity providers, attributes, auth flows and token validity.

use crate::both_databases;
use crate::helpers::{Backend, spawn_app};
use aws_sdk_cognitoidentityprovider::types::{
    ExplicitAuthFlowsType, OAuthFlowType, ResourceServerScopeType, TimeUnitsType,
    TokenValidityUnitsType,
};

async fn redirect_urls_follow_the_rules(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    for ok in [
        "http://localhost/cb",
        "http://localhost:8080/cb",
        "http://127.0.0.1:5000/callback",
        "myapp://cb",
        "https://app.example.com/cb?x=1",
    ] {
        let r = app
            .cognito
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("ok")
            .callback_urls(ok)
            .logout_urls(ok)
            .send()
            .await;
        assert!(r.is_ok(), "{ok}: {r:?}");
    }
    for (bad, why) in [
        ("http://example.com/cb", "https is required"),
        ("https://app.example.com/cb#fragment", "fragment"),
        ("javascript:alert(1)", "scheme"),
        ("/relative", "absolute"),
    ] {
        let r = app
            .cognito
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("bad")
            .callback_urls(bad)
            .send()
            .await;
        let message = crate::assert_aws_error!(r, "InvalidParameterException");
        assert!(message.contains(bad) && message.contains(why), "{message}");
        let r = app
            .cognito
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("bad")
            .logout_urls(bad)
            .send()
            .await;
        crate::assert_aws_error!(r, "InvalidParameterException");
    }
    let r = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("bad")
        .callback_urls("https://a.example.com/cb")
        .default_redirect_uri("https://b.example.com/cb")
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(message.contains("DefaultRedirectURI"), "{message}");
    let mut many = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("many");
    for i in 0..101 {
        many = many.callback_urls(format!("https://app.example.com/{i}"));
    }
    crate::assert_aws_error!(many.send().await, "InvalidParameterException");
}

async fn oauth_flows_and_scopes_follow_the_rules(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    app.cognito
        .create_resource_server()
        .user_pool_id(&pool)
        .identifier("api")
        .name("API")
        .scopes(
            ResourceServerScopeType::builder()
                .scope_name("read")
                .scope_description("read")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let m2m = || {
        app.cognito
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("m2m")
            .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
            .allowed_o_auth_flows_user_pool_client(true)
    };
    let ok = m2m()
        .generate_secret(true)
        .allowed_o_auth_scopes("api/read")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ok.user_pool_client().unwrap().allowed_o_auth_scopes(),
        &["api/read"]
    );
    let r = m2m().allowed_o_auth_scopes("api/read").send().await;
    let message = crate::assert_aws_error!(r, "InvalidOAuthFlowException");
    assert_eq!(
        message,
        "client_credentials flow can not be selected if client does not have a client secret."
    );
    let r = m2m()
        .generate_secret(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("api/read")
        .callback_urls("https://app.example.com/cb")
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidOAuthFlowException");
    let r = m2m()
        .generate_secret(true)
        .allowed_o_auth_scopes("openid")
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidOAuthFlowException");
    let r = m2m()
        .generate_secret(true)
        .allowed_o_auth_scopes("api/write")
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "ScopeDoesNotExistException");
    assert_eq!(message, "Invalid scope requested: api/write");
    let r = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("other/read")
        .allowed_o_auth_flows_user_pool_client(true)
        .callback_urls("https://app.example.com/cb")
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "ScopeDoesNotExistException");
    assert_eq!(message, "Invalid scope requested: other/read");
    let r = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .allowed_o_auth_flows_user_pool_client(true)
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidOAuthFlowException");
    let web = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_flows(OAuthFlowType::Implicit)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("aws.cognito.signin.user.admin")
        .allowed_o_auth_scopes("api/read")
        .allowed_o_auth_flows_user_pool_client(true)
        .callback_urls("https://app.example.com/cb")
        .send()
        .await;
    assert!(web.is_ok(), "{web:?}");
}

async fn providers_attributes_and_auth_flows(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let new = || {
        app.cognito
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("c")
    };
    let r = new().supported_identity_providers("Google").send().await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert_eq!(
        message,
        format!("The provider Google does not exist for User Pool {pool}")
    );
    let r = new().read_attributes("custom:nope").send().await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(message.contains("custom:nope"), "{message}");
    let r = new().write_attributes("sub").send().await;
    crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(new().read_attributes("sub").send().await.is_ok());
    let r = new()
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AdminNoSrpAuth)
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(message.contains("ALLOW_"), "{message}");
    let r = new()
        .explicit_auth_flows(ExplicitAuthFlowsType::from("ALLOW_EVERYTHING"))
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(message.contains("explicitAuthFlows"), "{message}");
    let legacy = new()
        .explicit_auth_flows(ExplicitAuthFlowsType::AdminNoSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::UserPasswordAuth)
        .send()
        .await
        .unwrap();
    assert_eq!(
        legacy.user_pool_client().unwrap().explicit_auth_flows(),
        &[
            ExplicitAuthFlowsType::AdminNoSrpAuth,
            ExplicitAuthFlowsType::UserPasswordAuth
        ]
    );
}

async fn token_validity_ranges(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("p").await;
    let new = || {
        app.cognito
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("c")
    };
    let minutes = |access, id, refresh| {
        TokenValidityUnitsType::builder()
            .access_token(access)
            .id_token(id)
            .refresh_token(refresh)
            .build()
    };
    let r = new()
        .access_token_validity(4)
        .token_validity_units(minutes(
            TimeUnitsType::Minutes,
            TimeUnitsType::Minutes,
            TimeUnitsType::Days,
        ))
        .send()
        .await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(message.contains("AccessTokenValidity"), "{message}");
    let r = new().id_token_validity(25).send().await;
    let message = crate::assert_aws_error!(r, "InvalidParameterException");
    assert!(message.contains("IdTokenValidity"), "{message}");
    let r = new().refresh_token_validity(3651).send().await;
    crate::assert_aws_error!(r, "InvalidParameterException");
    let r = new()
        .refresh_token_validity(59)
        .token_validity_units(minutes(
            TimeUnitsType::Hours,
            TimeUnitsType::Hours,
            TimeUnitsType::Minutes,
        ))
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");
    for bad in [2, 16] {
        let r = new().auth_session_validity(bad).send().await;
        crate::assert_aws_error!(r, "InvalidParameterException");
    }
    let ok = new()
        .access_token_validity(1)
        .id_token_validity(24)
        .refresh_token_validity(3650)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let units = ok.token_validity_units().unwrap();
    assert_eq!(units.access_token(), Some(&TimeUnitsType::Hours));
    assert_eq!(units.refresh_token(), Some(&TimeUnitsType::Days));
    assert_eq!(ok.refresh_token_validity(), 3650);
}

both_databases!(
    redirect_urls_follow_the_rules,
    oauth_flows_and_scopes_follow_the_rules,
    providers_attributes_and_auth_flows,
    token_validity_ranges,
);
