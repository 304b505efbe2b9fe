//! SigV4 on admin actions: the real SDK signs; wrong, unknown, stale and missing signatures are
//! refused with AWS's errors; public actions need none.

use crate::both_databases;
use crate::helpers::{ADMIN_KEY_ID, Backend, sdk_client, spawn_app};
use aws_sdk_cognitoidentityprovider as cognito;
use std::time::{Duration, SystemTime};

async fn signed_requests_pass(db: Backend) {
    let app = spawn_app(db).await;
    let listed = app
        .cognito
        .list_user_pools()
        .max_results(10)
        .send()
        .await
        .unwrap();
    // Only the console's operators' pool, made on the first start.
    let names: Vec<_> = listed.user_pools().iter().map(|p| p.name()).collect();
    assert_eq!(names, [Some("tessera-operators")]);
}

async fn wrong_secret_is_invalid_signature(db: Backend) {
    let app = spawn_app(db).await;
    let client = sdk_client(
        &app.address,
        ADMIN_KEY_ID,
        "not-the-right-secret-000000000000000000",
    );
    let result = client.list_user_pools().max_results(10).send().await;
    crate::assert_aws_error!(result, "InvalidSignatureException");
}

async fn unknown_key_is_unrecognized_client(db: Backend) {
    let app = spawn_app(db).await;
    let client = sdk_client(&app.address, "AKIAUNKNOWNKEY000000", "whatever-secret");
    let result = client.list_user_pools().max_results(10).send().await;
    crate::assert_aws_error!(result, "UnrecognizedClientException");
}

async fn stale_signature_is_refused(db: Backend) {
    let app = spawn_app(db).await;
    let past = SystemTime::now() - Duration::from_secs(20 * 60);
    let config = cognito::Config::builder()
        .behavior_version(cognito::config::BehaviorVersion::latest())
        .region(cognito::config::Region::new("local"))
        .credentials_provider(cognito::config::Credentials::new(
            ADMIN_KEY_ID,
            crate::helpers::ADMIN_SECRET,
            None,
            None,
            "t",
        ))
        .endpoint_url(&app.address)
        .time_source(aws_smithy_async::time::StaticTimeSource::new(past))
        .retry_config(cognito::config::retry::RetryConfig::disabled())
        .build();
    let client = cognito::Client::from_conf(config);
    let result = client.list_user_pools().max_results(10).send().await;
    let message = crate::assert_aws_error!(result, "InvalidSignatureException");
    assert!(message.contains("Signature expired"), "{message}");
}

async fn missing_and_incomplete_signatures(db: Backend) {
    let app = spawn_app(db).await;
    let (status, body) = app.raw("ListUserPools", r#"{"MaxResults": 10}"#).await;
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "MissingAuthenticationTokenException");

    let response = app
        .http
        .post(&app.address)
        .header("x-amz-target", "AWSCognitoIdentityProviderService.ListUserPools")
        .header("authorization", "AWS4-HMAC-SHA256 Credential=AKIATESSERATEST00001/20261123/local/cognito-idp/aws4_request")
        .body(r#"{"MaxResults": 10}"#)
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["__type"], "IncompleteSignatureException");
}

/// Rewrites the body after the SDK signed it (same length, one digit changed).
#[derive(Debug)]
struct TamperBody;

impl cognito::config::Intercept for TamperBody {
    fn name(&self) -> &'static str {
        "TamperBody"
    }

    fn modify_before_transmit(
        &self,
        context: &mut cognito::config::interceptors::BeforeTransmitInterceptorContextMut<'_>,
        _components: &cognito::config::RuntimeComponents,
        _cfg: &mut cognito::config::ConfigBag,
    ) -> Result<(), cognito::error::BoxError> {
        let request = context.request_mut();
        let original = request.body().bytes().unwrap().to_vec();
        let tampered = String::from_utf8(original).unwrap().replace("10", "11");
        *request.body_mut() = aws_smithy_types::body::SdkBody::from(tampered);
        Ok(())
    }
}

async fn tampered_body_is_refused(db: Backend) {
    let app = spawn_app(db).await;
    let result = app
        .cognito
        .list_user_pools()
        .max_results(10)
        .customize()
        .interceptor(TamperBody)
        .send()
        .await;
    crate::assert_aws_error!(result, "InvalidSignatureException");
}

/// After signing, changes the action the request names (a replay as another action).
#[derive(Debug)]
struct SwapTarget;

impl cognito::config::Intercept for SwapTarget {
    fn name(&self) -> &'static str {
        "SwapTarget"
    }

    fn modify_before_transmit(
        &self,
        context: &mut cognito::config::interceptors::BeforeTransmitInterceptorContextMut<'_>,
        _components: &cognito::config::RuntimeComponents,
        _cfg: &mut cognito::config::ConfigBag,
    ) -> Result<(), cognito::error::BoxError> {
        context.request_mut().headers_mut().insert(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.DeleteUserPool",
        );
        Ok(())
    }
}

/// After signing, adds a second Authorization header naming another key.
#[derive(Debug)]
struct SecondAuthorization;

impl cognito::config::Intercept for SecondAuthorization {
    fn name(&self) -> &'static str {
        "SecondAuthorization"
    }

    fn modify_before_transmit(
        &self,
        context: &mut cognito::config::interceptors::BeforeTransmitInterceptorContextMut<'_>,
        _components: &cognito::config::RuntimeComponents,
        _cfg: &mut cognito::config::ConfigBag,
    ) -> Result<(), cognito::error::BoxError> {
        context.request_mut().headers_mut().append(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIAOTHERKEY00000000/20261123/local/cognito-idp/aws4_request, SignedHeaders=host, Signature=00",
        );
        Ok(())
    }
}

async fn the_action_is_covered_by_the_signature(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("keep").await;
    let replayed = app
        .cognito
        .describe_user_pool()
        .user_pool_id(&pool)
        .customize()
        .interceptor(SwapTarget)
        .send()
        .await;
    crate::assert_aws_error!(replayed, "InvalidSignatureException");
    app.cognito
        .describe_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();

    let doubled = app
        .cognito
        .list_user_pools()
        .max_results(1)
        .customize()
        .interceptor(SecondAuthorization)
        .send()
        .await;
    crate::assert_aws_error!(doubled, "IncompleteSignatureException");
}

async fn public_actions_need_no_signature(db: Backend) {
    let app = spawn_app(db).await;
    // SignUp is public: with no signature it must get past authentication (to a domain error
    // or, before the sign-up issue lands, to UnknownOperation), never MissingAuthenticationToken.
    let (_, body) = app
        .raw(
            "SignUp",
            r#"{"ClientId": "x", "Username": "u", "Password": "p"}"#,
        )
        .await;
    assert_ne!(body["__type"], "MissingAuthenticationTokenException");
}

both_databases!(
    signed_requests_pass,
    wrong_secret_is_invalid_signature,
    unknown_key_is_unrecognized_client,
    stale_signature_is_refused,
    missing_and_incomplete_signatures,
    tampered_body_is_refused,
    public_actions_need_no_signature,
    the_action_is_covered_by_the_signature,
);
