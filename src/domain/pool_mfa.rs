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

/// WebAuthnConfiguration: the relying party of the pool's passkeys and whether they must
/// verify the user.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct WebAuthnConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relying_party_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_verification: Option<String>,
    /// `SINGLE_FACTOR` (the default) or `MULTI_FACTOR_WITH_USER_VERIFICATION`: a passkey that
    /// verified the user also stands for MFA, so pools with MFA ON offer passkey sign-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub factor_configuration: Option<String>,
}

/// Checks a WebAuthn relying party id against where the pool's pages are served: a host name
/// (never an IP address or a top-level domain) that is the pages' host or a parent domain of
/// it, as browsers require. `hosts` are the hosts the pool's pages are served on: its custom
/// domain when it has one, else the server's own host, and `localhost` when the server runs
/// on this machine (development).
pub fn check_web_authn(config: &WebAuthnConfig, hosts: &[String]) -> Result<(), AuthError> {
    let mut v = Violations::new();
    v.length(
        "WebAuthnConfiguration.RelyingPartyId",
        config.relying_party_id.as_deref(),
        1,
        63,
    );
    v.one_of(
        "WebAuthnConfiguration.UserVerification",
        config.user_verification.as_deref(),
        &["required", "preferred"],
    );
    v.one_of(
        "WebAuthnConfiguration.FactorConfiguration",
        config.factor_configuration.as_deref(),
        &["SINGLE_FACTOR", "MULTI_FACTOR_WITH_USER_VERIFICATION"],
    );
    v.finish()?;
    let Some(rp) = config.relying_party_id.as_deref() else {
        return Ok(());
    };
    let invalid = |why: &str| {
        Err(AuthError::InvalidParameter(
            format!("WebAuthnConfiguration.RelyingPartyId {rp}: {why}").into(),
        ))
    };
    if rp.parse::<std::net::IpAddr>().is_ok() {
        return invalid("an IP address cannot be a relying party id.");
    }
    let host_like = rp.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    });
    if !host_like {
        return invalid("it must be a host name in lowercase, without a scheme, port or path.");
    }
    if !rp.contains('.') && rp != "localhost" {
        return invalid("a single label (a top-level domain) cannot be a relying party id.");
    }
    let fits = hosts
        .iter()
        .any(|host| host == rp || host.ends_with(&format!(".{rp}")));
    if !fits {
        return invalid(&format!(
            "it must be the host the pool's pages are served on ({}) or a parent domain of it.",
            hosts.join(", ")
        ));
    }
    Ok(())
}

/// SetUserPoolMfaConfig's members (besides UserPoolId).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MfaConfigInput {
    pub sms_mfa_configuration: Option<SmsMfaConfig>,
    pub software_token_mfa_configuration: Option<SoftwareTokenMfaConfig>,
    pub email_mfa_configuration: Option<EmailMfaConfig>,
    pub mfa_configuration: Option<String>,
    pub web_authn_configuration: Option<WebAuthnConfig>,
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
    if let Some(web_authn) = &input.web_authn_configuration {
        next.web_authn_configuration = Some(web_authn.clone());
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
    let web_authn = settings.web_authn_configuration.clone().unwrap_or_default();
    out.insert(
        "WebAuthnConfiguration".into(),
        json!({
            "RelyingPartyId": web_authn.relying_party_id,
            "UserVerification": web_authn.user_verification.unwrap_or_else(|| "preferred".into()),
            "FactorConfiguration": web_authn.factor_configuration.unwrap_or_else(|| "SINGLE_FACTOR".into()),
        }),
    );
    Value::Object(out)
}

/// True when the pool offers TOTP.
pub fn totp_offered(settings: &PoolSettings) -> bool {
    settings.software_token_mfa_enabled
}
