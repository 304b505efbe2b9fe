//! SOFTWARE_TOKEN_MFA at sign-in (password and SRP flows): the right code gives tokens, a wrong
//! one is CodeMismatchException and counts toward the lockout, a code of a step already used is
//! refused, an expired session is refused; MFA ON and no factor → MFA_SETUP; MFA ON offering
//! only SMS to a user without a verified phone gives no tokens.

use crate::api_mfa_codes::{give_phone, offer};
use crate::api_sign_in_srp::{answer, now_stamp, start};
use crate::both_databases;
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::mfa_helpers::{enable_totp, step_now, totp_at_step, totp_now};
use crate::sign_in_helpers::{PASSWORD, password_auth, pool_client_user};
use crate::tokens_helpers::advance;
use crate::user_helpers::stored;
use aws_sdk_cognitoidentityprovider as cognito;
use cognito::types::{ChallengeNameType, SoftwareTokenMfaSettingsType, UserPoolMfaType};

both_databases!(
    mfa_challenge_right_wrong_replay_expired,
    mfa_challenge_after_srp,
    mfa_on_sms_only_without_verified_phone,
    mfa_setup_during_sign_in,
    mfa_challenge_through_admin_door,
);

/// Signs alice in, enrols a software token and enables it; the clock then moves to the next
/// time step (the enrolment code's step is used up). Returns the secret.
pub(crate) async fn enrol(app: &TestApp, client: &str) -> String {
    let token = password_auth(app, client, "alice", PASSWORD)
        .await
        .unwrap()
        .authentication_result
        .unwrap()
        .access_token
        .unwrap();
    let secret = app
        .cognito
        .associate_software_token()
        .access_token(&token)
        .send()
        .await
        .unwrap()
        .secret_code
        .unwrap();
    app.cognito
        .verify_software_token()
        .access_token(&token)
        .user_code(totp_now(app, &secret))
        .send()
        .await
        .unwrap();
    app.cognito
        .set_user_mfa_preference()
        .access_token(&token)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    advance(app, 30);
    secret
}

pub(crate) async fn challenge(app: &TestApp, client: &str) -> String {
    let out = password_auth(app, client, "alice", PASSWORD).await.unwrap();
    assert!(out.authentication_result.is_none());
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::SoftwareTokenMfa)
    );
    let params = out.challenge_parameters.unwrap();
    assert_eq!(params["USER_ID_FOR_SRP"], "alice");
    assert!(!params.contains_key("CODE_DELIVERY_DESTINATION"));
    out.session.unwrap()
}

pub(crate) async fn respond(
    app: &TestApp,
    client: &str,
    session: &str,
    code: &str,
) -> Result<Option<String>, String> {
    app.cognito
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(ChallengeNameType::SoftwareTokenMfa)
        .session(session)
        .challenge_responses("USERNAME", "alice")
        .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", code)
        .send()
        .await
        .map(|o| o.authentication_result.and_then(|r| r.access_token))
        .map_err(|e| {
            cognito::error::ProvideErrorMetadata::code(&e.into_service_error())
                .unwrap_or_default()
                .to_string()
        })
}

async fn mfa_challenge_right_wrong_replay_expired(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    enable_totp(&app, &pool, UserPoolMfaType::Optional).await;
    let secret = enrol(&app, &client).await;
    let sub = stored(&app, &pool, "alice").await.sub;

    // A wrong code: CodeMismatchException, counted as a failure.
    let session = challenge(&app, &client).await;
    let wrong = totp_at_step(&secret, step_now(&app) - 7);
    assert_eq!(
        respond(&app, &client, &session, &wrong).await.unwrap_err(),
        "CodeMismatchException"
    );
    let failures = app.services.store.sign_in_failures(&sub).await.unwrap();
    assert_eq!(failures.map(|f| f.failures), Some(1));

    // The right code, retried on the same session: tokens; the session is then used up.
    let code = totp_now(&app, &secret);
    let token = respond(&app, &client, &session, &code).await.unwrap();
    assert!(token.is_some());
    assert_eq!(
        respond(&app, &client, &session, &code).await.unwrap_err(),
        "NotAuthorizedException"
    );
    // The same code again (a new sign-in, same step): refused.
    let session = challenge(&app, &client).await;
    assert_eq!(
        respond(&app, &client, &session, &code).await.unwrap_err(),
        "CodeMismatchException"
    );
    // The previous step's code is refused too (earlier than the last accepted).
    let session = challenge(&app, &client).await;
    let earlier = totp_at_step(&secret, step_now(&app) - 1);
    assert_eq!(
        respond(&app, &client, &session, &earlier)
            .await
            .unwrap_err(),
        "CodeMismatchException"
    );

    // An expired session (default AuthSessionValidity is 3 minutes).
    let session = challenge(&app, &client).await;
    advance(&app, 4 * 60);
    let code = totp_now(&app, &secret);
    assert_eq!(
        respond(&app, &client, &session, &code).await.unwrap_err(),
        "NotAuthorizedException"
    );
    // The next step's code on a fresh session works.
    let session = challenge(&app, &client).await;
    assert!(
        respond(&app, &client, &session, &code)
            .await
            .unwrap()
            .is_some()
    );
}

async fn mfa_challenge_after_srp(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    enable_totp(&app, &pool, UserPoolMfaType::Optional).await;
    let secret = enrol(&app, &client).await;
    let s = start(&app, &client, "alice").await;
    let out = answer(&app, &client, &pool, &s, PASSWORD, &now_stamp(&app))
        .await
        .unwrap();
    assert!(out.authentication_result.is_none());
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::SoftwareTokenMfa)
    );
    let session = out.session.unwrap();
    let code = totp_now(&app, &secret);
    assert!(
        respond(&app, &client, &session, &code)
            .await
            .unwrap()
            .is_some()
    );
}

/// MFA ON with only SMS offered, alice with an unverified phone and no factor enabled: nothing
/// to send a code to nor to set up (MFAMethodNotFoundException), no tokens. (With a verified
/// phone the SMS code is asked: api_mfa_codes.)
async fn mfa_on_sms_only_without_verified_phone(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    offer(&app, &pool, UserPoolMfaType::On, true, false).await;
    give_phone(&app, &pool, false).await;
    let err = password_auth(&app, &client, "alice", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(
        cognito::error::ProvideErrorMetadata::code(&err.into_service_error()),
        Some("MFAMethodNotFoundException")
    );
    assert!(app.sms.messages().is_empty());
}

/// MFA ON, software tokens offered, no factor yet: MFA_SETUP, then AssociateSoftwareToken and
/// VerifySoftwareToken with the session, then MFA_SETUP answered → tokens; the next sign-in
/// asks for the code.
async fn mfa_setup_during_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    enable_totp(&app, &pool, UserPoolMfaType::On).await;
    let out = password_auth(&app, &client, "alice", PASSWORD)
        .await
        .unwrap();
    assert!(out.authentication_result.is_none());
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::MfaSetup));
    let params = out.challenge_parameters.clone().unwrap();
    assert_eq!(params["MFAS_CAN_SETUP"], "[\"SOFTWARE_TOKEN_MFA\"]");
    assert_eq!(params["USER_ID_FOR_SRP"], "alice");
    let assoc = app
        .cognito
        .associate_software_token()
        .session(out.session.unwrap())
        .send()
        .await
        .unwrap();
    let secret = assoc.secret_code.unwrap();
    // Answering MFA_SETUP before the token is verified is refused.
    let early = app
        .cognito
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::MfaSetup)
        .session(assoc.session.clone().unwrap())
        .challenge_responses("USERNAME", "alice")
        .send()
        .await;
    assert!(early.is_err());
    // A new sign-in and association gives a new secret.
    let out = password_auth(&app, &client, "alice", PASSWORD)
        .await
        .unwrap();
    let assoc = app
        .cognito
        .associate_software_token()
        .session(out.session.unwrap())
        .send()
        .await
        .unwrap();
    let secret2 = assoc.secret_code.unwrap();
    assert_ne!(secret, secret2);
    let verified = app
        .cognito
        .verify_software_token()
        .session(assoc.session.unwrap())
        .user_code(totp_now(&app, &secret2))
        .friendly_device_name("phone")
        .send()
        .await
        .unwrap();
    assert_eq!(
        verified.status.map(|s| s.as_str().to_string()).as_deref(),
        Some("SUCCESS")
    );
    let done = app
        .cognito
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::MfaSetup)
        .session(verified.session.unwrap())
        .challenge_responses("USERNAME", "alice")
        .send()
        .await
        .unwrap();
    assert!(done.authentication_result.unwrap().access_token.is_some());

    advance(&app, 30);
    let session = challenge(&app, &client).await;
    let code = totp_now(&app, &secret2);
    assert!(
        respond(&app, &client, &session, &code)
            .await
            .unwrap()
            .is_some()
    );
}

/// The admin door: AdminInitiateAuth → SOFTWARE_TOKEN_MFA → AdminRespondToAuthChallenge.
async fn mfa_challenge_through_admin_door(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    enable_totp(&app, &pool, UserPoolMfaType::Optional).await;
    let secret = enrol(&app, &client).await;
    let out = app
        .cognito
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(cognito::types::AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "alice")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap();
    assert!(out.authentication_result.is_none());
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::SoftwareTokenMfa)
    );
    let done = app
        .cognito
        .admin_respond_to_auth_challenge()
        .user_pool_id(&pool)
        .client_id(&client)
        .challenge_name(ChallengeNameType::SoftwareTokenMfa)
        .session(out.session.unwrap())
        .challenge_responses("USERNAME", "alice")
        .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", totp_now(&app, &secret))
        .send()
        .await
        .unwrap();
    assert!(done.authentication_result.unwrap().access_token.is_some());
}
