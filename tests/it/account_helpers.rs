//! Helpers for the sign-up, recovery and self-service tests: pools and clients with the
//! settings those need, codes read back from the SMTP and SMS sinks, SECRET_HASH.

use crate::helpers::TestApp;
use aws_sdk_cognitoidentityprovider as cognito;
use cognito::operation::create_user_pool::builders::CreateUserPoolFluentBuilder;
use cognito::types::{AttributeType, PreventUserExistenceErrorTypes, VerifiedAttributeType};

pub const PASSWORD: &str = "Corr3ct-horse!";

/// Creates a pool configured by `configure` and returns its id.
pub async fn pool_with(
    app: &TestApp,
    configure: impl FnOnce(CreateUserPoolFluentBuilder) -> CreateUserPoolFluentBuilder,
) -> String {
    configure(app.cognito.create_user_pool().pool_name("p"))
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap()
}

/// A pool that auto-verifies email.
pub async fn email_pool(app: &TestApp) -> String {
    pool_with(app, |b| {
        b.auto_verified_attributes(VerifiedAttributeType::Email)
    })
    .await
}

/// An app client: (id, secret).
pub async fn client(
    app: &TestApp,
    pool: &str,
    secret: bool,
    prevent_existence_errors: bool,
) -> (String, Option<String>) {
    let mode = if prevent_existence_errors {
        PreventUserExistenceErrorTypes::Enabled
    } else {
        PreventUserExistenceErrorTypes::Legacy
    };
    let c = app
        .cognito
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("app")
        .generate_secret(secret)
        .prevent_user_existence_errors(mode)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    (c.client_id.unwrap(), c.client_secret)
}

pub fn attr(name: &str, value: &str) -> AttributeType {
    crate::user_helpers::attr(name, value)
}

/// The six-digit code in the last message sent to `address`.
pub fn mailed_code(app: &TestApp, address: &str) -> String {
    let mails = app.smtp.to(address);
    let text = mails.last().expect("a mail").text();
    six_digits(&text)
}

/// The six-digit code in the last SMS sent to `number`.
pub fn texted_code(app: &TestApp, number: &str) -> String {
    let sms = app.sms.messages();
    let m = sms
        .iter()
        .rev()
        .find(|m| m["to"] == number)
        .expect("an SMS");
    six_digits(m["message"].as_str().unwrap())
}

fn six_digits(text: &str) -> String {
    let code: String = text
        .split("Your verification code is ")
        .nth(1)
        .unwrap_or_else(|| panic!("no code in {text}"))
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert_eq!(code.len(), 6, "{text}");
    code
}

/// A code guaranteed to differ from `code`.
pub fn wrong(code: &str) -> String {
    if code == "000000" {
        "111111".into()
    } else {
        "000000".into()
    }
}

/// SignUp with an email, returning the user's sub.
pub async fn sign_up(app: &TestApp, client: &str, username: &str, email: &str) -> String {
    app.cognito
        .sign_up()
        .client_id(client)
        .username(username)
        .password(PASSWORD)
        .user_attributes(attr("email", email))
        .send()
        .await
        .unwrap()
        .user_sub
}

/// A confirmed user with a verified email and a permanent password (admin actions).
pub async fn confirmed_user(app: &TestApp, pool: &str, username: &str, email: &str) {
    crate::user_helpers::create_user(
        app,
        pool,
        username,
        &[("email", email), ("email_verified", "true")],
    )
    .await;
    app.cognito
        .admin_set_user_password()
        .user_pool_id(pool)
        .username(username)
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .unwrap();
}

/// SECRET_HASH as SDK users compute it.
pub fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    tessera::services::client_auth::secret_hash(secret, username, client_id)
}
