//! Sign-up on the hosted pages (reference §1.3, §5.5): the form from the pool's settings, the
//! code by email, confirmation signing the new user in; the emailed confirmation link of
//! CONFIRM_WITH_LINK pools; which links the sign-in page offers.

use crate::account_helpers::pool_with;
use crate::helpers::{Backend, spawn_app};
use crate::ui_helpers::*;
use aws_sdk_cognitoidentityprovider::types::{
    AccountRecoverySettingType, AdminCreateUserConfigType, DefaultEmailOptionType,
    RecoveryOptionNameType, RecoveryOptionType, SchemaAttributeType,
    VerificationMessageTemplateType, VerifiedAttributeType,
};

/// The `href` of the link whose text is `text`.
fn link(page: &Page, text: &str) -> String {
    let end = page
        .body
        .find(&format!(">{text}</a>"))
        .unwrap_or_else(|| panic!("no link {text} in {}", page.body));
    let start = page.body[..end].rfind("href=\"").unwrap() + 6;
    let href_end = start + page.body[start..].find('"').unwrap();
    unescape(&page.body[start..href_end])
}

async fn sign_up_confirm_and_come_back_signed_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = hosted(&app).await;
    let browser = browser();
    let query = authorize_query(&h.client_id, &[]);
    let login = get(&app, &browser, &format!("/{}/login?{query}", h.pool_id)).await;
    let signup = get(&app, &browser, &link(&login, "Sign up")).await;
    assert_eq!(signup.status, 200, "{}", signup.body);
    for needle in [
        "name=\"username\"",
        "name=\"email\" type=\"email\"",
        "autocomplete=\"email\"",
        "name=\"password\" type=\"password\"",
        "autocomplete=\"new-password\"",
        "At least 8 characters, with an uppercase letter, a lowercase letter, a number and a symbol",
        "<label for=\"email\"",
    ] {
        assert!(
            signup.body.contains(needle),
            "{needle} missing: {}",
            signup.body
        );
    }
    // A password the policy refuses: the message next to the password field.
    let weak = submit(
        &app,
        &browser,
        &signup,
        &[
            ("username", "bob"),
            ("email", "bob@example.com"),
            ("password", "short"),
        ],
    )
    .await;
    assert_eq!(weak.status, 200);
    assert!(weak.body.contains("id=\"password-error\""), "{}", weak.body);
    assert!(weak.body.contains("aria-invalid=\"true\""));
    assert!(
        weak.body
            .contains("aria-describedby=\"password-hint password-error\"")
    );
    assert!(weak.body.contains("Password not long enough."));
    assert!(
        weak.body.contains("value=\"bob@example.com\""),
        "typed values are kept"
    );
    let created = submit(
        &app,
        &browser,
        &weak,
        &[
            ("username", "bob"),
            ("email", "bob@example.com"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(created.status, 302, "{}", created.body);
    assert_eq!(
        created.location(),
        format!("/{}/confirm?{query}&username=bob", h.pool_id)
    );
    // The same username again is refused next to the field.
    let taken = submit(
        &app,
        &browser,
        &signup,
        &[
            ("username", "bob"),
            ("email", "bob2@example.com"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert!(
        taken.body.contains("id=\"username-error\""),
        "{}",
        taken.body
    );
    let confirm = get(&app, &browser, &created.location()).await;
    assert_eq!(confirm.status, 200);
    assert!(
        confirm
            .body
            .contains("We have sent a code by email to b***@e***"),
        "{}",
        confirm.body
    );
    let code = mailed_code(&app, "bob@example.com");
    let wrong = submit(
        &app,
        &browser,
        &confirm,
        &[("code", &crate::account_helpers::wrong(&code))],
    )
    .await;
    assert_eq!(wrong.status, 200);
    assert!(wrong.body.contains("id=\"code-error\""), "{}", wrong.body);
    let done = submit(&app, &browser, &wrong, &[("code", &code)]).await;
    assert_code(&done);
    // And the hosted-UI session is alive.
    assert_code(&authorize(&app, &browser, &h.pool_id, &query).await);
}

async fn confirming_in_another_browser_asks_to_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let h = hosted(&app).await;
    let query = authorize_query(&h.client_id, &[]);
    let first = browser();
    let signup = get(&app, &first, &format!("/{}/signup?{query}", h.pool_id)).await;
    let created = submit(
        &app,
        &first,
        &signup,
        &[
            ("username", "carol"),
            ("email", "carol@example.com"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(created.status, 302);
    let second = browser();
    let confirm = get(&app, &second, &created.location()).await;
    // Resend, then the new code.
    let resent = post(
        &app,
        &second,
        &confirm.action(),
        &[
            ("_csrf", &confirm.csrf()),
            ("username", "carol"),
            ("action", "resend"),
        ],
    )
    .await;
    assert_eq!(resent.status, 200);
    assert!(
        resent.body.contains("We have sent a new code"),
        "{}",
        resent.body
    );
    let code = mailed_code(&app, "carol@example.com");
    let done = submit(&app, &second, &resent, &[("code", &code)]).await;
    assert_eq!(done.status, 302);
    assert_eq!(done.location(), format!("/{}/login?{query}", h.pool_id));
    let login = get(&app, &second, &done.location()).await;
    assert!(
        login.body.contains("Your account is confirmed."),
        "{}",
        login.body
    );
    // Signed in with the password, it works.
    assert_code(
        &submit(
            &app,
            &second,
            &login,
            &[("username", "carol"), ("password", PASSWORD)],
        )
        .await,
    );
}

async fn required_attributes_are_asked_for(backend: Backend) {
    let app = spawn_app(backend).await;
    let pool_id = pool_with(&app, |b| {
        b.auto_verified_attributes(VerifiedAttributeType::Email)
            .username_attributes(
                aws_sdk_cognitoidentityprovider::types::UsernameAttributeType::Email,
            )
            .schema(
                SchemaAttributeType::builder()
                    .name("given_name")
                    .required(true)
                    .mutable(true)
                    .build(),
            )
    })
    .await;
    let client = oauth_client(&app, &pool_id, "web").await;
    let browser = browser();
    let query = authorize_query(&client, &[]);
    let signup = get(&app, &browser, &format!("/{pool_id}/signup?{query}")).await;
    assert!(signup.body.contains("Email address"), "{}", signup.body);
    assert!(
        signup.body.contains("name=\"username\" type=\"email\""),
        "{}",
        signup.body
    );
    assert!(
        signup.body.contains("name=\"given_name\""),
        "{}",
        signup.body
    );
    assert!(signup.body.contains("autocomplete=\"given-name\""));
    assert!(
        !signup.body.contains("name=\"email\""),
        "the username is the email"
    );
    let missing = submit(
        &app,
        &browser,
        &signup,
        &[
            ("username", "dan@example.com"),
            ("given_name", ""),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(missing.status, 200);
    assert!(
        missing.body.contains("id=\"given_name-error\""),
        "{}",
        missing.body
    );
    let created = submit(
        &app,
        &browser,
        &missing,
        &[
            ("username", "dan@example.com"),
            ("given_name", "Dan"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(created.status, 302, "{}", created.body);
    let confirm = get(&app, &browser, &created.location()).await;
    let code = mailed_code(&app, "dan@example.com");
    assert_code(&submit(&app, &browser, &confirm, &[("code", &code)]).await);
}

async fn the_sign_in_page_offers_what_the_pool_allows(backend: Backend) {
    let app = spawn_app(backend).await;
    let pool_id = pool_with(&app, |b| {
        b.admin_create_user_config(
            AdminCreateUserConfigType::builder()
                .allow_admin_create_user_only(true)
                .build(),
        )
        .account_recovery_setting(
            AccountRecoverySettingType::builder()
                .recovery_mechanisms(RecoveryOptionNameType::AdminOnly.into_mechanism())
                .build(),
        )
    })
    .await;
    let client = oauth_client(&app, &pool_id, "web").await;
    let browser = browser();
    let query = authorize_query(&client, &[("login_hint", "erin")]);
    let login = get(&app, &browser, &format!("/{pool_id}/login?{query}")).await;
    assert_eq!(login.status, 200);
    assert!(!login.body.contains("Sign up"), "{}", login.body);
    assert!(
        !login.body.contains("Forgot your password?"),
        "{}",
        login.body
    );
    assert!(
        login.body.contains("value=\"erin\""),
        "login_hint pre-fills: {}",
        login.body
    );
    // The sign-up page itself goes back to the sign-in page.
    let signup = get(&app, &browser, &format!("/{pool_id}/signup?{query}")).await;
    assert_eq!(signup.status, 302);
}

trait IntoMechanism {
    fn into_mechanism(self) -> RecoveryOptionType;
}

impl IntoMechanism for RecoveryOptionNameType {
    fn into_mechanism(self) -> RecoveryOptionType {
        RecoveryOptionType::builder()
            .name(self)
            .priority(1)
            .build()
            .unwrap()
    }
}

async fn the_emailed_link_confirms_the_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let pool_id = pool_with(&app, |b| {
        b.auto_verified_attributes(VerifiedAttributeType::Email)
            .verification_message_template(
                VerificationMessageTemplateType::builder()
                    .default_email_option(DefaultEmailOptionType::ConfirmWithLink)
                    .email_message_by_link("Welcome! {##Confirm my account##}")
                    .email_subject_by_link("Confirm your account")
                    .build(),
            )
    })
    .await;
    let client = oauth_client(&app, &pool_id, "web").await;
    let browser = browser();
    let query = authorize_query(&client, &[]);
    let signup = get(&app, &browser, &format!("/{pool_id}/signup?{query}")).await;
    let created = submit(
        &app,
        &browser,
        &signup,
        &[
            ("username", "fay"),
            ("email", "fay@example.com"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(created.status, 302, "{}", created.body);
    let mail = app.smtp.to("fay@example.com").last().unwrap().text();
    assert!(mail.contains("Subject: Confirm your account"), "{mail}");
    assert!(mail.contains("Confirm my account"), "{mail}");
    assert!(mail.contains("<a href="), "{mail}");
    let start = mail.find("http://").unwrap();
    let url: String = mail[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '<' && *c != '"')
        .collect();
    // The link is under the pool's public base (PUBLIC_URL).
    let path =
        format!("/{pool_id}/confirmUser?client_id={client}&user_name=fay&confirmation_code=");
    let at = url.find(&path).unwrap_or_else(|| panic!("{url}"));
    assert_eq!(url[..at], app.address, "{url}");
    let code = &url[at + path.len()..];
    assert!(
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
        "{url}"
    );
    let url = url[at..].to_string();
    let confirmed = get(&app, &browser, &url).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert!(
        confirmed.body.contains("Your account has been confirmed."),
        "{}",
        confirmed.body
    );
    assert!(
        confirmed.body.contains(&format!("/{pool_id}/login?")),
        "a way to sign in"
    );
    let (status, _) = crate::user_helpers::status_of(&app, &pool_id, "fay").await;
    assert_eq!(status.as_str(), "CONFIRMED");
    // Used up: a second visit says so.
    let again = get(&app, &browser, &url).await;
    assert_eq!(again.status, 400);
}

crate::both_databases!(
    sign_up_confirm_and_come_back_signed_in,
    confirming_in_another_browser_asks_to_sign_in,
    required_attributes_are_asked_for,
    the_sign_in_page_offers_what_the_pool_allows,
    the_emailed_link_confirms_the_account,
);
