//! Helpers for the hosted MFA page tests: pools requiring MFA with chosen factors, the codes
//! the server sends by SMS and email read back from the sinks, the software token key read
//! off the set-up page, and the code exchanged for tokens at the token endpoint.

use crate::helpers::TestApp;
use crate::ui_helpers::*;
use aws_sdk_cognitoidentityprovider::types::{
    EmailMfaConfigType, SmsMfaConfigType, SoftwareTokenMfaConfigType, UserPoolMfaType,
};

/// The factors a pool offers.
#[derive(Clone, Copy, Default)]
pub struct Factors {
    pub totp: bool,
    pub sms: bool,
    pub email: bool,
}

/// Sets the pool's MFA to `mode` with `factors`.
pub async fn set_mfa(app: &TestApp, pool_id: &str, mode: UserPoolMfaType, factors: Factors) {
    let mut req = app
        .cognito
        .set_user_pool_mfa_config()
        .user_pool_id(pool_id)
        .mfa_configuration(mode)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder()
                .enabled(factors.totp)
                .build(),
        );
    if factors.sms {
        req = req.sms_mfa_configuration(
            SmsMfaConfigType::builder()
                .sms_authentication_message("Your authentication code is {####}. ")
                .build(),
        );
    }
    if factors.email {
        req = req.email_mfa_configuration(
            EmailMfaConfigType::builder()
                .subject("Your sign-in code")
                .message("Your authentication code is {####}. ")
                .build(),
        );
    }
    req.send().await.unwrap();
}

/// A hosted pool (email auto-verified, an OAuth client) requiring MFA with `factors`.
pub async fn mfa_pool(app: &TestApp, factors: Factors) -> Hosted {
    let h = hosted(app).await;
    set_mfa(app, &h.pool_id, UserPoolMfaType::On, factors).await;
    h
}

/// The six digits after "Your authentication code is " in `text`.
fn sign_in_code(text: &str) -> String {
    let code: String = text
        .split("Your authentication code is ")
        .nth(1)
        .unwrap_or_else(|| panic!("no sign-in code in {text}"))
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert_eq!(code.len(), 6, "{text}");
    code
}

/// The sign-in code in the last SMS to `number` (sent as kind "mfa").
pub fn texted_sign_in_code(app: &TestApp, number: &str) -> String {
    let sms = app.sms.messages();
    let m = sms
        .iter()
        .rev()
        .find(|m| m["to"] == number)
        .unwrap_or_else(|| panic!("no SMS to {number}: {sms:?}"));
    assert_eq!(m["kind"], "mfa", "{m}");
    sign_in_code(m["message"].as_str().unwrap())
}

/// The sign-in code in the last mail to `address`.
pub fn mailed_sign_in_code(app: &TestApp, address: &str) -> String {
    let mails = app.smtp.to(address);
    let mail = mails
        .last()
        .unwrap_or_else(|| panic!("no mail to {address}"));
    sign_in_code(&mail.text())
}

/// GET the page `page` redirects to.
pub async fn follow(app: &TestApp, browser: &reqwest::Client, page: &Page) -> Page {
    assert_eq!(page.status, 302, "{}", page.body);
    get(app, browser, &page.location()).await
}

/// Asserts `page` redirects to the pool's hosted page `path` (`/mfa`, `/login`, …).
pub fn assert_goes_to(page: &Page, pool_id: &str, path: &str) {
    assert_eq!(page.status, 302, "{}", page.body);
    let location = page.location();
    assert!(
        location.starts_with(&format!("/{pool_id}{path}?")),
        "expected {path}, got {location}"
    );
}

/// The software token key on the set-up page (`#totpSecret`'s `data-secret`).
pub fn secret_on(page: &Page) -> String {
    let at = page
        .body
        .find("id=\"totpSecret\"")
        .unwrap_or_else(|| panic!("no key on {}", page.body));
    let tag_end = at + page.body[at..].find('>').unwrap();
    let tag = &page.body[at..tag_end];
    let start = tag.find("data-secret=\"").unwrap() + "data-secret=\"".len();
    let end = start + tag[start..].find('"').unwrap();
    tag[start..end].to_string()
}

/// Exchanges `code` for tokens as the hosted client (public) and returns the access token.
pub async fn tokens_for(app: &TestApp, h: &Hosted, code: &str) -> String {
    let answer = crate::oauth_helpers::post_form(
        app,
        &h.pool_id,
        "token",
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", CALLBACK),
            ("client_id", &h.client_id),
        ],
        None,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no access token: {}", answer.body))
        .to_string()
}
