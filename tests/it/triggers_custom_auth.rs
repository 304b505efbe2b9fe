//! CUSTOM_AUTH through the AWS SDK, with the three challenge functions run by the test Lambda
//! endpoint and as signed webhooks: the question reaches the client, the history reaches the
//! functions, a right answer signs in, three wrong ones fail the sign-in, and a pool without
//! the functions refuses the flow.

use crate::both_databases;
use crate::helpers::{Backend, TestApp};
use crate::sign_in_helpers::{PASSWORD, client_with, set_permanent};
use crate::trigger_helpers::{BOTH, Via, events, pool_with_triggers, target};
use crate::user_helpers::create_user;
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType, LambdaConfigType};

fn custom_auth(via: Via) -> LambdaConfigType {
    LambdaConfigType::builder()
        .define_auth_challenge(target(via, "define_challenge"))
        .create_auth_challenge(target(via, "create_challenge"))
        .verify_auth_challenge_response(target(via, "verify_challenge"))
        .build()
}

/// InitiateAuth with CUSTOM_AUTH for ann.
async fn initiate(
    app: &TestApp,
    client: &str,
) -> Result<
    aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput,
    aws_sdk_cognitoidentityprovider::error::SdkError<
        aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthError,
    >,
> {
    app.cognito
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", "ann")
        .send()
        .await
}

async fn start(app: &TestApp, client: &str) -> (String, String) {
    let out = initiate(app, client).await.unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::CustomChallenge)
    );
    let params = out.challenge_parameters().unwrap();
    assert_eq!(params.get("USERNAME").map(String::as_str), Some("ann"));
    (
        params.get("question").cloned().unwrap(),
        out.session().unwrap().to_string(),
    )
}

async fn answer(
    app: &TestApp,
    client: &str,
    session: &str,
    answer: &str,
) -> Result<
    aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput,
    aws_sdk_cognitoidentityprovider::error::SdkError<
        aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeError,
    >,
>{
    app.cognito
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(ChallengeNameType::CustomChallenge)
        .session(session)
        .challenge_responses("USERNAME", "ann")
        .challenge_responses("ANSWER", answer)
        .send()
        .await
}

async fn custom_challenges_sign_in(db: Backend) {
    let app = crate::trigger_helpers::trigger_app(db).await;
    for via in BOTH {
        let pool = pool_with_triggers(&app, custom_auth(via)).await;
        let (client, _) = client_with(&app, &pool, &["ALLOW_CUSTOM_AUTH"], false, false).await;
        create_user(&app, &pool, "ann", &[("email", "ann@example.com")]).await;
        set_permanent(&app, &pool, "ann", PASSWORD).await;

        let (question, session) = start(&app, &client).await;
        assert_eq!(question, "What is 6 x 7? (round 1)", "{via:?}");
        let wrong = answer(&app, &client, &session, "41").await.unwrap();
        assert_eq!(
            wrong.challenge_name(),
            Some(&ChallengeNameType::CustomChallenge)
        );
        let params = wrong.challenge_parameters().unwrap();
        assert_eq!(params.get("question").unwrap(), "What is 6 x 7? (round 2)");
        // Single use: the first session is spent.
        crate::assert_aws_error!(
            answer(&app, &client, &session, "42").await,
            "NotAuthorizedException"
        );
        let signed_in = answer(&app, &client, wrong.session().unwrap(), "42")
            .await
            .unwrap();
        let tokens = signed_in.authentication_result().unwrap();
        let id = crate::tokens_helpers::payload(tokens.id_token().unwrap());
        assert_eq!(id["cognito:username"], "ann");

        let defined = events("define_challenge", &pool).await;
        assert_eq!(defined.len(), 3);
        assert_eq!(defined[0]["request"]["session"], serde_json::json!([]));
        assert_eq!(
            defined[2]["request"]["session"],
            serde_json::json!([
                {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": false, "challengeMetadata": "QUESTION-1"},
                {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": true, "challengeMetadata": "QUESTION-2"},
            ])
        );
        let verified = events("verify_challenge", &pool).await;
        assert_eq!(
            verified[0]["request"]["privateChallengeParameters"]["answer"],
            "42"
        );
        assert_eq!(verified[0]["request"]["challengeAnswer"], "41");

        // Three wrong answers: the function fails the sign-in.
        let (_, mut session) = start(&app, &client).await;
        for round in 1..=3 {
            let out = answer(&app, &client, &session, "0").await;
            if round < 3 {
                session = out.unwrap().session().unwrap().to_string();
            } else {
                let m = crate::assert_aws_error!(out, "NotAuthorizedException");
                assert_eq!(m, "Incorrect username or password.");
            }
        }
    }
}

async fn custom_auth_needs_the_three_functions_and_the_flow(db: Backend) {
    let app = crate::trigger_helpers::trigger_app(db).await;
    let only_define = LambdaConfigType::builder()
        .define_auth_challenge(target(Via::Lambda, "define_challenge"))
        .build();
    let pool = pool_with_triggers(&app, only_define).await;
    let (client, _) = client_with(&app, &pool, &["ALLOW_CUSTOM_AUTH"], false, false).await;
    create_user(&app, &pool, "ann", &[]).await;
    let out = initiate(&app, &client).await;
    crate::assert_aws_error!(out, "InvalidParameterException");

    let pool = pool_with_triggers(&app, custom_auth(Via::Lambda)).await;
    let (client, _) = client_with(&app, &pool, &["ALLOW_USER_SRP_AUTH"], false, false).await;
    create_user(&app, &pool, "ann", &[]).await;
    let out = initiate(&app, &client).await;
    let m = crate::assert_aws_error!(out, "InvalidParameterException");
    assert_eq!(m, "CUSTOM_AUTH flow not enabled for this client");
}

both_databases!(
    custom_challenges_sign_in,
    custom_auth_needs_the_three_functions_and_the_flow,
);
