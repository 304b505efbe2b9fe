//! Per-IP rate limits on the unauthenticated actions: counted in the database, per action
//! group, reset by the next window, off with 0, and keyed on X-Forwarded-For only when the
//! operator says a proxy sets it. Sign-ins count their failures only: a backend signing its
//! users in from one address is not capped. Under a flood of sign-ins beyond what the hashing
//! threads can take, the excess is refused at once with TooManyRequestsException, never a 500.

use crate::both_databases;
use crate::helpers::{AppOptions, Backend, spawn_app_with};

both_databases!(
    public_actions_are_limited_per_ip,
    forwarded_for_is_used_only_when_trusted,
    successful_sign_ins_are_not_capped,
    a_sign_in_flood_is_shed_not_queued,
    refused_admin_signatures_are_limited_per_ip,
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

async fn successful_sign_ins_are_not_capped(backend: Backend) {
    use crate::sign_in_helpers::{PASSWORD, password_auth, pool_client_user};
    let app = spawn_app_with(backend, options("3", false)).await;
    let (_, client) = pool_client_user(&app, false).await;
    // Many more successes than the limit, from one address.
    for _ in 0..8 {
        password_auth(&app, &client, "alice", PASSWORD)
            .await
            .unwrap();
    }
    // Failures count: after three, even the right password waits for the next window.
    for _ in 0..3 {
        let e = password_auth(&app, &client, "alice", "Wrong-1")
            .await
            .unwrap_err();
        assert_eq!(crate::helpers::error_code(&e), "NotAuthorizedException");
    }
    let e = password_auth(&app, &client, "alice", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(crate::helpers::error_code(&e), "TooManyRequestsException");
    app.services.clock.advance(60_000);
    password_auth(&app, &client, "alice", PASSWORD)
        .await
        .unwrap();
}

async fn a_sign_in_flood_is_shed_not_queued(backend: Backend) {
    use crate::sign_in_helpers::{PASSWORD, password_auth, pool_client_user};
    let mut flood = options("0", false);
    flood.env.extend([
        ("TESSERA_HASH_CONCURRENCY".into(), "1".into()),
        ("TESSERA_HASH_QUEUE".into(), "1".into()),
    ]);
    let app = spawn_app_with(backend, flood).await;
    let (_, client) = pool_client_user(&app, false).await;
    let mut attempts = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let (cognito, client) = (app.cognito.clone(), client.clone());
        attempts.spawn(async move {
            cognito
                .initiate_auth()
                .client_id(client)
                .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::UserPasswordAuth)
                .auth_parameters("USERNAME", "alice")
                .auth_parameters("PASSWORD", PASSWORD)
                .send()
                .await
        });
    }
    let mut signed_in = 0;
    let mut shed = 0;
    while let Some(r) = attempts.join_next().await {
        match r.unwrap() {
            Ok(_) => signed_in += 1,
            Err(e) => {
                assert_eq!(crate::helpers::error_code(&e), "TooManyRequestsException");
                shed += 1;
            }
        }
    }
    assert!(
        signed_in >= 1 && shed >= 1,
        "{signed_in} signed in, {shed} shed"
    );
    // Shed attempts are not failures: the user is not locked out, the next sign-in works.
    password_auth(&app, &client, "alice", PASSWORD)
        .await
        .unwrap();
}

async fn refused_admin_signatures_are_limited_per_ip(backend: Backend) {
    use crate::helpers::{ADMIN_KEY_ID, error_code, sdk_client};
    let app = spawn_app_with(backend, options("3", false)).await;
    // Signed calls that succeed are not counted.
    for _ in 0..5 {
        app.cognito
            .list_user_pools()
            .max_results(5)
            .send()
            .await
            .unwrap();
    }
    let forger = sdk_client(
        &app.address,
        ADMIN_KEY_ID,
        "not-the-secret-0000000000000000000000000",
    );
    for _ in 0..3 {
        let e = forger
            .list_user_pools()
            .max_results(5)
            .send()
            .await
            .unwrap_err();
        assert_eq!(error_code(&e), "InvalidSignatureException");
    }
    // Past the limit the address is refused, even with the right key, and no more is audited.
    app.services.audit.flush().await;
    let audited = app
        .services
        .store
        .audit_events_since(0, 0, 10_000)
        .await
        .unwrap()
        .len();
    let e = forger
        .list_user_pools()
        .max_results(5)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&e), "TooManyRequestsException");
    let e = app
        .cognito
        .list_user_pools()
        .max_results(5)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&e), "TooManyRequestsException");
    app.services.audit.flush().await;
    let after = app
        .services
        .store
        .audit_events_since(0, 0, 10_000)
        .await
        .unwrap()
        .len();
    assert_eq!(after, audited);
    // The next window is open again.
    app.services.clock.advance(60_000);
    app.cognito
        .list_user_pools()
        .max_results(5)
        .send()
        .await
        .unwrap();
}
