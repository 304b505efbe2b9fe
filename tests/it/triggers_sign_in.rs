//! The sign-in triggers through the AWS SDK, each over the Lambda Invoke API and a signed
//! webhook: PreAuthentication refuses, PostAuthentication is told, PreTokenGeneration V1 and V2
//! change the tokens (refresh included; reserved claims stay), UserMigration brings in users of
//! a legacy store on first sign-in and on ForgotPassword.

use crate::both_databases;
use crate::helpers::{Backend, TestApp};
use crate::sign_in_helpers::{PASSWORD, client_with, password_auth, set_permanent};
use crate::tokens_helpers::payload;
use crate::trigger_helpers::{BOTH, Via, events, pool_with_triggers, target, trigger_app};
use crate::user_helpers::{create_user, status_of};
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, LambdaConfigType, PreTokenGenerationLambdaVersionType,
    PreTokenGenerationVersionConfigType, UserStatusType,
};

const FLOWS: &[&str] = &["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"];

async fn pool_client(app: &TestApp, config: LambdaConfigType) -> (String, String) {
    let pool = pool_with_triggers(app, config).await;
    let (client, _) = client_with(app, &pool, FLOWS, false, false).await;
    (pool, client)
}

async fn user(app: &TestApp, pool: &str, name: &str, email: &str) {
    create_user(app, pool, name, &[("email", email)]).await;
    set_permanent(app, pool, name, PASSWORD).await;
}

async fn pre_and_post_authentication(db: Backend) {
    let app = trigger_app(db).await;
    for via in BOTH {
        let config = LambdaConfigType::builder()
            .pre_authentication(target(via, "pre_auth"))
            .post_authentication(target(via, "record"))
            .build();
        let (pool, client) = pool_client(&app, config).await;
        user(&app, &pool, "sam", "sam@suspended.example").await;
        user(&app, &pool, "ann", "ann@example.com").await;
        let refused = password_auth(&app, &client, "sam", PASSWORD).await;
        let m = crate::assert_aws_error!(refused, "UserLambdaValidationException");
        assert_eq!(
            m,
            "PreAuthentication failed with error This account is suspended."
        );
        // Asked before the password is checked: a wrong one gets the same answer.
        let refused = password_auth(&app, &client, "sam", "Wrong-Pass-1").await;
        crate::assert_aws_error!(refused, "UserLambdaValidationException");

        let out = app
            .cognito
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "ann")
            .auth_parameters("PASSWORD", PASSWORD)
            .client_metadata("device", "kiosk")
            .send()
            .await
            .unwrap();
        assert!(out.authentication_result.is_some(), "{via:?}");
        let pre = events("pre_auth", &pool).await;
        assert_eq!(pre.len(), 3);
        assert_eq!(pre[2]["triggerSource"], "PreAuthentication_Authentication");
        assert_eq!(pre[2]["request"]["userNotFound"], false);
        let post = events("record", &pool).await;
        assert_eq!(post.len(), 1, "only the sign-in that succeeded");
        assert_eq!(
            post[0]["triggerSource"],
            "PostAuthentication_Authentication"
        );
        assert_eq!(post[0]["userName"], "ann");
        assert_eq!(post[0]["callerContext"]["clientId"], client.as_str());
        assert_eq!(post[0]["request"]["clientMetadata"]["device"], "kiosk");

        // A client that hides which users exist: the function is asked about unknown names too.
        let (hiding, _) = client_with(&app, &pool, FLOWS, false, true).await;
        let unknown = password_auth(&app, &hiding, "ghost", PASSWORD).await;
        let m = crate::assert_aws_error!(unknown, "NotAuthorizedException");
        assert_eq!(m, "Incorrect username or password.");
        let pre = events("pre_auth", &pool).await;
        assert_eq!(pre[3]["userName"], "ghost");
        assert_eq!(pre[3]["request"]["userNotFound"], true);
        assert_eq!(pre[3]["request"]["userAttributes"], serde_json::json!({}));
    }
}

async fn pre_token_generation_v2_changes_both_tokens(db: Backend) {
    let app = trigger_app(db).await;
    for via in BOTH {
        let config = LambdaConfigType::builder()
            .pre_token_generation_config(
                PreTokenGenerationVersionConfigType::builder()
                    .lambda_version(PreTokenGenerationLambdaVersionType::V20)
                    .lambda_arn(target(via, "pre_token_v2"))
                    .build()
                    .unwrap(),
            )
            .build();
        let (pool, client) = pool_client(&app, config).await;
        user(&app, &pool, "ann", "ann@example.com").await;
        let out = app
            .cognito
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "ann")
            .auth_parameters("PASSWORD", PASSWORD)
            .client_metadata("tenant-hint", "acme")
            .send()
            .await
            .unwrap()
            .authentication_result
            .unwrap();
        let access = payload(out.access_token().unwrap());
        assert_eq!(access["tenant"], "acme", "{via:?}");
        assert_eq!(access["roles"], serde_json::json!(["reader", "writer"]));
        assert_eq!(access["source"], "TokenGeneration_Authentication");
        assert_eq!(access["client_id"], client.as_str(), "reserved claims stay");
        assert_eq!(
            access["scope"],
            "aws.cognito.signin.user.admin tessera/extra"
        );
        let id = payload(out.id_token().unwrap());
        assert_eq!(id["plan"], "gold");
        assert!(id.get("tenant").is_none());

        let refreshed = app
            .cognito
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", out.refresh_token().unwrap())
            .client_metadata("on", "refresh")
            .send()
            .await
            .unwrap()
            .authentication_result
            .unwrap();
        let access = payload(refreshed.access_token().unwrap());
        assert_eq!(access["source"], "TokenGeneration_RefreshTokens");
        assert_eq!(access["tenant"], "acme");

        // A first sign-in with a temporary password ends with the new one.
        app.cognito
            .admin_create_user()
            .user_pool_id(&pool)
            .username("ned")
            .temporary_password("Temp-Pass-123")
            .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        let challenge = password_auth(&app, &client, "ned", "Temp-Pass-123")
            .await
            .unwrap();
        let out = app
            .cognito
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(
                aws_sdk_cognitoidentityprovider::types::ChallengeNameType::NewPasswordRequired,
            )
            .session(challenge.session().unwrap())
            .challenge_responses("USERNAME", "ned")
            .challenge_responses("NEW_PASSWORD", PASSWORD)
            .send()
            .await
            .unwrap();
        let access = payload(out.authentication_result().unwrap().access_token().unwrap());
        assert_eq!(access["source"], "TokenGeneration_NewPasswordChallenge");

        let seen = events("pre_token_v2", &pool).await;
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[1]["request"]["clientMetadata"]["on"], "refresh");
        assert_eq!(seen[0]["version"], "2");
        assert_eq!(
            seen[0]["request"]["scopes"],
            serde_json::json!(["aws.cognito.signin.user.admin"])
        );
        assert_eq!(seen[0]["request"]["clientMetadata"]["tenant-hint"], "acme");
        assert_eq!(
            seen[0]["request"]["userAttributes"]["email"],
            "ann@example.com"
        );
    }
}

async fn pre_token_generation_v1_changes_the_id_token(db: Backend) {
    let app = trigger_app(db).await;
    for via in BOTH {
        let config = LambdaConfigType::builder()
            .pre_token_generation(target(via, "pre_token_v1"))
            .build();
        let (pool, client) = pool_client(&app, config).await;
        user(&app, &pool, "ann", "ann@example.com").await;
        let out = password_auth(&app, &client, "ann", PASSWORD)
            .await
            .unwrap()
            .authentication_result
            .unwrap();
        let id = payload(out.id_token().unwrap());
        assert_eq!(id["tier"], "gold", "{via:?}");
        assert_ne!(id["sub"], "forged");
        assert_eq!(id["cognito:groups"], serde_json::json!(["from-trigger"]));
        let access = payload(out.access_token().unwrap());
        assert!(access.get("tier").is_none());
        assert_eq!(
            access["cognito:groups"],
            serde_json::json!(["from-trigger"])
        );
        assert_eq!(events("pre_token_v1", &pool).await[0]["version"], "1");
    }
}

async fn user_migration_brings_in_legacy_users(db: Backend) {
    let app = trigger_app(db).await;
    for via in BOTH {
        let config = LambdaConfigType::builder()
            .user_migration(target(via, "migrate"))
            .build();
        let (pool, client) = pool_client(&app, config).await;
        let wrong = password_auth(&app, &client, "legacy-alice", "Not-Her-Pass-1").await;
        let m = crate::assert_aws_error!(wrong, "UserLambdaValidationException");
        assert_eq!(m, "UserMigration failed with error Bad password.");
        let unknown = password_auth(&app, &client, "stranger", "Any-Pass-1").await;
        crate::assert_aws_error!(unknown, "UserLambdaValidationException");

        let out = password_auth(&app, &client, "legacy-alice", "Legacy-Pass-1")
            .await
            .unwrap();
        let id = payload(out.authentication_result().unwrap().id_token().unwrap());
        assert_eq!(id["email"], "alice@legacy.example", "{via:?}");
        assert_eq!(id["email_verified"], true);
        assert_eq!(
            status_of(&app, &pool, "legacy-alice").await.0,
            UserStatusType::Confirmed
        );
        // Now a user of this pool: the function is not asked again.
        password_auth(&app, &client, "legacy-alice", "Legacy-Pass-1")
            .await
            .unwrap();
        let seen = events("migrate", &pool).await;
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[2]["triggerSource"], "UserMigration_Authentication");
        assert_eq!(seen[2]["request"]["password"], "Legacy-Pass-1");

        // Parallel first sign-ins of one legacy user: all signed in, one user stored.
        let attempt = || password_auth(&app, &client, "legacy-carol", "Legacy-Pass-3");
        let (a, b, c, d) = tokio::join!(attempt(), attempt(), attempt(), attempt());
        for outcome in [a, b, c, d] {
            assert!(outcome.unwrap().authentication_result.is_some(), "{via:?}");
        }
        let listed = app
            .cognito
            .list_users()
            .user_pool_id(&pool)
            .filter("username = \"legacy-carol\"")
            .send()
            .await
            .unwrap();
        assert_eq!(listed.users().len(), 1);

        // ForgotPassword of a legacy user: brought in RESET_REQUIRED, the code sent.
        let sent = app
            .cognito
            .forgot_password()
            .client_id(&client)
            .username("legacy-bob")
            .send()
            .await
            .unwrap();
        assert_eq!(
            sent.code_delivery_details().unwrap().attribute_name(),
            Some("email")
        );
        assert_eq!(
            status_of(&app, &pool, "legacy-bob").await.0,
            UserStatusType::ResetRequired
        );
        let code = crate::account_helpers::mailed_code(&app, "bob@legacy.example");
        app.cognito
            .confirm_forgot_password()
            .client_id(&client)
            .username("legacy-bob")
            .confirmation_code(code)
            .password(PASSWORD)
            .send()
            .await
            .unwrap();
        password_auth(&app, &client, "legacy-bob", PASSWORD)
            .await
            .unwrap();
        let seen = events("migrate", &pool).await;
        let last = seen.last().unwrap();
        assert_eq!(last["triggerSource"], "UserMigration_ForgotPassword");
        assert!(last["request"].get("password").is_none());
    }
}

async fn custom_message_words_mfa_codes(db: Backend) {
    use crate::api_mfa_codes::{
        challenged, digits, enable_factors, give_phone, offer, respond_sms,
    };
    use aws_sdk_cognitoidentityprovider::types::{ChallengeNameType, UserPoolMfaType};
    let app = trigger_app(db).await;
    let (pool, client) = crate::sign_in_helpers::pool_client_user(&app, false).await;
    app.cognito
        .update_user_pool()
        .user_pool_id(&pool)
        .lambda_config(
            LambdaConfigType::builder()
                .custom_message(target(Via::Webhook, "custom_message"))
                .build(),
        )
        .send()
        .await
        .unwrap();
    offer(&app, &pool, UserPoolMfaType::Optional, true, false).await;
    give_phone(&app, &pool, false).await;
    enable_factors(&app, &pool, true, false).await;
    let (session, _) = challenged(&app, &client, ChallengeNameType::SmsMfa).await;
    let sms = app.sms.messages();
    let text = sms.last().unwrap()["message"].as_str().unwrap().to_string();
    assert!(text.starts_with("Mosaic sign-in code "), "{text}");
    let out = respond_sms(&app, &client, &session, &digits(&text))
        .await
        .unwrap();
    assert!(out.authentication_result.is_some());
    let seen = events("custom_message", &pool).await;
    assert_eq!(seen[0]["triggerSource"], "CustomMessage_Authentication");
}

both_databases!(
    custom_message_words_mfa_codes,
    pre_and_post_authentication,
    pre_token_generation_v2_changes_both_tokens,
    pre_token_generation_v1_changes_the_id_token,
    user_migration_brings_in_legacy_users,
);
