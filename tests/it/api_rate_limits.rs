//! Per-IP rate limits on the unauthenticated actions: counted in the database, per action
//! group, reset by the next window, off with 0, and keyed on X-Forwarded-For only when the
//! operator says a proxy sets it.

use crate::both_databases;
use crate::helpers::{AppOptions, Backend, spawn_app_with};

both_databases!(
    public_actions_are_limited_per_ip,
    forwarded_for_is_used_only_when_trusted
);

fn options(limit: &str, trust: bool) -> AppOptions {
    AppOptions {
        env: vec![
            ("TESSERA_RATE_LIMIT_PER_IP".into(), limit.into()),
            ("TESSERA_TRUST_FORWARDED_FOR".into(), trust.to_string()),
        ],
        ..Default::default()
    }
}

async fn initiate(app: &crate::helpers::TestApp) -> Result<(), String> {
    let r = app
        .cognito
        .initiate_auth()
        .client_id("nosuchclient")
        .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "u")
        .auth_parameters("PASSWORD", "p")
        .send()
        .await;
    match r {
        Ok(_) => Ok(()),
        Err(e) => Err(crate::helpers::error_code(&e)),
    }
}

async fn public_actions_are_limited_per_ip(backend: Backend) {
    let app = spawn_app_with(backend, options("3", false)).await;
    for _ in 0..3 {
        assert_eq!(
            initiate(&app).await.unwrap_err(),
            "ResourceNotFoundException"
        );
    }
    assert_eq!(
        initiate(&app).await.unwrap_err(),
        "TooManyRequestsException"
    );
    // Another group is counted apart; admin actions are not limited.
    let r = app
        .cognito
        .forgot_password()
        .client_id("nosuchclient")
        .username("u")
        .send()
        .await;
    assert!(crate::helpers::error_code(&r.unwrap_err()) != "TooManyRequestsException");
    app.cognito
        .list_user_pools()
        .max_results(10)
        .send()
        .await
        .unwrap();
    // The next minute is a new window.
    app.services.clock.advance(60_000);
    assert_eq!(
        initiate(&app).await.unwrap_err(),
        "ResourceNotFoundException"
    );

    let off = spawn_app_with(backend, options("0", false)).await;
    for _ in 0..10 {
        assert_eq!(
            initiate(&off).await.unwrap_err(),
            "ResourceNotFoundException"
        );
    }
}

async fn raw_initiate(app: &crate::helpers::TestApp, forwarded: &str) -> String {
    let resp = app
        .http
        .post(format!("{}/", app.address))
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "AWSCognitoIdentityProviderService.InitiateAuth")
        .header("x-forwarded-for", forwarded)
        .body(r#"{"ClientId":"nosuchclient","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"u","PASSWORD":"p"}}"#)
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = resp.json().await.unwrap();
    body["__type"].as_str().unwrap_or_default().to_string()
}

async fn forwarded_for_is_used_only_when_trusted(backend: Backend) {
    let trusted = spawn_app_with(backend, options("2", true)).await;
    for _ in 0..2 {
        assert_eq!(
            raw_initiate(&trusted, "9.9.9.9, 10.0.0.1").await,
            "ResourceNotFoundException"
        );
    }
    assert_eq!(
        raw_initiate(&trusted, "9.9.9.9, 10.0.0.1").await,
        "TooManyRequestsException"
    );
    // Another client behind the same proxy has its own budget.
    assert_eq!(
        raw_initiate(&trusted, "9.9.9.9, 10.0.0.2").await,
        "ResourceNotFoundException"
    );

    // Untrusted: the header is ignored, so changing it does not buy more calls.
    let untrusted = spawn_app_with(backend, options("2", false)).await;
    for i in 0..2 {
        assert_eq!(
            raw_initiate(&untrusted, &format!("10.0.0.{i}")).await,
            "ResourceNotFoundException"
        );
    }
    assert_eq!(
        raw_initiate(&untrusted, "10.0.0.9").await,
        "TooManyRequestsException"
    );
}
