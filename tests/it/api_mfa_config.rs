//! SetUserPoolMfaConfig / GetUserPoolMfaConfig: validation, ON/OPTIONAL refused without a
//! factor, the stored configuration read back, DescribeUserPool showing MfaConfiguration.

use crate::both_databases;
use crate::helpers::{Backend, spawn_app};
use aws_sdk_cognitoidentityprovider as cognito;
use cognito::types::{
    EmailMfaConfigType, SmsMfaConfigType, SoftwareTokenMfaConfigType, UserPoolMfaType,
};

both_databases!(mfa_config_set_get_and_validation);

async fn mfa_config_set_get_and_validation(backend: Backend) {
    let app = spawn_app(backend).await;
    let pool = app.create_pool("mfa").await;

    let got = app
        .cognito
        .get_user_pool_mfa_config()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(got.mfa_configuration, Some(UserPoolMfaType::Off));

    // ON without any factor is refused.
    let err = app
        .cognito
        .set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(UserPoolMfaType::On)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.into_service_error().meta().code(),
        Some("InvalidParameterException")
    );
    let err = app
        .cognito
        .set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(UserPoolMfaType::Optional)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(false).build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.into_service_error().meta().code(),
        Some("InvalidParameterException")
    );
    // An SMS message without the code placeholder is refused.
    let err = app
        .cognito
        .set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .sms_mfa_configuration(
            SmsMfaConfigType::builder()
                .sms_authentication_message("Your code is here")
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.into_service_error().meta().code(),
        Some("InvalidParameterException")
    );

    let set = app
        .cognito
        .set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(UserPoolMfaType::On)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        )
        .email_mfa_configuration(
            EmailMfaConfigType::builder()
                .message("Your code is {####}")
                .subject("Sign-in code")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(set.mfa_configuration, Some(UserPoolMfaType::On));
    assert_eq!(
        set.software_token_mfa_configuration.map(|c| c.enabled),
        Some(true)
    );

    let got = app
        .cognito
        .get_user_pool_mfa_config()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(got.mfa_configuration, Some(UserPoolMfaType::On));
    assert_eq!(
        got.software_token_mfa_configuration.map(|c| c.enabled),
        Some(true)
    );
    let email = got.email_mfa_configuration.unwrap();
    assert_eq!(email.message.as_deref(), Some("Your code is {####}"));
    assert_eq!(email.subject.as_deref(), Some("Sign-in code"));
    assert!(got.sms_mfa_configuration.is_none());

    let described = app
        .cognito
        .describe_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(described.mfa_configuration, Some(UserPoolMfaType::On));

    // Members left out keep their value; OFF is always allowed.
    app.cognito
        .set_user_pool_mfa_config()
        .user_pool_id(&pool)
        .mfa_configuration(UserPoolMfaType::Off)
        .send()
        .await
        .unwrap();
    let got = app
        .cognito
        .get_user_pool_mfa_config()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(got.mfa_configuration, Some(UserPoolMfaType::Off));
    assert_eq!(
        got.software_token_mfa_configuration.map(|c| c.enabled),
        Some(true)
    );

    // An unknown pool.
    let err = app
        .cognito
        .get_user_pool_mfa_config()
        .user_pool_id("us-east-1_nothere00")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.into_service_error().meta().code(),
        Some("ResourceNotFoundException")
    );
}
