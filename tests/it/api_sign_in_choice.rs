//! USER_AUTH, choice-based sign-in, through the JSON API: the pool's SignInPolicy (checked and
//! described), a preferred one-time code by email as the whole sign-in, SELECT_CHALLENGE and
//! its answers (a password inline, a factor not offered, then another), PASSWORD_SRP, a user
//! that does not exist in a client that hides users, MFA-required pools, clients without
//! ALLOW_USER_AUTH, and GetUserAuthFactors / AdminGetUserAuthFactors.

use crate::api_sign_in_srp::now_stamp;
use crate::both_databases;
use crate::helpers::{Backend, TestApp, error_code, spawn_app};
use crate::sign_in_helpers::{PASSWORD, client_with, set_permanent};
use crate::user_helpers::create_user;
use aws_sdk_cognitoidentityprovider as cognito;
use cognito::types::{
    AuthFactorType, AuthFlowType, ChallengeNameType, SignInPolicyType, UserPoolMfaType,
    UserPoolPolicyType,
};
use tessera::crypto::srp::{self, client};

const EMAIL: &str = "ann@example.com";

pub(crate) fn policy(factors: &[AuthFactorType]) -> UserPoolPolicyType {
    let mut p = SignInPolicyType::builder();
    for f in factors {
        p = p.allowed_first_auth_factors(f.clone());
    }
    UserPoolPolicyType::builder()
        .sign_in_policy(p.build())
        .build()
}

/// A pool allowing `factors`, a client with ALLOW_USER_AUTH (hiding users or not), and a
/// confirmed user `ann` with a verified email and [`PASSWORD`].
pub(crate) async fn set_up(
    app: &TestApp,
    factors: &[AuthFactorType],
    hide: bool,
) -> (String, String) {
    let pool = app
        .cognito
        .create_user_pool()
        .pool_name("choice")
        .policies(policy(factors))
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let (client, _) = client_with(
        app,
        &pool,
        &["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        false,
        hide,
    )
    .await;
    create_user(
        app,
        &pool,
        "ann",
        &[("email", EMAIL), ("email_verified", "true")],
    )
    .await;
    set_permanent(app, &pool, "ann", PASSWORD).await;
    (pool, client)
}

/// The six digits of the last mail to `address`.
fn last_code(app: &TestApp, address: &str) -> String {
    let mails = app.smtp.to(address);
    let text = mails.last().expect("a mail").text();
    let digits: Vec<char> = text.chars().collect();
    digits
        .windows(6)
        .find(|w| w.iter().all(char::is_ascii_digit))
        .map(|w| w.iter().collect())
        .unwrap_or_else(|| panic!("no code in {text}"))
}

pub(crate) async fn initiate(
    app: &TestApp,
    client: &str,
    username: &str,
    extra: &[(&str, &str)],
) -> Result<
    cognito::operation::initiate_auth::InitiateAuthOutput,
    cognito::error::SdkError<cognito::operation::initiate_auth::InitiateAuthError>,
> {
    let mut req = app
        .cognito
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", username);
    for (k, v) in extra {
        req = req.auth_parameters(*k, *v);
    }
    req.send().await
}

pub(crate) async fn respond(
    app: &TestApp,
    client: &str,
    name: ChallengeNameType,
    session: &str,
    responses: &[(&str, &str)],
) -> Result<
    cognito::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput,
    cognito::error::SdkError<
        cognito::operation::respond_to_auth_challenge::RespondToAuthChallengeError,
    >,
> {
    let mut req = app
        .cognito
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(name)
        .session(session);
    for (k, v) in responses {
        req = req.challenge_responses(*k, *v);
    }
    req.send().await
}

async fn sign_in_policies_are_checked_and_described(db: Backend) {
    let app = spawn_app(db).await;
    let (pool, _) = set_up(
        &app,
        &[AuthFactorType::Password, AuthFactorType::EmailOtp],
        false,
    )
    .await;
    let described = app.describe_pool(&pool).await;
    let factors = described
        .policies()
        .unwrap()
        .sign_in_policy()
        .unwrap()
        .allowed_first_auth_factors()
        .to_vec();
    assert_eq!(
        factors,
        vec![AuthFactorType::Password, AuthFactorType::EmailOtp]
    );
    let refused = app
        .cognito
        .create_user_pool()
        .pool_name("no-password")
        .policies(policy(&[AuthFactorType::EmailOtp]))
        .send()
        .await;
    assert_eq!(
        error_code(&refused.unwrap_err()),
        "InvalidParameterException"
    );
    app.cognito
        .update_user_pool()
        .user_pool_id(&pool)
        .policies(policy(&[AuthFactorType::Password, AuthFactorType::SmsOtp]))
        .send()
        .await
        .unwrap();
    let described = app.describe_pool(&pool).await;
    let factors = described
        .policies()
        .unwrap()
        .sign_in_policy()
        .unwrap()
        .allowed_first_auth_factors()
        .to_vec();
    assert_eq!(
        factors,
        vec![AuthFactorType::Password, AuthFactorType::SmsOtp]
    );
}

/// PREFERRED_CHALLENGE EMAIL_OTP: a code by email; a wrong one is CodeMismatchException in the
/// same session, the right one gives tokens without a password.
async fn an_emailed_code_is_a_whole_sign_in(db: Backend) {
    let app = spawn_app(db).await;
    let (pool, client) = set_up(
        &app,
        &[AuthFactorType::Password, AuthFactorType::EmailOtp],
        false,
    )
    .await;
    let out = initiate(
        &app,
        &client,
        "ann",
        &[("PREFERRED_CHALLENGE", "EMAIL_OTP")],
    )
    .await
    .unwrap();
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    let params = out.challenge_parameters().unwrap();
    assert_eq!(params["CODE_DELIVERY_DELIVERY_MEDIUM"], "EMAIL");
    assert!(params["CODE_DELIVERY_DESTINATION"].contains("***"));
    let session = out.session().unwrap();
    let code = last_code(&app, EMAIL);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = respond(
        &app,
        &client,
        ChallengeNameType::EmailOtp,
        session,
        &[("USERNAME", "ann"), ("EMAIL_OTP_CODE", wrong)],
    )
    .await;
    assert_eq!(error_code(&refused.unwrap_err()), "CodeMismatchException");
    let out = respond(
        &app,
        &client,
        ChallengeNameType::EmailOtp,
        session,
        &[("USERNAME", "ann"), ("EMAIL_OTP_CODE", &code)],
    )
    .await
    .unwrap();
    let tokens = out.authentication_result().unwrap();
    let access = tokens.access_token().unwrap();
    let factors = app
        .cognito
        .get_user_auth_factors()
        .access_token(access)
        .send()
        .await
        .unwrap();
    assert_eq!(
        factors.configured_user_auth_factors(),
        [AuthFactorType::Password, AuthFactorType::EmailOtp]
    );
    let admin = app
        .cognito
        .admin_get_user_auth_factors()
        .user_pool_id(&pool)
        .username("ann")
        .send()
        .await
        .unwrap();
    assert_eq!(
        admin.configured_user_auth_factors(),
        [AuthFactorType::Password, AuthFactorType::EmailOtp]
    );
}

/// Without a preferred challenge: SELECT_CHALLENGE with the choices; a factor not offered is
/// refused and the session stays; the password inline signs in.
async fn the_client_chooses_among_the_available_challenges(db: Backend) {
    let app = spawn_app(db).await;
    let (_, client) = set_up(
        &app,
        &[AuthFactorType::Password, AuthFactorType::EmailOtp],
        false,
    )
    .await;
    let out = initiate(&app, &client, "ann", &[]).await.unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::SelectChallenge)
    );
    assert_eq!(
        out.available_challenges(),
        [
            ChallengeNameType::Password,
            ChallengeNameType::PasswordSrp,
            ChallengeNameType::EmailOtp
        ]
    );
    let session = out.session().unwrap();
    let refused = respond(
        &app,
        &client,
        ChallengeNameType::SelectChallenge,
        session,
        &[("USERNAME", "ann"), ("ANSWER", "SMS_OTP")],
    )
    .await;
    assert_eq!(
        error_code(&refused.unwrap_err()),
        "InvalidParameterException"
    );
    let out = respond(
        &app,
        &client,
        ChallengeNameType::SelectChallenge,
        session,
        &[
            ("USERNAME", "ann"),
            ("ANSWER", "PASSWORD"),
            ("PASSWORD", PASSWORD),
        ],
    )
    .await
    .unwrap();
    assert!(out.authentication_result().is_some());

    // The other way round: a wrong password counts as one.
    let out = initiate(&app, &client, "ann", &[]).await.unwrap();
    let refused = respond(
        &app,
        &client,
        ChallengeNameType::SelectChallenge,
        out.session().unwrap(),
        &[
            ("USERNAME", "ann"),
            ("ANSWER", "PASSWORD"),
            ("PASSWORD", "Wrong-Horse-1"),
        ],
    )
    .await;
    assert_eq!(error_code(&refused.unwrap_err()), "NotAuthorizedException");
}

/// PREFERRED_CHALLENGE PASSWORD_SRP with SRP_A: USER_SRP_AUTH's PASSWORD_VERIFIER follows.
async fn password_srp_is_the_srp_flow(db: Backend) {
    let app = spawn_app(db).await;
    let (pool, client_id) = set_up(&app, &[AuthFactorType::Password], false).await;
    let c = client::Client::random();
    let out = initiate(
        &app,
        &client_id,
        "ann",
        &[
            ("PREFERRED_CHALLENGE", "PASSWORD_SRP"),
            ("SRP_A", &c.a_hex()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );
    let params = out.challenge_parameters().unwrap();
    let timestamp = now_stamp(&app);
    let signature = c.sign(&client::Proof {
        pool_name: srp::pool_name(&pool),
        username: &params["USER_ID_FOR_SRP"],
        password: PASSWORD,
        salt: &params["SALT"],
        b: &params["SRP_B"],
        secret_block: &params["SECRET_BLOCK"],
        timestamp: &timestamp,
    });
    let out = respond(
        &app,
        &client_id,
        ChallengeNameType::PasswordVerifier,
        &params["SECRET_BLOCK"],
        &[
            ("USERNAME", &params["USER_ID_FOR_SRP"]),
            ("PASSWORD_CLAIM_SECRET_BLOCK", &params["SECRET_BLOCK"]),
            ("PASSWORD_CLAIM_SIGNATURE", &signature),
            ("TIMESTAMP", &timestamp),
        ],
    )
    .await
    .unwrap();
    assert!(out.authentication_result().is_some());
}

/// What is not allowed is not offered: a pool without EMAIL_OTP, an MFA-required pool, a
/// client without ALLOW_USER_AUTH; a user that does not exist gets a challenge like anyone's
/// when the client hides users, UserNotFoundException otherwise.
async fn what_is_not_allowed_is_refused(db: Backend) {
    let app = spawn_app(db).await;
    let (pool, client) = set_up(&app, &[AuthFactorType::Password], false).await;
    let out = initiate(
        &app,
        &client,
        "ann",
        &[("PREFERRED_CHALLENGE", "EMAIL_OTP")],
    )
    .await
    .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::SelectChallenge)
    );
    assert!(
        !out.available_challenges()
            .contains(&ChallengeNameType::EmailOtp)
    );
    let refused = respond(
        &app,
        &client,
        ChallengeNameType::SelectChallenge,
        out.session().unwrap(),
        &[("USERNAME", "ann"), ("ANSWER", "EMAIL_OTP")],
    )
    .await;
    assert_eq!(
        error_code(&refused.unwrap_err()),
        "InvalidParameterException"
    );
    assert!(app.smtp.to(EMAIL).is_empty(), "a code was sent");
    let missing = initiate(&app, &client, "nobody", &[]).await;
    assert_eq!(error_code(&missing.unwrap_err()), "UserNotFoundException");
    let (other, _) = client_with(&app, &pool, &["ALLOW_USER_SRP_AUTH"], false, false).await;
    let refused = initiate(&app, &other, "ann", &[]).await;
    assert_eq!(
        error_code(&refused.unwrap_err()),
        "InvalidParameterException"
    );

    // MFA required: a one-time code is not offered as the whole sign-in.
    let (mfa_pool, mfa_client) = set_up(
        &app,
        &[AuthFactorType::Password, AuthFactorType::EmailOtp],
        true,
    )
    .await;
    crate::mfa_helpers::enable_totp(&app, &mfa_pool, UserPoolMfaType::On).await;
    let out = initiate(&app, &mfa_client, "ann", &[]).await.unwrap();
    assert!(
        !out.available_challenges()
            .contains(&ChallengeNameType::EmailOtp)
    );

    // A client that hides users: the same choices for nobody, and a code that never matches.
    let (hiding_pool, hiding) = set_up(
        &app,
        &[AuthFactorType::Password, AuthFactorType::EmailOtp],
        true,
    )
    .await;
    // A real user without a verified email is offered, and answered, as nobody is.
    create_user(&app, &hiding_pool, "bo", &[("email", "bo@example.com")]).await;
    set_permanent(&app, &hiding_pool, "bo", PASSWORD).await;
    let out = initiate(&app, &hiding, "bo", &[]).await.unwrap();
    assert!(
        out.available_challenges()
            .contains(&ChallengeNameType::EmailOtp)
    );
    let out = initiate(&app, &hiding, "bo", &[("PREFERRED_CHALLENGE", "EMAIL_OTP")])
        .await
        .unwrap();
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    assert!(app.smtp.to("bo@example.com").is_empty());
    let out = initiate(&app, &hiding, "nobody@example.com", &[])
        .await
        .unwrap();
    assert_eq!(
        out.available_challenges(),
        [
            ChallengeNameType::Password,
            ChallengeNameType::PasswordSrp,
            ChallengeNameType::EmailOtp
        ]
    );
    let out = initiate(
        &app,
        &hiding,
        "nobody@example.com",
        &[("PREFERRED_CHALLENGE", "EMAIL_OTP")],
    )
    .await
    .unwrap();
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    assert!(app.smtp.to("nobody@example.com").is_empty());
    let refused = respond(
        &app,
        &hiding,
        ChallengeNameType::EmailOtp,
        out.session().unwrap(),
        &[
            ("USERNAME", "nobody@example.com"),
            ("EMAIL_OTP_CODE", "123456"),
        ],
    )
    .await;
    assert_eq!(error_code(&refused.unwrap_err()), "CodeMismatchException");
}

/// ConfirmSignUp gives a client with ALLOW_USER_AUTH a session that signs the new user in
/// once, without the password; a second use, or another user's name, is refused.
async fn confirm_sign_up_gives_a_session_to_sign_in_with(db: Backend) {
    let app = spawn_app(db).await;
    let pool = crate::account_helpers::email_pool(&app).await;
    let (client, _) = client_with(&app, &pool, &["ALLOW_USER_AUTH"], false, false).await;
    crate::account_helpers::sign_up(&app, &client, "cy", "cy@example.com").await;
    let code = crate::account_helpers::mailed_code(&app, "cy@example.com");
    let confirmed = app
        .cognito
        .confirm_sign_up()
        .client_id(&client)
        .username("cy")
        .confirmation_code(code)
        .send()
        .await
        .unwrap();
    let session = confirmed.session().expect("a session").to_string();
    let other = initiate_with_session(&app, &client, "someone-else", &session).await;
    assert_eq!(error_code(&other.unwrap_err()), "NotAuthorizedException");
    // The failed attempt used the session: sign up again to try the right name.
    crate::account_helpers::sign_up(&app, &client, "dee", "dee@example.com").await;
    let code = crate::account_helpers::mailed_code(&app, "dee@example.com");
    let confirmed = app
        .cognito
        .confirm_sign_up()
        .client_id(&client)
        .username("dee")
        .confirmation_code(code)
        .send()
        .await
        .unwrap();
    let session = confirmed.session().unwrap().to_string();
    let out = initiate_with_session(&app, &client, "dee", &session)
        .await
        .unwrap();
    assert!(out.authentication_result().is_some());
    let again = initiate_with_session(&app, &client, "dee", &session).await;
    assert_eq!(error_code(&again.unwrap_err()), "NotAuthorizedException");
}

async fn initiate_with_session(
    app: &TestApp,
    client: &str,
    username: &str,
    session: &str,
) -> Result<
    cognito::operation::initiate_auth::InitiateAuthOutput,
    cognito::error::SdkError<cognito::operation::initiate_auth::InitiateAuthError>,
> {
    app.cognito
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", username)
        .session(session)
        .send()
        .await
}

both_databases!(
    confirm_sign_up_gives_a_session_to_sign_in_with,
    sign_in_policies_are_checked_and_described,
    an_emailed_code_is_a_whole_sign_in,
    the_client_chooses_among_the_available_challenges,
    password_srp_is_the_srp_flow,
    what_is_not_allowed_is_refused,
);
