//! Response shapes used by several actions (`UserPoolType`, …), built from domain values.

use crate::api::wire::epoch;
use crate::domain::pool::UserPool;
use crate::services::admin::pools::PoolDescription;
use serde_json::{Map, Value, json};

fn put(map: &mut Map<String, Value>, key: &str, value: impl serde::Serialize) {
    if let Ok(v) = serde_json::to_value(value)
        && !v.is_null()
    {
        map.insert(key.to_string(), v);
    }
}

/// `UserPoolType` as DescribeUserPool and CreateUserPool return it.
pub fn user_pool_type(d: &PoolDescription) -> Value {
    let p = &d.pool;
    let s = &p.settings;
    let mut m = Map::new();
    put(&mut m, "Id", &p.id);
    put(&mut m, "Name", &p.name);
    put(&mut m, "Arn", &d.arn);
    put(
        &mut m,
        "Policies",
        json!({ "PasswordPolicy": s.password_policy, "SignInPolicy": s.sign_in_policy.clone().unwrap_or_else(|| json!({"AllowedFirstAuthFactors": ["PASSWORD"]})) }),
    );
    put(&mut m, "DeletionProtection", &s.deletion_protection);
    put(&mut m, "LambdaConfig", &s.lambda_config);
    put(&mut m, "LastModifiedDate", epoch(p.updated_at));
    put(&mut m, "CreationDate", epoch(p.created_at));
    put(&mut m, "SchemaAttributes", &s.schema);
    if !s.auto_verified_attributes.is_empty() {
        put(
            &mut m,
            "AutoVerifiedAttributes",
            &s.auto_verified_attributes,
        );
    }
    if !s.alias_attributes.is_empty() {
        put(&mut m, "AliasAttributes", &s.alias_attributes);
    }
    if !s.username_attributes.is_empty() {
        put(&mut m, "UsernameAttributes", &s.username_attributes);
    }
    put(
        &mut m,
        "SmsVerificationMessage",
        &s.sms_verification_message,
    );
    put(
        &mut m,
        "EmailVerificationMessage",
        &s.email_verification_message,
    );
    put(
        &mut m,
        "EmailVerificationSubject",
        &s.email_verification_subject,
    );
    put(
        &mut m,
        "VerificationMessageTemplate",
        &s.verification_message_template,
    );
    put(
        &mut m,
        "SmsAuthenticationMessage",
        &s.sms_authentication_message,
    );
    put(
        &mut m,
        "UserAttributeUpdateSettings",
        &s.user_attribute_update_settings,
    );
    put(&mut m, "MfaConfiguration", &s.mfa_configuration);
    put(&mut m, "DeviceConfiguration", &s.device_configuration);
    put(&mut m, "EstimatedNumberOfUsers", d.estimated_users);
    put(&mut m, "EmailConfiguration", &s.email_configuration);
    put(&mut m, "SmsConfiguration", &s.sms_configuration);
    put(&mut m, "UserPoolTags", &s.user_pool_tags);
    put(&mut m, "Domain", &d.domain);
    put(&mut m, "CustomDomain", &d.custom_domain);
    put(&mut m, "AdminCreateUserConfig", &s.admin_create_user_config);
    put(&mut m, "UserPoolAddOns", &s.user_pool_add_ons);
    put(
        &mut m,
        "UsernameConfiguration",
        json!({ "CaseSensitive": s.case_sensitive }),
    );
    put(
        &mut m,
        "AccountRecoverySetting",
        &s.account_recovery_setting,
    );
    put(&mut m, "UserPoolTier", &s.user_pool_tier);
    Value::Object(m)
}

/// `UserPoolDescriptionType` as ListUserPools returns it.
pub fn user_pool_description(p: &UserPool) -> Value {
    json!({
        "Id": p.id,
        "Name": p.name,
        "LambdaConfig": p.settings.lambda_config,
        "Status": "Enabled",
        "LastModifiedDate": epoch(p.updated_at),
        "CreationDate": epoch(p.created_at),
    })
}
