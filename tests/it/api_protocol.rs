//! The JSON API's framing: targets, bodies, errors, request ids, CORS, health.

use crate::both_databases;
use crate::helpers::{Backend, ReplaceBody, spawn_app};

async fn malformed_requests_get_aws_errors(db: Backend) {
    let app = spawn_app(db).await;
    // Malformed JSON on a signed admin action.
    let result = app
        .cognito
        .list_user_pools()
        .max_results(1)
        .customize()
        .interceptor(crate::helpers::ReplaceBody("{not json".into()))
        .send()
        .await;
    crate::assert_aws_error!(result, "SerializationException");

    let (status, body) = app.raw("NoSuchAction", "{}").await;
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "UnknownOperationException");

    let response = app
        .http
        .post(&app.address)
        .header("x-amz-target", "SomethingElse.ListUserPools")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["__type"], "UnknownOperationException");
}

async fn every_response_has_a_request_id(db: Backend) {
    let app = spawn_app(db).await;
    for path in ["/health", "/ready"] {
        let response = app
            .http
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let id = response
            .headers()
            .get("x-amzn-requestid")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(id.len(), 36);
    }
    let response = app
        .http
        .post(&app.address)
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.ListUserPools",
        )
        .body("{}")
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("x-amzn-requestid").is_some());
    assert_eq!(
        response
            .headers()
            .get("x-amzn-errortype")
            .unwrap()
            .to_str()
            .unwrap()
            .split(':')
            .next(),
        Some("MissingAuthenticationTokenException")
    );
}

async fn browsers_get_cors_preflight(db: Backend) {
    let app = spawn_app(db).await;
    let response = app
        .http
        .request(reqwest::Method::OPTIONS, &app.address)
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let allowed = response
        .headers()
        .get("access-control-allow-headers")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(allowed.contains("x-amz-target"));
}

async fn missing_required_member_is_invalid_parameter(db: Backend) {
    let app = spawn_app(db).await;
    // The SDK will not build a request without its required member: replace the body after
    // the SDK built it and before it signs it.
    let result = app
        .cognito
        .describe_user_pool()
        .user_pool_id("local_x")
        .customize()
        .interceptor(ReplaceBody("{}".into()))
        .send()
        .await;
    let message = crate::assert_aws_error!(result, "InvalidParameterException");
    assert_eq!(
        message,
        "1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null"
    );
    let result = app
        .cognito
        .describe_user_pool()
        .user_pool_id("local_x")
        .customize()
        .interceptor(ReplaceBody(r#"{"UserPoolId": 42}"#.into()))
        .send()
        .await;
    crate::assert_aws_error!(result, "SerializationException");
    let result = app
        .cognito
        .describe_user_pool()
        .user_pool_id("local_x")
        .customize()
        .interceptor(ReplaceBody("[1,2]".into()))
        .send()
        .await;
    crate::assert_aws_error!(result, "SerializationException");
    let missing = app.cognito.list_user_pools().max_results(0).send().await;
    let message = crate::assert_aws_error!(missing, "InvalidParameterException");
    assert!(message.contains("maxResults"), "{message}");
}

both_databases!(
    malformed_requests_get_aws_errors,
    every_response_has_a_request_id,
    browsers_get_cors_preflight,
    missing_required_member_is_invalid_parameter,
);
