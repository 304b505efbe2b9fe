//! SetUserPoolMfaConfig / GetUserPoolMfaConfig: validation, ON/OPTIONAL refused without a
//! factor, the stored configuration read back, DescribeUserPool showing MfaConfiguration;
//! CreateUserPool / UpdateUserPool refuse ON/OPTIONAL without a factor too.

use crate::both_databases;
use crate::helpers::{Backend, spawn_app};
use aws_sdk_cognitoidentityprovider as cognito;
use cognito::types::{
    EmailMfaConfigType, SmsConfigurationType, SmsMfaConfigType, SoftwareTokenMfaConfigType,
    UserPoolMfaType,
};

both_databases!(
    mfa_config_set_get_and_validation,
    create_and_update_pool_need_a_factor_for_mfa,
    web_authn_configuration_follows_the_pools_domain,
);

/// WebAuthnConfiguration: read back by GetUserPoolMfaConfig (UserVerification `preferred` by
/// default); the relying party id must be the host of the pool's pages (its custom domain) or
/// a parent domain of it, never an IP address, in lowercase.
async fn web_authn_configuration_follows_the_pools_domain(backend: Backend) {
    use cognito::types::{CustomDomainConfigType, UserVerificationType, WebAuthnConfigurationType};
    let app = spawn_app(backend).await;
    let pool = app.create_pool("passkeys").await;
    let got = app
        .cognito
        .get_user_pool_mfa_config()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.web_authn_configuration().unwrap().user_verification(),
        Some(&UserVerificationType::Preferred)
    );
    app.cognito
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("login.example.com")
        .custom_domain_config(
            CustomDomainConfigType::builder()
                .certificate_arn("arn:aws:acm:us-east-1:000000000000:certificate/passkeys")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let set = |rp: &'static str| {
        app.cognito
            .set_user_pool_mfa_config()
            .user_pool_id(&pool)
            .web_authn_configuration(
                WebAuthnConfigurationType::builder()
                    .relying_party_id(rp)
                    .user_verification(UserVerificationType::Required)
                    .build(),
            )
            .send()
    };
    for bad in [
        "other.example.net",
        "203.0.113.7",
        "com",
        "Login.Example.com",
        "https://example.com",
    ] {
        let err = set(bad).await.unwrap_err();
        assert_eq!(
            crate::helpers::error_code(&err),
            "InvalidParameterException",
            "{bad}"
        );
    }
    set("example.com").await.unwrap();
    let got = app
        .cognito
        .get_user_pool_mfa_config()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    let web_authn = got.web_authn_configuration().unwrap();
    assert_eq!(web_authn.relying_party_id(), Some("example.com"));
    assert_eq!(
        web_authn.user_verification(),
        Some(&UserVerificationType::Required)
    );
}

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

fn sms_configuration() -> SmsConfigurationType {
    SmsConfigurationType::builder()
        .sns_caller_arn("arn:aws:iam::123456789012:role/sms")
        .build()
}

async fn create_and_update_pool_need_a_factor_for_mfa(backend: Backend) {
    let app = spawn_app(backend).await;
    for mode in [UserPoolMfaType::On, UserPoolMfaType::Optional] {
        let r = app
            .cognito
            .create_user_pool()
            .pool_name("mfa")
            .mfa_configuration(mode.clone())
            .send()
            .await;
        crate::assert_aws_error!(r, "InvalidParameterException");
        // A message without the SMS configuration is not a factor either.
        let r = app
            .cognito
            .create_user_pool()
            .pool_name("mfa")
            .mfa_configuration(mode.clone())
            .sms_authentication_message("Code {####}")
            .send()
            .await;
        crate::assert_aws_error!(r, "InvalidParameterException");
    }
    let listed = app
        .cognito
        .list_user_pools()
        .max_results(10)
        .send()
        .await
        .unwrap();
    // Only the console's operators' pool, made on the first start.
    let names: Vec<_> = listed.user_pools().iter().map(|p| p.name()).collect();
    assert_eq!(names, [Some("tessera-operators")]);

    // With SMS configured, ON is accepted and SMS is the pool's factor.
    let pool = app
        .cognito
        .create_user_pool()
        .pool_name("mfa")
        .mfa_configuration(UserPoolMfaType::On)
        .sms_authentication_message("Code {####}")
        .sms_configuration(sms_configuration())
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(pool.mfa_configuration, Some(UserPoolMfaType::On));
    let got = app
        .cognito
        .get_user_pool_mfa_config()
        .user_pool_id(pool.id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.sms_mfa_configuration
            .and_then(|c| c.sms_authentication_message),
        Some("Code {####}".into())
    );

    // UpdateUserPool on a pool without a factor: ON/OPTIONAL refused, OFF fine.
    let plain = app.create_pool("plain").await;
    for mode in [UserPoolMfaType::On, UserPoolMfaType::Optional] {
        let r = app
            .cognito
            .update_user_pool()
            .user_pool_id(&plain)
            .mfa_configuration(mode)
            .send()
            .await;
        crate::assert_aws_error!(r, "InvalidParameterException");
    }
    app.cognito
        .update_user_pool()
        .user_pool_id(&plain)
        .mfa_configuration(UserPoolMfaType::Off)
        .send()
        .await
        .unwrap();
    // Once software tokens are offered (SetUserPoolMfaConfig), UpdateUserPool may turn MFA on.
    app.cognito
        .set_user_pool_mfa_config()
        .user_pool_id(&plain)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        )
        .send()
        .await
        .unwrap();
    app.cognito
        .update_user_pool()
        .user_pool_id(&plain)
        .mfa_configuration(UserPoolMfaType::On)
        .send()
        .await
        .unwrap();
    let described = app
        .cognito
        .describe_user_pool()
        .user_pool_id(&plain)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(described.mfa_configuration, Some(UserPoolMfaType::On));
}
