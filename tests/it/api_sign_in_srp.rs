//! USER_SRP_AUTH through the API with Tessera's SRP client (acij's math): right and wrong
//! passwords, an email-as-username pool (USER_ID_FOR_SRP is the internal username), unknown
//! users hidden behind a stable fake challenge, single-use secret blocks, stale timestamps,
//! and NEW_PASSWORD_REQUIRED after SRP. amazon-cognito-identity-js and pycognito run the same
//! flow against the binary in tests/clients/issue3_flow.py.

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::sign_in_helpers::{PASSWORD, client_with, pool_client_user};
use crate::{assert_aws_error, both_databases};
use aws_sdk_cognitoidentityprovider as cognito;
use cognito::operation::respond_to_auth_challenge::{
    RespondToAuthChallengeError, RespondToAuthChallengeOutput,
};
use cognito::types::{AuthFlowType, ChallengeNameType};
use std::collections::HashMap;
use tessera::crypto::srp::{self, client};

both_databases!(
    srp_sign_in_with_right_and_wrong_password,
    srp_with_email_as_username,
    srp_hides_unknown_users,
    srp_secret_block_is_single_use_and_timestamp_fresh,
    srp_leads_to_new_password_required,
    srp_stale_timestamp_does_not_tell_users_apart,
);

pub struct Started {
    client: client::Client,
    params: HashMap<String, String>,
}

pub async fn start(app: &TestApp, client_id: &str, username: &str) -> Started {
    let c = client::Client::random();
    let out = app
        .cognito
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("SRP_A", c.a_hex())
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );
    Started {
        client: c,
        params: out.challenge_parameters.unwrap(),
    }
}

pub async fn answer(
    app: &TestApp,
    client_id: &str,
    pool: &str,
    s: &Started,
    password: &str,
    timestamp: &str,
) -> Result<RespondToAuthChallengeOutput, cognito::error::SdkError<RespondToAuthChallengeError>> {
    let user_id = &s.params["USER_ID_FOR_SRP"];
    let signature = s.client.sign(&client::Proof {
        pool_name: srp::pool_name(pool),
        username: user_id,
        password,
        salt: &s.params["SALT"],
        b: &s.params["SRP_B"],
        secret_block: &s.params["SECRET_BLOCK"],
        timestamp,
    });
    app.cognito
        .respond_to_auth_challenge()
        .client_id(client_id)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", user_id)
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", &s.params["SECRET_BLOCK"])
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", signature)
        .challenge_responses("TIMESTAMP", timestamp)
        .send()
        .await
}

pub fn now_stamp(app: &TestApp) -> String {
    client::timestamp(app.services.now()).unwrap()
}

async fn srp_sign_in_with_right_and_wrong_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client_id) = pool_client_user(&app, false).await;
    let s = start(&app, &client_id, "alice").await;
    assert_eq!(s.params["USER_ID_FOR_SRP"], "alice");
    assert_eq!(s.params["USERNAME"], "alice");
    let out = answer(&app, &client_id, &pool, &s, PASSWORD, &now_stamp(&app))
        .await
        .unwrap();
    let tokens = out.authentication_result.unwrap();
    assert!(tokens.refresh_token.is_some());
    let s = start(&app, &client_id, "alice").await;
    let msg = assert_aws_error!(
        answer(
            &app,
            &client_id,
            &pool,
            &s,
            "Wrong-Horse-9",
            &now_stamp(&app)
        )
        .await,
        "NotAuthorizedException"
    );
    assert_eq!(msg, "Incorrect username or password.");
    // The client's flows decide: a client without SRP refuses it.
    let (no_srp, _) = client_with(&app, &pool, &["ALLOW_USER_PASSWORD_AUTH"], false, false).await;
    let r = app
        .cognito
        .initiate_auth()
        .client_id(&no_srp)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("SRP_A", client::Client::random().a_hex())
        .send()
        .await;
    assert_eq!(
        assert_aws_error!(r, "InvalidParameterException"),
        "USER_SRP_AUTH flow not enabled for this client"
    );
    // A ≡ 0 mod N is refused.
    let r = app
        .cognito
        .initiate_auth()
        .client_id(&client_id)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("SRP_A", "0")
        .send()
        .await;
    assert_aws_error!(r, "InvalidParameterException");
}

async fn srp_with_email_as_username(backend: Backend) {
    let app = spawn_app(backend).await;
    let pool = app
        .cognito
        .create_user_pool()
        .pool_name("emails")
        .username_attributes(cognito::types::UsernameAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let (client_id, _) = client_with(&app, &pool, &["ALLOW_USER_SRP_AUTH"], false, false).await;
    let internal = crate::user_helpers::create_user(&app, &pool, "dora@example.com", &[]).await;
    crate::sign_in_helpers::set_permanent(&app, &pool, "dora@example.com", PASSWORD).await;
    let s = start(&app, &client_id, "dora@example.com").await;
    assert_eq!(s.params["USER_ID_FOR_SRP"], internal);
    assert_ne!(internal, "dora@example.com");
    let out = answer(&app, &client_id, &pool, &s, PASSWORD, &now_stamp(&app))
        .await
        .unwrap();
    assert!(out.authentication_result.is_some());
}

async fn srp_hides_unknown_users(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, legacy) = pool_client_user(&app, false).await;
    let r = app
        .cognito
        .initiate_auth()
        .client_id(&legacy)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", "nobody")
        .auth_parameters("SRP_A", client::Client::random().a_hex())
        .send()
        .await;
    assert_aws_error!(r, "UserNotFoundException");

    let (hiding, _) = client_with(&app, &pool, &["ALLOW_USER_SRP_AUTH"], false, true).await;
    let first = start(&app, &hiding, "nobody").await;
    let again = start(&app, &hiding, "nobody").await;
    let real = start(&app, &hiding, "alice").await;
    // The fake salt is stable per name and shaped like a real one.
    assert_eq!(first.params["SALT"], again.params["SALT"]);
    // 16 bytes in padded hex, as real salts: "00" in front when the first nibble is ≥ 8, and
    // shorter when leading bytes are zero (1 salt in 256), as acij's padHex does.
    for salt in [&first.params["SALT"], &real.params["SALT"]] {
        let padded = salt.starts_with("00");
        let ok = salt.len() % 2 == 0
            && salt.len() <= if padded { 34 } else { 32 }
            && (!padded || salt[2..3] >= *"8");
        assert!(ok, "{salt}");
    }
    assert_ne!(first.params["SRP_B"], again.params["SRP_B"]);
    assert_eq!(first.params["USER_ID_FOR_SRP"], "nobody");
    let msg = assert_aws_error!(
        answer(&app, &hiding, &pool, &first, PASSWORD, &now_stamp(&app)).await,
        "NotAuthorizedException"
    );
    assert_eq!(msg, "Incorrect username or password.");
    // The failed claim is counted as a real user's is (on the name's own counter).
    let stored = app.services.store.get_pool(&pool).await.unwrap().unwrap();
    let bucket = tessera::services::auth::unknown_failures_bucket(&stored, "nobody");
    let now = app.services.now();
    let window = tessera::domain::lockout::RESET_AFTER_MS;
    let hits = app.services.store.peek_hits(&bucket, now, window).await;
    assert_eq!(hits.unwrap(), 1);
}

async fn srp_secret_block_is_single_use_and_timestamp_fresh(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client_id) = pool_client_user(&app, false).await;
    let s = start(&app, &client_id, "alice").await;
    let stamp = now_stamp(&app);
    answer(&app, &client_id, &pool, &s, PASSWORD, &stamp)
        .await
        .unwrap();
    let msg = assert_aws_error!(
        answer(&app, &client_id, &pool, &s, PASSWORD, &stamp).await,
        "NotAuthorizedException"
    );
    assert_eq!(
        msg,
        "Invalid session for the user, session can only be used once."
    );
    // A timestamp ten minutes old is refused even with the right password.
    let s = start(&app, &client_id, "alice").await;
    let old = client::timestamp(app.services.now() - 10 * 60 * 1000).unwrap();
    assert_aws_error!(
        answer(&app, &client_id, &pool, &s, PASSWORD, &old).await,
        "NotAuthorizedException"
    );
    // The challenge expires with the session (3 minutes).
    let s = start(&app, &client_id, "alice").await;
    app.services.clock.advance(3 * 60 * 1000 + 1);
    let msg = assert_aws_error!(
        answer(&app, &client_id, &pool, &s, PASSWORD, &now_stamp(&app)).await,
        "NotAuthorizedException"
    );
    assert_eq!(msg, "Invalid session for the user, session is expired.");
}

async fn srp_leads_to_new_password_required(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client_id) = pool_client_user(&app, false).await;
    app.cognito
        .admin_create_user()
        .user_pool_id(&pool)
        .username("erin")
        .temporary_password("Temp-Pass-123")
        .message_action(cognito::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let s = start(&app, &client_id, "erin").await;
    let out = answer(
        &app,
        &client_id,
        &pool,
        &s,
        "Temp-Pass-123",
        &now_stamp(&app),
    )
    .await
    .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    let done = app
        .cognito
        .respond_to_auth_challenge()
        .client_id(&client_id)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(out.session().unwrap())
        .challenge_responses("USERNAME", "erin")
        .challenge_responses("NEW_PASSWORD", "Brand-New-Pass-1")
        .send()
        .await
        .unwrap();
    assert!(done.authentication_result.is_some());
    // The new password has a new verifier: SRP signs in with it.
    let s = start(&app, &client_id, "erin").await;
    assert!(
        answer(
            &app,
            &client_id,
            &pool,
            &s,
            "Brand-New-Pass-1",
            &now_stamp(&app)
        )
        .await
        .unwrap()
        .authentication_result
        .is_some()
    );
}

/// With PreventUserExistenceErrors, a stale TIMESTAMP gets the same answer for an unknown user
/// as for a real one (it used to be "Incorrect username or password." for unknown users only).
async fn srp_stale_timestamp_does_not_tell_users_apart(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, _) = pool_client_user(&app, false).await;
    let (hiding, _) = client_with(&app, &pool, &["ALLOW_USER_SRP_AUTH"], false, true).await;
    let old = client::timestamp(app.services.now() - 10 * 60 * 1000).unwrap();
    let mut answers = Vec::new();
    for name in ["alice", "nobody"] {
        let s = start(&app, &hiding, name).await;
        answers.push(assert_aws_error!(
            answer(&app, &hiding, &pool, &s, PASSWORD, &old).await,
            "NotAuthorizedException"
        ));
    }
    assert_eq!(answers[0], answers[1]);
}
