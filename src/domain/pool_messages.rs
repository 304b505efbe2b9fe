//! The messages a pool sends: the verification template and the invitation, their defaults,
//! the lengths Cognito allows and the placeholders they must contain (reference §5.5).

use super::AuthError;
use super::pool::PoolInput;
use super::validate::Violations;
use serde::{Deserialize, Serialize};

/// `VerificationMessageTemplateType`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct VerificationMessageTemplate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_message_by_link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_subject_by_link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_email_option: Option<String>,
}

/// `MessageTemplateType` (the invitation).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct MessageTemplate {
    #[serde(rename = "SMSMessage", skip_serializing_if = "Option::is_none")]
    pub sms_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_subject: Option<String>,
}

pub const DEFAULT_VERIFY_MESSAGE: &str = "Your verification code is {####}. ";
pub const DEFAULT_VERIFY_SUBJECT: &str = "Your verification code";

/// Length limits of every message member of CreateUserPool / UpdateUserPool.
pub fn check_lengths(v: &mut Violations, input: &PoolInput) {
    let template = input.verification_message_template.as_ref();
    let invite = input
        .admin_create_user_config
        .as_ref()
        .and_then(|c| c.invite_message_template.as_ref());
    let limits = [
        (
            "SmsVerificationMessage",
            input.sms_verification_message.as_deref(),
            6,
            140,
        ),
        (
            "EmailVerificationMessage",
            input.email_verification_message.as_deref(),
            6,
            20000,
        ),
        (
            "EmailVerificationSubject",
            input.email_verification_subject.as_deref(),
            1,
            140,
        ),
        (
            "SmsAuthenticationMessage",
            input.sms_authentication_message.as_deref(),
            6,
            140,
        ),
        (
            "VerificationMessageTemplate.SmsMessage",
            template.and_then(|t| t.sms_message.as_deref()),
            6,
            140,
        ),
        (
            "VerificationMessageTemplate.EmailMessage",
            template.and_then(|t| t.email_message.as_deref()),
            6,
            20000,
        ),
        (
            "VerificationMessageTemplate.EmailSubject",
            template.and_then(|t| t.email_subject.as_deref()),
            1,
            140,
        ),
        (
            "AdminCreateUserConfig.InviteMessageTemplate.SMSMessage",
            invite.and_then(|t| t.sms_message.as_deref()),
            6,
            140,
        ),
        (
            "AdminCreateUserConfig.InviteMessageTemplate.EmailMessage",
            invite.and_then(|t| t.email_message.as_deref()),
            6,
            20000,
        ),
        (
            "AdminCreateUserConfig.InviteMessageTemplate.EmailSubject",
            invite.and_then(|t| t.email_subject.as_deref()),
            1,
            140,
        ),
    ];
    for (member, value, min, max) in limits {
        v.length(member, value, min, max);
    }
}

/// Cognito keeps the legacy top-level messages and `VerificationMessageTemplate` in step: either
/// may be given, and the template wins when both are.
pub fn merge_verification_template(
    input: &PoolInput,
) -> Result<VerificationMessageTemplate, AuthError> {
    let mut t = input
        .verification_message_template
        .clone()
        .unwrap_or_default();
    if t.sms_message.is_none() {
        t.sms_message = input.sms_verification_message.clone();
    }
    if t.email_message.is_none() {
        t.email_message = input.email_verification_message.clone();
    }
    if t.email_subject.is_none() {
        t.email_subject = input.email_verification_subject.clone();
    }
    for (what, message) in [
        ("SmsMessage", &t.sms_message),
        ("EmailMessage", &t.email_message),
    ] {
        if let Some(m) = message
            && !m.contains("{####}")
        {
            return Err(AuthError::InvalidParameter(
                format!(
                    "VerificationMessageTemplate.{what} must contain the {{####}} placeholder."
                )
                .into(),
            ));
        }
    }
    if let Some(m) = &t.email_message_by_link
        && !(m.contains("{##") && m.contains("##}"))
    {
        return Err(AuthError::InvalidParameter(
            "VerificationMessageTemplate.EmailMessageByLink must contain a {##link text##} placeholder."
                .into(),
        ));
    }
    t.sms_message
        .get_or_insert_with(|| DEFAULT_VERIFY_MESSAGE.to_string());
    t.email_message
        .get_or_insert_with(|| DEFAULT_VERIFY_MESSAGE.to_string());
    t.email_subject
        .get_or_insert_with(|| DEFAULT_VERIFY_SUBJECT.to_string());
    t.email_message_by_link.get_or_insert_with(|| {
        "Please click the link below to verify your email address. {##Verify Email##} ".to_string()
    });
    t.email_subject_by_link
        .get_or_insert_with(|| "Your verification link".to_string());
    t.default_email_option
        .get_or_insert_with(|| "CONFIRM_WITH_CODE".to_string());
    Ok(t)
}
