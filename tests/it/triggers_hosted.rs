//! Triggers on the hosted pages and the OAuth endpoints: a PreAuthentication refusal shown on
//! the sign-in page, a legacy user migrated by signing in there, PreTokenGeneration V2 in the
//! tokens of the code grant (`TokenGeneration_HostedAuth`), and V3 in client_credentials
//! tokens (`TokenGeneration_ClientCredentials`).

use crate::both_databases;
use crate::helpers::{Backend, TestApp};
use crate::tokens_helpers::payload;
use crate::trigger_helpers::{Via, events, target, trigger_app};
use crate::ui_helpers::*;
use aws_sdk_cognitoidentityprovider::types::{
    LambdaConfigType, OAuthFlowType, PreTokenGenerationLambdaVersionType,
    PreTokenGenerationVersionConfigType,
};

async fn hosted_pool(app: &TestApp, config: LambdaConfigType) -> Hosted {
    let pool_id = crate::trigger_helpers::pool_with_triggers(app, config).await;
    let client_id = oauth_client(app, &pool_id, "web").await;
    Hosted { pool_id, client_id }
}

fn pre_token(version: PreTokenGenerationLambdaVersionType) -> LambdaConfigType {
    LambdaConfigType::builder()
        .pre_token_generation_config(
            PreTokenGenerationVersionConfigType::builder()
                .lambda_version(version)
                .lambda_arn(target(Via::Lambda, "pre_token_v2"))
                .build()
                .unwrap(),
        )
        .build()
}

async fn token_request(
    app: &TestApp,
    pool_id: &str,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> serde_json::Value {
    let mut request = app
        .http
        .post(format!("{}/{pool_id}/oauth2/token", app.address))
        .form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn pre_authentication_refusal_is_shown_on_the_page(db: Backend) {
    let app = trigger_app(db).await;
    let config = LambdaConfigType::builder()
        .pre_authentication(target(Via::Webhook, "pre_auth"))
        .user_migration(target(Via::Lambda, "migrate"))
        .build();
    let h = hosted_pool(&app, config).await;
    crate::user_helpers::create_user(
        &app,
        &h.pool_id,
        "sam",
        &[("email", "sam@suspended.example")],
    )
    .await;
    crate::sign_in_helpers::set_permanent(&app, &h.pool_id, "sam", PASSWORD).await;
    let query = authorize_query(&h.client_id, &[]);
    let page = sign_in(&app, &browser(), &h.pool_id, &query, "sam", PASSWORD).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("PreAuthentication failed with error This account is suspended."),
        "{}",
        page.body
    );
    // A legacy user signs in on the page and comes back with a code.
    let page = sign_in(
        &app,
        &browser(),
        &h.pool_id,
        &query,
        "legacy-alice",
        "Legacy-Pass-1",
    )
    .await;
    assert_code(&page);
}

async fn hosted_and_machine_tokens_pass_pre_token_generation(db: Backend) {
    let app = trigger_app(db).await;
    let h = hosted_pool(&app, pre_token(PreTokenGenerationLambdaVersionType::V20)).await;
    user(&app, &h.pool_id, "alice").await;
    let query = authorize_query(&h.client_id, &[]);
    let code = assert_code(&sign_in(&app, &browser(), &h.pool_id, &query, "alice", PASSWORD).await);
    let tokens = token_request(
        &app,
        &h.pool_id,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &h.client_id),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ],
        None,
    )
    .await;
    let access = payload(tokens["access_token"].as_str().unwrap());
    assert_eq!(access["source"], "TokenGeneration_HostedAuth");
    assert_eq!(access["scope"], "openid email tessera/extra");
    assert_eq!(
        payload(tokens["id_token"].as_str().unwrap())["plan"],
        "gold"
    );

    // V3 also runs for client_credentials.
    let pool = crate::trigger_helpers::pool_with_triggers(
        &app,
        pre_token(PreTokenGenerationLambdaVersionType::V30),
    )
    .await;
    app.cognito
        .create_resource_server()
        .user_pool_id(&pool)
        .identifier("api")
        .name("api")
        .scopes(
            aws_sdk_cognitoidentityprovider::types::ResourceServerScopeType::builder()
                .scope_name("read")
                .scope_description("read")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let machine = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("machine")
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
        .allowed_o_auth_scopes("api/read")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let (id, secret) = (machine.client_id.unwrap(), machine.client_secret.unwrap());
    let tokens = token_request(
        &app,
        &pool,
        &[("grant_type", "client_credentials")],
        Some((&id, &secret)),
    )
    .await;
    let access = payload(tokens["access_token"].as_str().unwrap());
    assert_eq!(access["source"], "TokenGeneration_ClientCredentials");
    assert_eq!(access["tenant"], "acme");
    assert_eq!(access["client_id"], id.as_str());
    assert_eq!(access["scope"], "api/read tessera/extra");
    let seen = events("pre_token_v2", &pool).await;
    assert_eq!(seen[0]["version"], "3");
    assert_eq!(seen[0]["userName"], id.as_str());
}

both_databases!(
    pre_authentication_refusal_is_shown_on_the_page,
    hosted_and_machine_tokens_pass_pre_token_generation,
);
