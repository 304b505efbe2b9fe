//! A pool's MFA configuration (SetUserPoolMfaConfig / GetUserPoolMfaConfig): which factors the
//! pool offers and whether MFA is OFF, ON or OPTIONAL. ON and OPTIONAL need a factor.

use super::AuthError;
use super::pool::PoolSettings;
use super::validate::Violations;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// SoftwareTokenMfaConfiguration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SoftwareTokenMfaConfig {
    pub enabled: Option<bool>,
}

/// SmsMfaConfiguration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SmsMfaConfig {
    pub sms_authentication_message: Option<String>,
    pub sms_configuration: Option<Value>,
}

/// EmailMfaConfiguration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EmailMfaConfig {
    pub message: Option<String>,
    pub subject: Option<String>,
}

/// SetUserPoolMfaConfig's members (besides UserPoolId).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MfaConfigInput {
    pub sms_mfa_configuration: Option<SmsMfaConfig>,
    pub software_token_mfa_configuration: Option<SoftwareTokenMfaConfig>,
    pub email_mfa_configuration: Option<EmailMfaConfig>,
    pub mfa_configuration: Option<String>,
}

/// Applies SetUserPoolMfaConfig to `settings`: members given replace the stored ones, members
/// left out keep them. ON/OPTIONAL with no factor enabled is refused.
pub fn apply(settings: &mut PoolSettings, input: &MfaConfigInput) -> Result<(), AuthError> {
    let mut v = Violations::new();
    v.one_of(
        "MfaConfiguration",
        input.mfa_configuration.as_deref(),
        &["OFF", "ON", "OPTIONAL"],
    );
    if let Some(sms) = &input.sms_mfa_configuration {
        v.length(
            "SmsMfaConfiguration.SmsAuthenticationMessage",
            sms.sms_authentication_message.as_deref(),
            6,
            140,
        );
    }
    if let Some(email) = &input.email_mfa_configuration {
        v.length(
            "EmailMfaConfiguration.Message",
            email.message.as_deref(),
            6,
            20000,
        );
        v.length(
            "EmailMfaConfiguration.Subject",
            email.subject.as_deref(),
            1,
            140,
        );
    }
    v.finish()?;
    let has_code = |m: &Option<String>| m.as_deref().is_none_or(|m| m.contains("{####}"));
    if let Some(sms) = &input.sms_mfa_configuration
        && !has_code(&sms.sms_authentication_message)
    {
        return Err(AuthError::InvalidParameter(
            "SmsAuthenticationMessage must contain the {####} placeholder.".into(),
        ));
    }
    if let Some(email) = &input.email_mfa_configuration
        && !has_code(&email.message)
    {
        return Err(AuthError::InvalidParameter(
            "EmailMfaConfiguration.Message must contain the {####} placeholder.".into(),
        ));
    }
    let mut next = settings.clone();
    if let Some(totp) = &input.software_token_mfa_configuration {
        next.software_token_mfa_enabled = totp.enabled.unwrap_or(false);
    }
    if let Some(sms) = &input.sms_mfa_configuration {
        next.sms_mfa_enabled = true;
        if sms.sms_authentication_message.is_some() {
            next.sms_authentication_message = sms.sms_authentication_message.clone();
        }
        if sms.sms_configuration.is_some() {
            next.sms_configuration = sms.sms_configuration.clone();
        }
    }
    if let Some(email) = &input.email_mfa_configuration {
        next.email_mfa_configuration = Some(json!({
            "Message": email.message,
            "Subject": email.subject,
        }));
    }
    if let Some(mode) = &input.mfa_configuration {
        next.mfa_configuration = mode.clone();
    }
    require_factor(&next)?;
    *settings = next;
    Ok(())
}

/// MfaConfiguration ON or OPTIONAL needs a factor the pool offers (SetUserPoolMfaConfig,
/// CreateUserPool, UpdateUserPool).
pub fn require_factor(settings: &PoolSettings) -> Result<(), AuthError> {
    let any_factor = settings.software_token_mfa_enabled
        || settings.sms_mfa_enabled
        || settings.email_mfa_configuration.is_some();
    if settings.mfa_configuration != "OFF" && !any_factor {
        return Err(AuthError::InvalidParameter(
            "At least one MFA method must be enabled when MfaConfiguration is ON or OPTIONAL."
                .into(),
        ));
    }
    Ok(())
}

/// GetUserPoolMfaConfig's (and SetUserPoolMfaConfig's) response.
pub fn describe(settings: &PoolSettings) -> Value {
    let mut out = serde_json::Map::new();
    out.insert("MfaConfiguration".into(), json!(settings.mfa_configuration));
    out.insert(
        "SoftwareTokenMfaConfiguration".into(),
        json!({ "Enabled": settings.software_token_mfa_enabled }),
    );
    if settings.sms_mfa_enabled {
        let mut sms = serde_json::Map::new();
        if let Some(m) = &settings.sms_authentication_message {
            sms.insert("SmsAuthenticationMessage".into(), json!(m));
        }
        if let Some(c) = &settings.sms_configuration {
            sms.insert("SmsConfiguration".into(), c.clone());
        }
        out.insert("SmsMfaConfiguration".into(), Value::Object(sms));
    }
    if let Some(email) = &settings.email_mfa_configuration {
        let cleaned: serde_json::Map<String, Value> = email
            .as_object()
            .map(|o| {
                o.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        out.insert("EmailMfaConfiguration".into(), Value::Object(cleaned));
    }
    Value::Object(out)
}

/// True when the pool offers TOTP.
pub fn totp_offered(settings: &PoolSettings) -> bool {
    settings.software_token_mfa_enabled
}
