//! The legacy SMS MFA switch: SetUserSettings / AdminSetUserSettings with `MFAOptions`
//! [{DeliveryMedium: SMS, AttributeName: phone_number}] enable SMS MFA, [] disables it; GetUser
//! and AdminGetUser show `MFAOptions` while it is enabled; bad options are
//! InvalidParameterException.

use crate::api_mfa_codes::{challenged, give_phone, has_tokens, last_sms_code, offer, respond_sms};
use crate::both_databases;
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::sign_in_helpers::{PASSWORD, password_auth, pool_client_user};
use aws_sdk_cognitoidentityprovider as cognito;
use cognito::types::{ChallengeNameType, DeliveryMediumType, MfaOptionType, UserPoolMfaType};

both_databases!(
    set_user_settings_turns_sms_mfa_on_and_off,
    admin_set_user_settings_turns_sms_mfa_on_and_off,
    user_settings_validation,
);

fn option(medium: &str, attribute: &str) -> MfaOptionType {
    MfaOptionType::builder()
        .delivery_medium(DeliveryMediumType::from(medium))
        .attribute_name(attribute)
        .build()
}

fn sms_option() -> MfaOptionType {
    option("SMS", "phone_number")
}

async fn access_token(app: &TestApp, client: &str) -> String {
    password_auth(app, client, "alice", PASSWORD)
        .await
        .unwrap()
        .authentication_result
        .unwrap()
        .access_token
        .unwrap()
}

fn is_sms_option(options: &[MfaOptionType]) -> bool {
    matches!(options, [o] if o.delivery_medium() == Some(&DeliveryMediumType::Sms)
        && o.attribute_name() == Some("phone_number"))
}

async fn set_user_settings_turns_sms_mfa_on_and_off(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    offer(&app, &pool, UserPoolMfaType::Optional, true, false).await;
    give_phone(&app, &pool, false).await;
    let token = access_token(&app, &client).await;

    let user = app
        .cognito
        .get_user()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    assert!(user.mfa_options().is_empty());

    app.cognito
        .set_user_settings()
        .access_token(&token)
        .mfa_options(sms_option())
        .send()
        .await
        .unwrap();
    let user = app
        .cognito
        .get_user()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    assert!(
        is_sms_option(user.mfa_options()),
        "{:?}",
        user.mfa_options()
    );
    assert_eq!(user.user_mfa_setting_list(), ["SMS_MFA"]);

    // The password alone no longer signs in: the SMS code is asked for.
    let (session, _) = challenged(&app, &client, ChallengeNameType::SmsMfa).await;
    let code = last_sms_code(&app);
    let out = respond_sms(&app, &client, &session, &code).await.unwrap();
    assert!(has_tokens(&out));

    // An empty list turns it off.
    app.cognito
        .set_user_settings()
        .access_token(&token)
        .set_mfa_options(Some(vec![]))
        .send()
        .await
        .unwrap();
    let user = app
        .cognito
        .get_user()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    assert!(user.mfa_options().is_empty());
    assert!(user.user_mfa_setting_list().is_empty());
    access_token(&app, &client).await;
}

async fn admin_set_user_settings_turns_sms_mfa_on_and_off(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    offer(&app, &pool, UserPoolMfaType::Optional, true, false).await;
    give_phone(&app, &pool, true).await;

    app.cognito
        .admin_set_user_settings()
        .user_pool_id(&pool)
        .username("alice")
        .mfa_options(sms_option())
        .send()
        .await
        .unwrap();
    let user = app
        .cognito
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert!(
        is_sms_option(user.mfa_options()),
        "{:?}",
        user.mfa_options()
    );
    assert_eq!(user.user_mfa_setting_list(), ["SMS_MFA"]);
    challenged(&app, &client, ChallengeNameType::SmsMfa).await;

    app.cognito
        .admin_set_user_settings()
        .user_pool_id(&pool)
        .username("alice")
        .set_mfa_options(Some(vec![]))
        .send()
        .await
        .unwrap();
    let user = app
        .cognito
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert!(user.mfa_options().is_empty());
    assert!(user.user_mfa_setting_list().is_empty());
    access_token(&app, &client).await;

    let r = app
        .cognito
        .admin_set_user_settings()
        .user_pool_id(&pool)
        .username("nobody")
        .mfa_options(sms_option())
        .send()
        .await;
    crate::assert_aws_error!(r, "UserNotFoundException");
}

async fn user_settings_validation(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, client) = pool_client_user(&app, false).await;
    let token = access_token(&app, &client).await;
    let admin = |o: MfaOptionType| {
        app.cognito
            .admin_set_user_settings()
            .user_pool_id(&pool)
            .username("alice")
            .mfa_options(o)
            .send()
    };
    // The pool does not offer SMS MFA yet.
    crate::assert_aws_error!(admin(sms_option()).await, "InvalidParameterException");
    offer(&app, &pool, UserPoolMfaType::Optional, true, false).await;
    // No phone number to send codes to.
    crate::assert_aws_error!(admin(sms_option()).await, "InvalidParameterException");
    give_phone(&app, &pool, false).await;
    for bad in [
        option("EMAIL", "phone_number"),
        option("SMS", "email"),
        option("FAX", "phone_number"),
    ] {
        crate::assert_aws_error!(admin(bad.clone()).await, "InvalidParameterException");
        let r = app
            .cognito
            .set_user_settings()
            .access_token(&token)
            .mfa_options(bad)
            .send()
            .await;
        crate::assert_aws_error!(r, "InvalidParameterException");
    }
    // Nothing was enabled by the refused calls.
    let user = app
        .cognito
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert!(user.mfa_options().is_empty());
    // MFAOptions is required (raw request: the SDK leaves an unset list out).
    let (status, body) = app
        .raw(
            "SetUserSettings",
            &serde_json::json!({ "AccessToken": token }).to_string(),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "InvalidParameterException");
    // A bad access token.
    let r = app
        .cognito
        .set_user_settings()
        .access_token("not.a.token")
        .mfa_options(sms_option())
        .send()
        .await;
    crate::assert_aws_error!(r, "NotAuthorizedException");
    admin(sms_option()).await.unwrap();
}
