//! Signing in on the hosted page with a one-time code instead of the password: the pool allows
//! EMAIL_OTP as a first factor, so the sign-in page offers "Email me a sign-in code"; the code
//! page follows, the right code goes back to the app; a user without a verified email is told
//! to use the password; a pool that does not allow it shows no button and ignores the request.

use crate::both_databases;
use crate::helpers::{Backend, spawn_app};
use crate::ui_helpers::{
    assert_code, authorize, authorize_query, browser, get, hosted, submit, user,
};
use aws_sdk_cognitoidentityprovider::types::{
    AuthFactorType, SignInPolicyType, UserPoolPolicyType,
};

/// The six digits in the last mail to `address`.
fn code_in_last_mail(app: &crate::helpers::TestApp, address: &str) -> String {
    let text = app.smtp.to(address).last().expect("a mail").text();
    let chars: Vec<char> = text.chars().collect();
    chars
        .windows(6)
        .find(|w| w.iter().all(char::is_ascii_digit))
        .map(|w| w.iter().collect())
        .unwrap_or_else(|| panic!("no code in {text}"))
}

async fn an_emailed_code_signs_in_on_the_hosted_page(db: Backend) {
    let app = spawn_app(db).await;
    let h = hosted(&app).await;
    user(&app, &h.pool_id, "ann").await;
    let b = browser();
    let query = authorize_query(&h.client_id, &[]);

    // Not allowed yet: no button, and a forged request signs no one in.
    let login = get(
        &app,
        &b,
        &authorize(&app, &b, &h.pool_id, &query).await.location(),
    )
    .await;
    assert!(
        !login.body.contains("Email me a sign-in code"),
        "{}",
        login.body
    );
    let refused = submit(
        &app,
        &b,
        &login,
        &[("username", "ann"), ("factor", "EMAIL_OTP")],
    )
    .await;
    assert_eq!(refused.status, 200);
    assert!(app.smtp.to("ann@example.com").is_empty());

    app.cognito
        .update_user_pool()
        .user_pool_id(&h.pool_id)
        .auto_verified_attributes(
            aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType::Email,
        )
        .policies(
            UserPoolPolicyType::builder()
                .sign_in_policy(
                    SignInPolicyType::builder()
                        .allowed_first_auth_factors(AuthFactorType::Password)
                        .allowed_first_auth_factors(AuthFactorType::EmailOtp)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let login = get(
        &app,
        &b,
        &authorize(&app, &b, &h.pool_id, &query).await.location(),
    )
    .await;
    assert!(
        login.body.contains("Email me a sign-in code"),
        "{}",
        login.body
    );
    let to_code = submit(
        &app,
        &b,
        &login,
        &[("username", "ann"), ("factor", "EMAIL_OTP")],
    )
    .await;
    assert_eq!(to_code.status, 302, "{}", to_code.body);
    assert!(
        to_code.location().contains("/mfa?"),
        "{}",
        to_code.location()
    );
    let code_page = get(&app, &b, &to_code.location()).await;
    assert!(
        code_page.body.contains("We sent a code by email"),
        "{}",
        code_page.body
    );
    let code = code_in_last_mail(&app, "ann@example.com");
    let done = submit(&app, &b, &code_page, &[("code", &code)]).await;
    assert_code(&done);

    // A user without a verified email: told to use the password.
    crate::user_helpers::create_user(&app, &h.pool_id, "bo", &[("email", "bo@example.com")]).await;
    crate::sign_in_helpers::set_permanent(&app, &h.pool_id, "bo", "Correct-Horse-9").await;
    let other = browser();
    let login = get(
        &app,
        &other,
        &authorize(&app, &other, &h.pool_id, &query).await.location(),
    )
    .await;
    let told = submit(
        &app,
        &other,
        &login,
        &[("username", "bo"), ("factor", "EMAIL_OTP")],
    )
    .await;
    assert_eq!(told.status, 200);
    assert!(
        told.body.contains("Sign in with your password"),
        "{}",
        told.body
    );
}

both_databases!(an_emailed_code_signs_in_on_the_hosted_page);
