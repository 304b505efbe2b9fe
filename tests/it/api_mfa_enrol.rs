//! Software-token enrolment with an access token: AssociateSoftwareToken, VerifySoftwareToken
//! (right and wrong codes), SetUserMFAPreference / AdminSetUserMFAPreference, and the MFA
//! members of GetUser / AdminGetUser. A user with the token enabled is asked for its code.

use crate::both_databases;
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::mfa_helpers::{enable_totp, step_now, totp_at_step, totp_now};
use crate::sign_in_helpers::{PASSWORD, password_auth, pool_client_user};
use aws_sdk_cognitoidentityprovider as cognito;
use cognito::types::{SoftwareTokenMfaSettingsType, UserPoolMfaType};

both_databases!(
    mfa_enrol_verify_and_preference,
    mfa_preference_needs_verified_token
);

async fn sign_in(app: &TestApp, client: &str) -> String {
    password_auth(app, client, "alice", PASSWORD)
        .await
        .unwrap()
        .authentication_result
        .unwrap()
        .access_token
        .unwrap()
}

fn code_of<E: cognito::error::ProvideErrorMetadata>(e: E) -> String {
    e.code().unwrap_or_default().to_string()
}

async fn mfa_enrol_verify_and_preference(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    enable_totp(&app, &pool, UserPoolMfaType::Optional).await;
    let token = sign_in(&app, &client).await;

    let secret = app
        .cognito
        .associate_software_token()
        .access_token(&token)
        .send()
        .await
        .unwrap()
        .secret_code
        .unwrap();
    assert_eq!(secret.len(), 32);
    assert!(secret.bytes().all(|b| b.is_ascii_alphanumeric()));

    // A wrong code (a step far away) is refused.
    let wrong = totp_at_step(&secret, step_now(&app) - 5);
    let err = app
        .cognito
        .verify_software_token()
        .access_token(&token)
        .user_code(&wrong)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_of(err.into_service_error()),
        "EnableSoftwareTokenMFAException"
    );
    // Not 6 digits.
    let err = app
        .cognito
        .verify_software_token()
        .access_token(&token)
        .user_code("12ab56")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_of(err.into_service_error()),
        "InvalidParameterException"
    );

    let out = app
        .cognito
        .verify_software_token()
        .access_token(&token)
        .user_code(totp_now(&app, &secret))
        .friendly_device_name("phone")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.status.map(|s| s.as_str().to_string()).as_deref(),
        Some("SUCCESS")
    );

    let user = app
        .cognito
        .get_user()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_mfa_setting_list(), ["SOFTWARE_TOKEN_MFA"]);
    assert_eq!(user.preferred_mfa_setting, None);

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
    let admin = app
        .cognito
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(admin.user_mfa_setting_list(), ["SOFTWARE_TOKEN_MFA"]);
    assert_eq!(
        admin.preferred_mfa_setting.as_deref(),
        Some("SOFTWARE_TOKEN_MFA")
    );

    // With a factor enabled the password alone gives no tokens: the code is asked.
    let out = password_auth(&app, &client, "alice", PASSWORD)
        .await
        .unwrap();
    assert!(out.authentication_result.is_none());
    assert_eq!(
        out.challenge_name
            .map(|c| c.as_str().to_string())
            .as_deref(),
        Some("SOFTWARE_TOKEN_MFA")
    );

    // The administrator turns it off: the password alone signs in again.
    app.cognito
        .admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("alice")
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(false)
                .preferred_mfa(false)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let admin = app
        .cognito
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert!(admin.user_mfa_setting_list().is_empty());
    assert_eq!(admin.preferred_mfa_setting, None);
    sign_in(&app, &client).await;
}

async fn mfa_preference_needs_verified_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    enable_totp(&app, &pool, UserPoolMfaType::Optional).await;
    let token = sign_in(&app, &client).await;
    let enable = || {
        app.cognito
            .set_user_mfa_preference()
            .access_token(&token)
            .software_token_mfa_settings(
                SoftwareTokenMfaSettingsType::builder()
                    .enabled(true)
                    .build(),
            )
    };
    let err = enable().send().await.unwrap_err();
    assert_eq!(
        code_of(err.into_service_error()),
        "InvalidParameterException"
    );
    // Associated but not verified: still refused; verifying without a pending secret too.
    app.cognito
        .associate_software_token()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    let err = enable().send().await.unwrap_err();
    assert_eq!(
        code_of(err.into_service_error()),
        "InvalidParameterException"
    );
    let other_pool_user = app
        .cognito
        .admin_set_user_mfa_preference()
        .user_pool_id(&pool)
        .username("nobody")
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(false)
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code_of(other_pool_user.into_service_error()),
        "UserNotFoundException"
    );
    // Nothing enabled: the user still signs in with the password alone.
    sign_in(&app, &client).await;
}
