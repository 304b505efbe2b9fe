//! Choosing and setting up a factor at sign-in through the JSON API: SELECT_MFA_TYPE when
//! several factors are enabled and none is preferred (a choice not offered can be corrected in
//! the same session), the preferred factor asked directly, MFA_SETUP with an email address
//! (EMAIL_OTP to it, then email MFA enabled), MFA_SETUP with a software token after a mistyped
//! code, and NEW_PASSWORD_REQUIRED followed by MFA_SETUP in a pool with MFA ON.

use crate::api_mfa_codes::{
    PHONE, challenged, enable_factors, give_phone, has_tokens, last_mail_code, last_sms_code,
    offer, respond_code, respond_sms, wrong,
};
use crate::both_databases;
use crate::helpers::{Backend, TestApp, error_code, spawn_app};
use crate::mfa_helpers::{enable_totp, step_now, totp_at_step, totp_now};
use crate::sign_in_helpers::{PASSWORD, client_with, password_auth, pool_client_user};
use crate::user_helpers::attr;
use aws_sdk_cognitoidentityprovider as cognito;
use cognito::types::{
    ChallengeNameType, EmailMfaSettingsType, MessageActionType, SmsMfaSettingsType, UserPoolMfaType,
};

both_databases!(
    select_mfa_type_then_sms_code,
    preferred_factor_skips_the_choice,
    mfa_setup_with_email,
    mfa_setup_software_token_after_a_wrong_code,
    new_password_then_mfa_setup,
    new_password_cannot_move_an_sms_factor,
);

async fn select(
    app: &TestApp,
    client: &str,
    session: &str,
    answer: &str,
) -> Result<cognito::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput, String> {
    app.cognito
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(ChallengeNameType::SelectMfaType)
        .session(session)
        .challenge_responses("USERNAME", "alice")
        .challenge_responses("ANSWER", answer)
        .send()
        .await
        .map_err(|e| error_code(&e))
}

/// SMS and email both enabled, none preferred: SELECT_MFA_TYPE; a factor not offered is
/// InvalidParameterException and the session stays usable; SMS_MFA then sends the code.
async fn select_mfa_type_then_sms_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    offer(&app, &pool, UserPoolMfaType::Optional, true, true).await;
    give_phone(&app, &pool, false).await;
    enable_factors(&app, &pool, true, true).await;

    let (session, params) = challenged(&app, &client, ChallengeNameType::SelectMfaType).await;
    assert_eq!(params["USER_ID_FOR_SRP"], "alice");
    let choices: Vec<String> = serde_json::from_str(&params["MFAS_CAN_CHOOSE"]).unwrap();
    assert_eq!(choices, ["SMS_MFA", "EMAIL_OTP"]);
    assert!(app.sms.messages().is_empty());

    assert_eq!(
        select(&app, &client, &session, "SOFTWARE_TOKEN_MFA")
            .await
            .unwrap_err(),
        "InvalidParameterException"
    );
    let out = select(&app, &client, &session, "SMS_MFA").await.unwrap();
    assert!(out.authentication_result.is_none());
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SmsMfa));
    let params = out.challenge_parameters.clone().unwrap();
    assert_eq!(params["CODE_DELIVERY_DELIVERY_MEDIUM"], "SMS");
    assert!(app.smtp.to("alice@example.com").is_empty());
    let code = last_sms_code(&app);
    let sms_session = out.session.unwrap();
    assert_ne!(sms_session, session);
    let done = respond_sms(&app, &client, &sms_session, &code)
        .await
        .unwrap();
    assert!(has_tokens(&done));
    // The choice's session was used up by the choice.
    assert_eq!(
        select(&app, &client, &session, "SMS_MFA")
            .await
            .unwrap_err(),
        "NotAuthorizedException"
    );

    // EMAIL_MFA is taken for EMAIL_OTP.
    let (session, _) = challenged(&app, &client, ChallengeNameType::SelectMfaType).await;
    let out = select(&app, &client, &session, "EMAIL_MFA").await.unwrap();
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    let code = last_mail_code(&app, "alice@example.com");
    let done = respond_code(
        &app,
        &client,
        ChallengeNameType::EmailOtp,
        "EMAIL_OTP_CODE",
        out.session.as_deref().unwrap(),
        &code,
    )
    .await
    .unwrap();
    assert!(has_tokens(&done));
}

/// With a preferred factor among several, it is asked directly.
async fn preferred_factor_skips_the_choice(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    offer(&app, &pool, UserPoolMfaType::Optional, true, true).await;
    give_phone(&app, &pool, false).await;
    app.cognito
        .admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("alice")
        .sms_mfa_settings(SmsMfaSettingsType::builder().enabled(true).build())
        .email_mfa_settings(
            EmailMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let (session, _) = challenged(&app, &client, ChallengeNameType::EmailOtp).await;
    assert!(app.sms.messages().is_empty());
    let code = last_mail_code(&app, "alice@example.com");
    let done = respond_code(
        &app,
        &client,
        ChallengeNameType::EmailOtp,
        "EMAIL_OTP_CODE",
        &session,
        &code,
    )
    .await
    .unwrap();
    assert!(has_tokens(&done));

    app.cognito
        .admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("alice")
        .sms_mfa_settings(
            SmsMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    challenged(&app, &client, ChallengeNameType::SmsMfa).await;
    assert_eq!(app.sms.messages()[0]["to"], PHONE);
}

/// MFA ON with only email offered, alice's address not verified: MFA_SETUP offers EMAIL_OTP;
/// answering with an address sends the code there; the code signs in, sets the address
/// (verified) and enables email MFA.
async fn mfa_setup_with_email(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    offer(&app, &pool, UserPoolMfaType::On, false, true).await;
    let (session, params) = challenged(&app, &client, ChallengeNameType::MfaSetup).await;
    assert_eq!(params["MFAS_CAN_SETUP"], "[\"EMAIL_OTP\"]");
    assert_eq!(params["USER_ID_FOR_SRP"], "alice");

    let setup = |email: &str| {
        app.cognito
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(ChallengeNameType::MfaSetup)
            .session(&session)
            .challenge_responses("USERNAME", "alice")
            .challenge_responses("EMAIL", email)
            .send()
    };
    // Not an address, or not the (unverified) address alice has: refused, the session stays
    // usable (a password alone must not move the account's email).
    crate::assert_aws_error!(setup("not-an-address").await, "InvalidParameterException");
    crate::assert_aws_error!(
        setup("alice.new@example.com").await,
        "InvalidParameterException"
    );
    assert!(app.smtp.to("alice.new@example.com").is_empty());
    let out = setup("alice@example.com").await.unwrap();
    assert!(out.authentication_result.is_none());
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    let params = out.challenge_parameters.clone().unwrap();
    assert_eq!(params["CODE_DELIVERY_DELIVERY_MEDIUM"], "EMAIL");
    let code = last_mail_code(&app, "alice@example.com");
    let otp_session = out.session.unwrap();
    let (err, _) = respond_code(
        &app,
        &client,
        ChallengeNameType::EmailOtp,
        "EMAIL_OTP_CODE",
        &otp_session,
        &wrong(&code),
    )
    .await
    .unwrap_err();
    assert_eq!(err, "CodeMismatchException");
    let done = respond_code(
        &app,
        &client,
        ChallengeNameType::EmailOtp,
        "EMAIL_OTP_CODE",
        &otp_session,
        &code,
    )
    .await
    .unwrap();
    let token = done.authentication_result.unwrap().access_token.unwrap();

    let user = app
        .cognito
        .get_user()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_mfa_setting_list(), ["EMAIL_OTP"]);
    let attribute = |name: &str| {
        user.user_attributes()
            .iter()
            .find(|a| a.name() == name)
            .and_then(|a| a.value().map(str::to_string))
    };
    assert_eq!(attribute("email").as_deref(), Some("alice@example.com"));
    assert_eq!(attribute("email_verified").as_deref(), Some("true"));

    // The next sign-in asks for an email code directly.
    challenged(&app, &client, ChallengeNameType::EmailOtp).await;
    assert_eq!(app.smtp.to("alice@example.com").len(), 2);
}

/// MFA_SETUP with a software token: a mistyped code in VerifySoftwareToken leaves the session
/// usable; the right code then verifies and MFA_SETUP is answered.
async fn mfa_setup_software_token_after_a_wrong_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    enable_totp(&app, &pool, UserPoolMfaType::On).await;
    let (session, params) = challenged(&app, &client, ChallengeNameType::MfaSetup).await;
    assert_eq!(params["MFAS_CAN_SETUP"], "[\"SOFTWARE_TOKEN_MFA\"]");
    let assoc = app
        .cognito
        .associate_software_token()
        .session(session)
        .send()
        .await
        .unwrap();
    let secret = assoc.secret_code.unwrap();
    let session = assoc.session.unwrap();
    let verify = |code: String| {
        app.cognito
            .verify_software_token()
            .session(&session)
            .user_code(code)
            .send()
    };
    let r = verify(totp_at_step(&secret, step_now(&app) - 9)).await;
    crate::assert_aws_error!(r, "EnableSoftwareTokenMFAException");
    let verified = verify(totp_now(&app, &secret)).await.unwrap();
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
}

/// A user with a temporary password in a pool with MFA ON: NEW_PASSWORD_REQUIRED, then
/// MFA_SETUP (no longer refused), then the software token set up → tokens.
async fn new_password_then_mfa_setup(backend: Backend) {
    let app = spawn_app(backend).await;
    let pool = app.create_pool("mfa-on").await;
    let (client, _) = client_with(&app, &pool, &["ALLOW_USER_PASSWORD_AUTH"], false, false).await;
    enable_totp(&app, &pool, UserPoolMfaType::On).await;
    app.cognito
        .admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .temporary_password("Temp0rary!pw")
        .message_action(MessageActionType::Suppress)
        .user_attributes(attr("email", "alice@example.com"))
        .send()
        .await
        .unwrap();
    let out = password_auth(&app, &client, "alice", "Temp0rary!pw")
        .await
        .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    let out = app
        .cognito
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(out.session.unwrap())
        .challenge_responses("USERNAME", "alice")
        .challenge_responses("NEW_PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap();
    assert!(out.authentication_result.is_none());
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::MfaSetup));
    let assoc = app
        .cognito
        .associate_software_token()
        .session(out.session.unwrap())
        .send()
        .await
        .unwrap();
    let secret = assoc.secret_code.unwrap();
    let verified = app
        .cognito
        .verify_software_token()
        .session(assoc.session.unwrap())
        .user_code(totp_now(&app, &secret))
        .send()
        .await
        .unwrap();
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
    // The new password is in force.
    challenged(&app, &client, ChallengeNameType::SoftwareTokenMfa).await;
}

/// A temporary password cannot redirect an enabled SMS factor: NEW_PASSWORD_REQUIRED with a
/// new phone_number is refused (the session stays usable), and the code then goes to the
/// number on file.
async fn new_password_cannot_move_an_sms_factor(backend: Backend) {
    let app = spawn_app(backend).await;
    let pool = app.create_pool("sms-optional").await;
    let (client, _) = client_with(&app, &pool, &["ALLOW_USER_PASSWORD_AUTH"], false, false).await;
    offer(&app, &pool, UserPoolMfaType::Optional, true, false).await;
    app.cognito
        .admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .temporary_password("Temp0rary!pw")
        .message_action(MessageActionType::Suppress)
        .user_attributes(attr("phone_number", PHONE))
        .send()
        .await
        .unwrap();
    enable_factors(&app, &pool, true, false).await;
    let out = password_auth(&app, &client, "alice", "Temp0rary!pw")
        .await
        .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    let session = out.session.unwrap();
    let answer = |phone: Option<&str>| {
        let mut req = app
            .cognito
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(&session)
            .challenge_responses("USERNAME", "alice")
            .challenge_responses("NEW_PASSWORD", PASSWORD);
        if let Some(p) = phone {
            req = req.challenge_responses("userAttributes.phone_number", p);
        }
        req.send()
    };
    let err = answer(Some("+15555550999")).await.unwrap_err();
    assert_eq!(error_code(&err), "InvalidParameterException");
    assert!(app.sms.messages().is_empty());
    let out = answer(None).await.unwrap();
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SmsMfa));
    last_sms_code(&app);
}
