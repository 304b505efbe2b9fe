//! SMS_MFA and EMAIL_OTP at sign-in through the JSON API: the code goes out through the SMS
//! webhook (the pool's SmsAuthenticationMessage) or SMTP (EmailMfaConfiguration), the challenge
//! names the masked destination; the right code gives tokens, a wrong one is
//! CodeMismatchException and the same session may retry, the third wrong code ends the session,
//! an expired session is refused, wrong codes count toward the lockout; a failing SMS webhook is
//! CodeDeliveryFailureException; the SRP flow and the admin door lead to the same challenge.

use crate::api_sign_in_srp::{answer, now_stamp, start};
use crate::both_databases;
use crate::helpers::{Backend, TestApp, error_code, error_message, spawn_app};
use crate::sign_in_helpers::{PASSWORD, password_auth, pool_client_user};
use crate::tokens_helpers::advance;
use crate::user_helpers::{attr, stored};
use aws_sdk_cognitoidentityprovider as cognito;
use cognito::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput;
use cognito::types::{
    ChallengeNameType, EmailMfaConfigType, EmailMfaSettingsType, SmsConfigurationType,
    SmsMfaConfigType, SmsMfaSettingsType, UserPoolMfaType,
};
use std::collections::HashMap;

both_databases!(
    sms_mfa_code_right_after_wrong,
    sms_mfa_three_wrong_codes_and_lockout,
    sms_mfa_expired_session,
    sms_mfa_delivery_failure,
    sms_mfa_after_srp_and_through_admin_door,
    sms_mfa_for_verified_phone_in_mfa_on_pool,
    email_otp_code_right_after_wrong,
    sms_mfa_codes_per_hour_limit,
    a_wrong_challenge_name_leaves_the_session,
);

pub const PHONE: &str = "+15555550123";
pub const SMS_MESSAGE: &str = "Tessera code {####} for you";
pub const EMAIL_MESSAGE: &str = "Your Tessera code is {####}";
pub const EMAIL_SUBJECT: &str = "Tessera sign-in";

pub fn sms_config() -> SmsMfaConfigType {
    SmsMfaConfigType::builder()
        .sms_authentication_message(SMS_MESSAGE)
        .sms_configuration(
            SmsConfigurationType::builder()
                .sns_caller_arn("arn:aws:iam::123456789012:role/sms")
                .build(),
        )
        .build()
}

pub fn email_config() -> EmailMfaConfigType {
    EmailMfaConfigType::builder()
        .message(EMAIL_MESSAGE)
        .subject(EMAIL_SUBJECT)
        .build()
}

/// Sets the pool's MFA mode with SMS and/or email offered.
pub async fn offer(app: &TestApp, pool: &str, mode: UserPoolMfaType, sms: bool, email: bool) {
    let mut req = app
        .cognito
        .set_user_pool_mfa_config()
        .user_pool_id(pool)
        .mfa_configuration(mode);
    if sms {
        req = req.sms_mfa_configuration(sms_config());
    }
    if email {
        req = req.email_mfa_configuration(email_config());
    }
    req.send().await.unwrap();
}

/// Gives alice the phone number [`PHONE`] (verified or not).
pub async fn give_phone(app: &TestApp, pool: &str, verified: bool) {
    app.cognito
        .admin_update_user_attributes()
        .user_pool_id(pool)
        .username("alice")
        .user_attributes(attr("phone_number", PHONE))
        .user_attributes(attr(
            "phone_number_verified",
            if verified { "true" } else { "false" },
        ))
        .send()
        .await
        .unwrap();
}

/// Enables alice's SMS and/or email factor (AdminSetUserMFAPreference), none preferred.
pub async fn enable_factors(app: &TestApp, pool: &str, sms: bool, email: bool) {
    let mut req = app
        .cognito
        .admin_set_user_mfa_preference()
        .user_pool_id(pool)
        .username("alice");
    if sms {
        req = req.sms_mfa_settings(SmsMfaSettingsType::builder().enabled(true).build());
    }
    if email {
        req = req.email_mfa_settings(EmailMfaSettingsType::builder().enabled(true).build());
    }
    req.send().await.unwrap();
}

/// A pool with MFA OPTIONAL offering SMS, and alice with a phone and SMS MFA enabled.
async fn sms_pool(app: &TestApp) -> (String, String) {
    let (pool, client) = pool_client_user(app, false).await;
    offer(app, &pool, UserPoolMfaType::Optional, true, false).await;
    give_phone(app, &pool, false).await;
    enable_factors(app, &pool, true, false).await;
    (pool, client)
}

/// The six digits of `message`.
pub fn digits(message: &str) -> String {
    let d: String = message.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(d.len(), 6, "{message}");
    d
}

/// The code of the last SMS the webhook received (checked to be an MFA message to [`PHONE`]
/// built from [`SMS_MESSAGE`]).
pub fn last_sms_code(app: &TestApp) -> String {
    let messages = app.sms.messages();
    let last = messages.last().expect("no SMS sent");
    assert_eq!(last["to"], PHONE);
    assert_eq!(last["kind"], "mfa");
    let text = last["message"].as_str().unwrap();
    let code = digits(text);
    assert_eq!(text, SMS_MESSAGE.replace("{####}", &code));
    code
}

/// The code of the last mail to `address` (checked to carry [`EMAIL_SUBJECT`]).
pub fn last_mail_code(app: &TestApp, address: &str) -> String {
    let mails = app.smtp.to(address);
    let text = mails.last().expect("no mail sent").text();
    assert!(
        text.contains(&format!("Subject: {EMAIL_SUBJECT}")),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| l.contains("Your Tessera code is"))
        .unwrap_or_else(|| panic!("no code line in {text}"));
    digits(line)
}

/// Answers a code challenge (`SMS_MFA` with SMS_MFA_CODE, `EMAIL_OTP` with `member`).
pub async fn respond_code(
    app: &TestApp,
    client: &str,
    challenge: ChallengeNameType,
    member: &str,
    session: &str,
    code: &str,
) -> Result<RespondToAuthChallengeOutput, (String, String)> {
    app.cognito
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(challenge)
        .session(session)
        .challenge_responses("USERNAME", "alice")
        .challenge_responses(member, code)
        .send()
        .await
        .map_err(|e| (error_code(&e), error_message(&e)))
}

/// Answers an SMS_MFA challenge with `code`.
pub async fn respond_sms(
    app: &TestApp,
    client: &str,
    session: &str,
    code: &str,
) -> Result<RespondToAuthChallengeOutput, (String, String)> {
    respond_code(
        app,
        client,
        ChallengeNameType::SmsMfa,
        "SMS_MFA_CODE",
        session,
        code,
    )
    .await
}

pub fn has_tokens(out: &RespondToAuthChallengeOutput) -> bool {
    out.authentication_result
        .as_ref()
        .and_then(|r| r.access_token.as_ref())
        .is_some()
}

/// A wrong code for `right` (same length, another value).
pub fn wrong(right: &str) -> String {
    let n: u32 = right.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

/// Signs alice in with her password and expects `expected`; returns the session and the
/// challenge parameters.
pub async fn challenged(
    app: &TestApp,
    client: &str,
    expected: ChallengeNameType,
) -> (String, HashMap<String, String>) {
    let out = password_auth(app, client, "alice", PASSWORD).await.unwrap();
    assert!(out.authentication_result.is_none());
    assert_eq!(out.challenge_name(), Some(&expected));
    (out.session.unwrap(), out.challenge_parameters.unwrap())
}

async fn sms_mfa_code_right_after_wrong(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = sms_pool(&app).await;
    let sub = stored(&app, &pool, "alice").await.sub;

    let (session, params) = challenged(&app, &client, ChallengeNameType::SmsMfa).await;
    assert_eq!(params["USER_ID_FOR_SRP"], "alice");
    assert_eq!(params["CODE_DELIVERY_DELIVERY_MEDIUM"], "SMS");
    let destination = &params["CODE_DELIVERY_DESTINATION"];
    assert!(destination.ends_with("0123"), "{destination}");
    assert!(destination.contains('*'), "{destination}");
    assert_ne!(destination, PHONE);
    assert_eq!(app.sms.messages().len(), 1);
    let code = last_sms_code(&app);
    assert_eq!(app.sms.messages()[0]["pool_id"], pool.as_str());

    // A wrong code: CodeMismatchException, counted; the same session takes the right one.
    let (err, _) = respond_sms(&app, &client, &session, &wrong(&code))
        .await
        .unwrap_err();
    assert_eq!(err, "CodeMismatchException");
    let failures = app.services.store.sign_in_failures(&sub).await.unwrap();
    assert_eq!(failures.map(|f| f.failures), Some(1));
    let out = respond_sms(&app, &client, &session, &code).await.unwrap();
    assert!(has_tokens(&out));
    // Success clears the failures; the session is used up.
    let failures = app.services.store.sign_in_failures(&sub).await.unwrap();
    assert!(failures.is_none_or(|f| f.failures == 0));
    let (err, _) = respond_sms(&app, &client, &session, &code)
        .await
        .unwrap_err();
    assert_eq!(err, "NotAuthorizedException");
    // The code of one sign-in is not the next one's (a new code is sent).
    let (session, _) = challenged(&app, &client, ChallengeNameType::SmsMfa).await;
    assert_eq!(app.sms.messages().len(), 2);
    let next = last_sms_code(&app);
    if next != code {
        let (err, _) = respond_sms(&app, &client, &session, &code)
            .await
            .unwrap_err();
        assert_eq!(err, "CodeMismatchException");
    }
    // A missing code is a bad request, not a mismatch.
    let r = app
        .cognito
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::SmsMfa)
        .session(&session)
        .challenge_responses("USERNAME", "alice")
        .send()
        .await;
    crate::assert_aws_error!(r, "InvalidParameterException");
}

/// Three wrong codes end the session (the right code is then refused too); the wrong codes
/// count toward the lockout like wrong passwords: after five, even the password is refused.
async fn sms_mfa_three_wrong_codes_and_lockout(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, client) = sms_pool(&app).await;
    let (session, _) = challenged(&app, &client, ChallengeNameType::SmsMfa).await;
    let code = last_sms_code(&app);
    let try_code = |c: String| {
        let app = &app;
        let client = client.clone();
        let session = session.clone();
        async move {
            respond_sms(app, &client, &session, &c)
                .await
                .map(|o| has_tokens(&o))
        }
    };
    for _ in 0..2 {
        assert_eq!(
            try_code(wrong(&code)).await.unwrap_err().0,
            "CodeMismatchException"
        );
    }
    assert_eq!(
        try_code(wrong(&code)).await.unwrap_err().0,
        "NotAuthorizedException"
    );
    assert_eq!(
        try_code(code).await.unwrap_err().0,
        "NotAuthorizedException"
    );

    // Failures 4 and 5 in a new session: the user is then locked out.
    let (session, _) = challenged(&app, &client, ChallengeNameType::SmsMfa).await;
    let code = last_sms_code(&app);
    for _ in 0..2 {
        let (err, _) = respond_sms(&app, &client, &session, &wrong(&code))
            .await
            .unwrap_err();
        assert_eq!(err, "CodeMismatchException");
    }
    let msg = crate::assert_aws_error!(
        password_auth(&app, &client, "alice", PASSWORD).await,
        "NotAuthorizedException"
    );
    assert_eq!(msg, "Password attempts exceeded");
    // Locked: the right code of the open session is refused as well.
    let (err, msg) = respond_sms(&app, &client, &session, &code)
        .await
        .unwrap_err();
    assert_eq!(
        (err.as_str(), msg.as_str()),
        ("NotAuthorizedException", "Password attempts exceeded")
    );
}

/// The code lives as long as the session (AuthSessionValidity, 3 minutes by default).
async fn sms_mfa_expired_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, client) = sms_pool(&app).await;
    let (session, _) = challenged(&app, &client, ChallengeNameType::SmsMfa).await;
    let code = last_sms_code(&app);
    advance(&app, 3 * 60 + 1);
    let (err, _) = respond_sms(&app, &client, &session, &code)
        .await
        .unwrap_err();
    assert_eq!(err, "NotAuthorizedException");
    // Within the validity a fresh session works.
    let (session, _) = challenged(&app, &client, ChallengeNameType::SmsMfa).await;
    let code = last_sms_code(&app);
    advance(&app, 2 * 60);
    let out = respond_sms(&app, &client, &session, &code).await.unwrap();
    assert!(has_tokens(&out));
}

/// The SMS webhook answering 500: CodeDeliveryFailureException, no session.
async fn sms_mfa_delivery_failure(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, client) = sms_pool(&app).await;
    app.sms.set_failing(true);
    crate::assert_aws_error!(
        password_auth(&app, &client, "alice", PASSWORD).await,
        "CodeDeliveryFailureException"
    );
    assert!(app.sms.messages().is_empty());
    app.sms.set_failing(false);
    challenged(&app, &client, ChallengeNameType::SmsMfa).await;
    last_sms_code(&app);
}

/// USER_SRP_AUTH → PASSWORD_VERIFIER → SMS_MFA; AdminInitiateAuth → SMS_MFA →
/// AdminRespondToAuthChallenge.
async fn sms_mfa_after_srp_and_through_admin_door(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = sms_pool(&app).await;
    let s = start(&app, &client, "alice").await;
    let out = answer(&app, &client, &pool, &s, PASSWORD, &now_stamp(&app))
        .await
        .unwrap();
    assert!(out.authentication_result.is_none());
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SmsMfa));
    assert_eq!(
        out.challenge_parameters.as_ref().unwrap()["USER_ID_FOR_SRP"],
        "alice"
    );
    let code = last_sms_code(&app);
    let done = respond_sms(&app, &client, out.session.as_deref().unwrap(), &code)
        .await
        .unwrap();
    assert!(has_tokens(&done));

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
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SmsMfa));
    let code = last_sms_code(&app);
    let admin_answer = |c: String| {
        app.cognito
            .admin_respond_to_auth_challenge()
            .user_pool_id(&pool)
            .client_id(&client)
            .challenge_name(ChallengeNameType::SmsMfa)
            .session(out.session.clone().unwrap())
            .challenge_responses("USERNAME", "alice")
            .challenge_responses("SMS_MFA_CODE", c)
            .send()
    };
    crate::assert_aws_error!(admin_answer(wrong(&code)).await, "CodeMismatchException");
    let done = admin_answer(code).await.unwrap();
    assert!(done.authentication_result.unwrap().access_token.is_some());
}

/// MFA ON offering SMS only, alice with no factor enabled: a verified phone number gets the
/// code directly; without a phone there is nothing to set up.
async fn sms_mfa_for_verified_phone_in_mfa_on_pool(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    offer(&app, &pool, UserPoolMfaType::On, true, false).await;
    crate::assert_aws_error!(
        password_auth(&app, &client, "alice", PASSWORD).await,
        "MFAMethodNotFoundException"
    );
    give_phone(&app, &pool, true).await;
    let (session, params) = challenged(&app, &client, ChallengeNameType::SmsMfa).await;
    assert_eq!(params["CODE_DELIVERY_DELIVERY_MEDIUM"], "SMS");
    let code = last_sms_code(&app);
    let out = respond_sms(&app, &client, &session, &code).await.unwrap();
    assert!(has_tokens(&out));
}

/// EMAIL_OTP: the mail carries the pool's subject and message; a wrong EMAIL_OTP_CODE is
/// retried in the same session; EMAIL_MFA_CODE is accepted as the code's member too.
async fn email_otp_code_right_after_wrong(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    offer(&app, &pool, UserPoolMfaType::Optional, false, true).await;
    enable_factors(&app, &pool, false, true).await;

    let (session, params) = challenged(&app, &client, ChallengeNameType::EmailOtp).await;
    assert_eq!(params["USER_ID_FOR_SRP"], "alice");
    assert_eq!(params["CODE_DELIVERY_DELIVERY_MEDIUM"], "EMAIL");
    let destination = &params["CODE_DELIVERY_DESTINATION"];
    assert!(destination.starts_with('a'), "{destination}");
    assert!(destination.contains('*'), "{destination}");
    assert!(!destination.contains("alice@example.com"), "{destination}");
    let code = last_mail_code(&app, "alice@example.com");
    let (err, _) = respond_code(
        &app,
        &client,
        ChallengeNameType::EmailOtp,
        "EMAIL_OTP_CODE",
        &session,
        &wrong(&code),
    )
    .await
    .unwrap_err();
    assert_eq!(err, "CodeMismatchException");
    let out = respond_code(
        &app,
        &client,
        ChallengeNameType::EmailOtp,
        "EMAIL_OTP_CODE",
        &session,
        &code,
    )
    .await
    .unwrap();
    assert!(has_tokens(&out));

    let (session, _) = challenged(&app, &client, ChallengeNameType::EmailOtp).await;
    assert_eq!(app.smtp.to("alice@example.com").len(), 2);
    let code = last_mail_code(&app, "alice@example.com");
    let out = respond_code(
        &app,
        &client,
        ChallengeNameType::EmailOtp,
        "EMAIL_MFA_CODE",
        &session,
        &code,
    )
    .await
    .unwrap();
    assert!(has_tokens(&out));

    // Three wrong codes end this session too.
    let (session, _) = challenged(&app, &client, ChallengeNameType::EmailOtp).await;
    let code = last_mail_code(&app, "alice@example.com");
    let mut errors = Vec::new();
    for _ in 0..3 {
        let (err, _) = respond_code(
            &app,
            &client,
            ChallengeNameType::EmailOtp,
            "EMAIL_OTP_CODE",
            &session,
            &wrong(&code),
        )
        .await
        .unwrap_err();
        errors.push(err);
    }
    assert_eq!(
        errors,
        [
            "CodeMismatchException",
            "CodeMismatchException",
            "NotAuthorizedException"
        ]
    );
    let (err, _) = respond_code(
        &app,
        &client,
        ChallengeNameType::EmailOtp,
        "EMAIL_OTP_CODE",
        &session,
        &code,
    )
    .await
    .unwrap_err();
    assert_eq!(err, "NotAuthorizedException");
    // An expired session is refused.
    let (session, _) = challenged(&app, &client, ChallengeNameType::EmailOtp).await;
    let code = last_mail_code(&app, "alice@example.com");
    advance(&app, 4 * 60);
    let (err, _) = respond_code(
        &app,
        &client,
        ChallengeNameType::EmailOtp,
        "EMAIL_OTP_CODE",
        &session,
        &code,
    )
    .await
    .unwrap_err();
    assert_eq!(err, "NotAuthorizedException");
}

/// Each MFA code sent costs a message: at most 20 per user per hour, whatever the sign-ins;
/// the 21st sign-in is TooManyRequestsException and sends nothing; an hour later it works.
async fn sms_mfa_codes_per_hour_limit(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_pool, client) = sms_pool(&app).await;
    for _ in 0..20 {
        challenged(&app, &client, ChallengeNameType::SmsMfa).await;
    }
    assert_eq!(app.sms.messages().len(), 20);
    let err = password_auth(&app, &client, "alice", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(error_code(&err), "TooManyRequestsException");
    assert_eq!(app.sms.messages().len(), 20);
    advance(&app, 3601);
    challenged(&app, &client, ChallengeNameType::SmsMfa).await;
    assert_eq!(app.sms.messages().len(), 21);
}

/// A session answered under the wrong ChallengeName is InvalidParameterException and stays
/// usable for its own challenge.
async fn a_wrong_challenge_name_leaves_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_pool, client) = sms_pool(&app).await;
    let (session, _) = challenged(&app, &client, ChallengeNameType::SmsMfa).await;
    let code = last_sms_code(&app);
    let (err, _) = respond_code(
        &app,
        &client,
        ChallengeNameType::SoftwareTokenMfa,
        "SOFTWARE_TOKEN_MFA_CODE",
        &session,
        &code,
    )
    .await
    .unwrap_err();
    assert_eq!(err, "InvalidParameterException");
    let out = respond_sms(&app, &client, &session, &code).await.unwrap();
    assert!(has_tokens(&out));
}
