//! A user pool and its settings: what CreateUserPool accepts, the defaults Cognito applies, the
//! rules between settings, and what may not change after creation (reference §5).

use super::AuthError;
use super::attributes::{self, SchemaAttribute};
use super::password_policy::{PasswordPolicy, PasswordPolicyInput};
use super::pool_messages::{
    self, MessageTemplate, VerificationMessageTemplate, merge_verification_template,
};
use super::triggers::{LambdaConfig, WebhookSecret};
use super::validate::{Violations, patterns};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// `Policies` as requests give it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PoliciesInput {
    pub password_policy: Option<PasswordPolicyInput>,
    pub sign_in_policy: Option<Value>,
}

/// `AdminCreateUserConfigType`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct AdminCreateUserConfig {
    pub allow_admin_create_user_only: bool,
    pub unused_account_validity_days: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite_message_template: Option<MessageTemplate>,
}

impl Default for AdminCreateUserConfig {
    fn default() -> Self {
        AdminCreateUserConfig {
            allow_admin_create_user_only: false,
            unused_account_validity_days: 7,
            invite_message_template: None,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AdminCreateUserConfigInput {
    pub allow_admin_create_user_only: Option<bool>,
    pub unused_account_validity_days: Option<i64>,
    pub invite_message_template: Option<MessageTemplate>,
}

/// `EmailConfigurationType`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct EmailConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to_email_address: Option<String>,
    pub email_sending_account: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration_set: Option<String>,
}

impl Default for EmailConfiguration {
    fn default() -> Self {
        EmailConfiguration {
            source_arn: None,
            reply_to_email_address: None,
            email_sending_account: "COGNITO_DEFAULT".into(),
            from: None,
            configuration_set: None,
        }
    }
}

/// `UsernameConfigurationType`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsernameConfiguration {
    pub case_sensitive: Option<bool>,
}

/// `AccountRecoverySettingType`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct AccountRecoverySetting {
    pub recovery_mechanisms: Vec<RecoveryOption>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct RecoveryOption {
    pub priority: i64,
    pub name: String,
}

/// The members of CreateUserPool / UpdateUserPool that describe the pool.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PoolInput {
    pub pool_name: Option<String>,
    pub policies: Option<PoliciesInput>,
    pub deletion_protection: Option<String>,
    pub lambda_config: Option<Value>,
    /// Tessera's extension: the secret that signs this pool's webhook triggers
    /// (`whsec_<base64>`). Kept when an update omits it; never shown.
    pub webhook_secret: Option<String>,
    /// Tessera's extension: the Amazon Cognito pool users move from (live migration). Kept
    /// when an update omits it; an empty `UserPoolId` removes it.
    pub migration_source: Option<super::migration_source::MigrationSource>,
    pub auto_verified_attributes: Option<Vec<String>>,
    pub alias_attributes: Option<Vec<String>>,
    pub username_attributes: Option<Vec<String>>,
    pub sms_verification_message: Option<String>,
    pub email_verification_message: Option<String>,
    pub email_verification_subject: Option<String>,
    pub verification_message_template: Option<VerificationMessageTemplate>,
    pub sms_authentication_message: Option<String>,
    pub user_attribute_update_settings: Option<Value>,
    pub mfa_configuration: Option<String>,
    pub device_configuration: Option<Value>,
    pub email_configuration: Option<EmailConfiguration>,
    pub sms_configuration: Option<Value>,
    pub user_pool_tags: Option<BTreeMap<String, String>>,
    pub admin_create_user_config: Option<AdminCreateUserConfigInput>,
    pub schema: Option<Vec<SchemaAttribute>>,
    pub user_pool_add_ons: Option<Value>,
    pub username_configuration: Option<UsernameConfiguration>,
    pub account_recovery_setting: Option<AccountRecoverySetting>,
    pub user_pool_tier: Option<String>,
}

/// Everything a pool is configured with, as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct PoolSettings {
    pub password_policy: PasswordPolicy,
    pub sign_in_policy: Option<Value>,
    pub deletion_protection: String,
    #[serde(default)]
    pub lambda_config: LambdaConfig,
    /// Signs this pool's webhook triggers; never shown (see `PoolInput::webhook_secret`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
    /// See `PoolInput::migration_source`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration_source: Option<super::migration_source::MigrationSource>,
    pub auto_verified_attributes: Vec<String>,
    pub alias_attributes: Vec<String>,
    pub username_attributes: Vec<String>,
    pub sms_verification_message: Option<String>,
    pub email_verification_message: Option<String>,
    pub email_verification_subject: Option<String>,
    pub verification_message_template: VerificationMessageTemplate,
    pub sms_authentication_message: Option<String>,
    pub user_attribute_update_settings: Option<Value>,
    pub mfa_configuration: String,
    pub device_configuration: Option<Value>,
    pub email_configuration: EmailConfiguration,
    pub sms_configuration: Option<Value>,
    pub user_pool_tags: BTreeMap<String, String>,
    pub admin_create_user_config: AdminCreateUserConfig,
    pub schema: Vec<SchemaAttribute>,
    pub user_pool_add_ons: Option<Value>,
    pub case_sensitive: bool,
    pub account_recovery_setting: Option<AccountRecoverySetting>,
    pub user_pool_tier: String,
    /// SoftwareTokenMfaConfiguration.Enabled (SetUserPoolMfaConfig).
    #[serde(default)]
    pub software_token_mfa_enabled: bool,
    /// True when SetUserPoolMfaConfig was given an SmsMfaConfiguration.
    #[serde(default)]
    pub sms_mfa_enabled: bool,
    /// EmailMfaConfiguration as given to SetUserPoolMfaConfig (`Message`, `Subject`).
    #[serde(default)]
    pub email_mfa_configuration: Option<Value>,
    /// WebAuthnConfiguration as given to SetUserPoolMfaConfig.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_authn_configuration: Option<super::pool_mfa::WebAuthnConfig>,
}

/// A user pool.
#[derive(Debug, Clone, PartialEq)]
pub struct UserPool {
    pub id: String,
    pub name: String,
    /// Shared: parsed once per stored change (the store's cache); change with
    /// `Arc::make_mut`.
    pub settings: std::sync::Arc<PoolSettings>,
    /// Bumped by every saved change; a save from a stale copy is refused.
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl UserPool {
    /// True when usernames (and email/preferred_username aliases) match without regard to case.
    pub fn case_insensitive(&self) -> bool {
        !self.settings.case_sensitive
    }

    /// The key a username is stored and looked up under in this pool.
    pub fn username_key(&self, username: &str) -> String {
        if self.case_insensitive() {
            username.to_lowercase()
        } else {
            username.to_string()
        }
    }
}

/// Checks a pool name (1–128 characters, Cognito's pattern).
pub fn check_pool_name(v: &mut Violations, name: Option<&str>) {
    v.length("PoolName", name, 1, 128);
    v.pattern("PoolName", name, &patterns::POOL_NAME, r"[\w\s+=,.@-]+");
}

impl PoolSettings {
    /// Settings for a new pool from CreateUserPool's members.
    pub fn for_create(input: &PoolInput) -> Result<Self, AuthError> {
        let mut v = Violations::new();
        v.required("PoolName", input.pool_name.as_ref());
        check_pool_name(&mut v, input.pool_name.as_deref());
        v.finish()?;
        let alias = input.alias_attributes.clone().unwrap_or_default();
        let username_attrs = input.username_attributes.clone().unwrap_or_default();
        check_subset(
            "AliasAttributes",
            &alias,
            &["phone_number", "email", "preferred_username"],
        )?;
        check_subset(
            "UsernameAttributes",
            &username_attrs,
            &["phone_number", "email"],
        )?;
        if !alias.is_empty() && !username_attrs.is_empty() {
            return Err(AuthError::InvalidParameter(
                "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool"
                    .into(),
            ));
        }
        let schema = attributes::build_schema(input.schema.as_deref().unwrap_or_default())?;
        let preferred_required = schema
            .iter()
            .any(|a| a.name.as_deref() == Some("preferred_username") && a.required == Some(true));
        if preferred_required && alias.iter().any(|a| a == "preferred_username") {
            return Err(AuthError::InvalidParameter(
                "preferred_username cannot be both required and an alias.".into(),
            ));
        }
        let mut settings = Self::mutable_part(input)?;
        settings.alias_attributes = alias;
        settings.username_attributes = username_attrs;
        settings.schema = schema;
        settings.case_sensitive = input
            .username_configuration
            .as_ref()
            .and_then(|c| c.case_sensitive)
            .unwrap_or(true);
        super::pool_mfa::require_factor(&settings)?;
        Ok(settings)
    }

    /// Settings after UpdateUserPool: Cognito replaces every updatable member (omitted ones
    /// return to their defaults) and keeps the ones fixed at creation.
    pub fn for_update(&self, input: &PoolInput) -> Result<Self, AuthError> {
        let fixed = [
            ("AliasAttributes", input.alias_attributes.is_some()),
            ("UsernameAttributes", input.username_attributes.is_some()),
            ("Schema", input.schema.is_some()),
            (
                "UsernameConfiguration",
                input.username_configuration.is_some(),
            ),
        ];
        if let Some((name, _)) = fixed.iter().find(|(_, given)| *given) {
            return Err(AuthError::InvalidParameter(
                format!("{name} cannot be updated after the user pool is created.").into(),
            ));
        }
        let mut v = Violations::new();
        check_pool_name(&mut v, input.pool_name.as_deref());
        v.finish()?;
        let mut next = Self::mutable_part(input)?;
        next.alias_attributes = self.alias_attributes.clone();
        next.username_attributes = self.username_attributes.clone();
        next.schema = self.schema.clone();
        next.case_sensitive = self.case_sensitive;
        if input.user_pool_tier.is_none() {
            next.user_pool_tier = self.user_pool_tier.clone();
        }
        next.software_token_mfa_enabled = self.software_token_mfa_enabled;
        // SmsAuthenticationMessage with SmsConfiguration turns SMS MFA on, as at creation.
        next.sms_mfa_enabled |= self.sms_mfa_enabled;
        next.email_mfa_configuration = self.email_mfa_configuration.clone();
        next.web_authn_configuration = self.web_authn_configuration.clone();
        if input.webhook_secret.is_none() {
            next.webhook_secret = self.webhook_secret.clone();
        }
        if input.migration_source.is_none() {
            next.migration_source = self.migration_source.clone();
        }
        super::pool_mfa::require_factor(&next)?;
        Ok(next)
    }

    /// The UpdateUserPool request that keeps these settings as they are (a full replace needs
    /// every member): what the console changes one member of.
    pub fn update_input(&self, name: &str) -> PoolInput {
        // The stored settings use the request's member names; the ones fixed at creation and
        // the MFA factors (SetUserPoolMfaConfig's) are not part of an update.
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(members) = value.as_object_mut() {
            for fixed in ["AliasAttributes", "UsernameAttributes", "Schema"] {
                members.remove(fixed);
            }
        }
        let mut input: PoolInput = serde_json::from_value(value).unwrap_or_default();
        input.pool_name = Some(name.to_string());
        input.policies = Some(PoliciesInput {
            password_policy: Some(self.password_policy.as_input()),
            sign_in_policy: self.sign_in_policy.clone(),
        });
        input.lambda_config = serde_json::to_value(&self.lambda_config).ok();
        input
    }

    fn mutable_part(input: &PoolInput) -> Result<Self, AuthError> {
        let mut v = Violations::new();
        v.one_of(
            "DeletionProtection",
            input.deletion_protection.as_deref(),
            &["ACTIVE", "INACTIVE"],
        );
        v.one_of(
            "MfaConfiguration",
            input.mfa_configuration.as_deref(),
            &["OFF", "ON", "OPTIONAL"],
        );
        v.one_of(
            "UserPoolTier",
            input.user_pool_tier.as_deref(),
            &["LITE", "ESSENTIALS", "PLUS"],
        );
        if let Some(tags) = &input.user_pool_tags {
            v.count("UserPoolTags", Some(tags.len()), 0, 50);
            for (k, val) in tags {
                v.length("UserPoolTags.key", Some(k), 1, 128);
                v.length("UserPoolTags.value", Some(val), 0, 256);
            }
        }
        if let Some(e) = &input.email_configuration {
            v.one_of(
                "EmailConfiguration.EmailSendingAccount",
                Some(e.email_sending_account.as_str()),
                &["COGNITO_DEFAULT", "DEVELOPER"],
            );
        }
        if let Some(t) = &input.verification_message_template {
            v.one_of(
                "VerificationMessageTemplate.DefaultEmailOption",
                t.default_email_option.as_deref(),
                &["CONFIRM_WITH_LINK", "CONFIRM_WITH_CODE"],
            );
        }
        let invite = input
            .admin_create_user_config
            .as_ref()
            .and_then(|c| c.invite_message_template.clone());
        pool_messages::check_lengths(&mut v, input);
        v.range(
            "AdminCreateUserConfig.UnusedAccountValidityDays",
            input
                .admin_create_user_config
                .as_ref()
                .and_then(|c| c.unused_account_validity_days),
            0,
            365,
        );
        v.finish()?;

        let auto_verified = input.auto_verified_attributes.clone().unwrap_or_default();
        check_subset(
            "AutoVerifiedAttributes",
            &auto_verified,
            &["phone_number", "email"],
        )?;
        for (what, message) in [
            ("SmsVerificationMessage", &input.sms_verification_message),
            (
                "EmailVerificationMessage",
                &input.email_verification_message,
            ),
            (
                "SmsAuthenticationMessage",
                &input.sms_authentication_message,
            ),
        ] {
            if let Some(m) = message
                && !m.contains("{####}")
            {
                return Err(AuthError::InvalidParameter(
                    format!("{what} must contain the {{####}} placeholder.").into(),
                ));
            }
        }
        let template = merge_verification_template(input)?;
        if let Some(t) = &invite {
            for (what, message) in [
                ("SMSMessage", &t.sms_message),
                ("EmailMessage", &t.email_message),
            ] {
                if let Some(m) = message
                    && !(m.contains("{username}") && m.contains("{####}"))
                {
                    return Err(AuthError::InvalidParameter(format!(
                        "InviteMessageTemplate.{what} must contain both {{username}} and {{####}} placeholders."
                    ).into()));
                }
            }
        }
        if let Some(r) = &input.account_recovery_setting {
            check_recovery(r)?;
        }
        let policy = PasswordPolicy::from_input(
            input
                .policies
                .as_ref()
                .and_then(|p| p.password_policy.as_ref()),
        )?;
        let admin = input.admin_create_user_config.clone().unwrap_or_default();
        Ok(PoolSettings {
            password_policy: policy,
            sign_in_policy: input
                .policies
                .as_ref()
                .and_then(|p| p.sign_in_policy.as_ref())
                .map(super::first_factors::check_sign_in_policy)
                .transpose()?,
            deletion_protection: input
                .deletion_protection
                .clone()
                .unwrap_or_else(|| "INACTIVE".into()),
            lambda_config: match &input.lambda_config {
                Some(value) => LambdaConfig::from_input(value)?,
                None => LambdaConfig::default(),
            },
            webhook_secret: match &input.webhook_secret {
                Some(secret) => {
                    WebhookSecret::parse(secret).map_err(|why| {
                        AuthError::InvalidParameter(format!("WebhookSecret: {why}").into())
                    })?;
                    Some(secret.clone())
                }
                None => None,
            },
            migration_source: match &input.migration_source {
                Some(source) => source.clone().checked()?,
                None => None,
            },
            auto_verified_attributes: auto_verified,
            alias_attributes: Vec::new(),
            username_attributes: Vec::new(),
            sms_verification_message: template.sms_message.clone(),
            email_verification_message: template.email_message.clone(),
            email_verification_subject: template.email_subject.clone(),
            verification_message_template: template,
            sms_authentication_message: input.sms_authentication_message.clone(),
            user_attribute_update_settings: input.user_attribute_update_settings.clone(),
            mfa_configuration: input
                .mfa_configuration
                .clone()
                .unwrap_or_else(|| "OFF".into()),
            device_configuration: input.device_configuration.clone(),
            email_configuration: input.email_configuration.clone().unwrap_or_default(),
            sms_configuration: input.sms_configuration.clone(),
            user_pool_tags: input.user_pool_tags.clone().unwrap_or_default(),
            admin_create_user_config: AdminCreateUserConfig {
                allow_admin_create_user_only: admin.allow_admin_create_user_only.unwrap_or(false),
                unused_account_validity_days: admin.unused_account_validity_days.unwrap_or(7),
                invite_message_template: admin.invite_message_template,
            },
            schema: Vec::new(),
            user_pool_add_ons: input.user_pool_add_ons.clone(),
            case_sensitive: true,
            account_recovery_setting: input.account_recovery_setting.clone(),
            user_pool_tier: input
                .user_pool_tier
                .clone()
                .unwrap_or_else(|| "ESSENTIALS".into()),
            software_token_mfa_enabled: false,
            sms_mfa_enabled: input.sms_authentication_message.is_some()
                && input.sms_configuration.is_some(),
            email_mfa_configuration: None,
            web_authn_configuration: None,
        })
    }
}

fn check_subset(member: &str, given: &[String], allowed: &[&str]) -> Result<(), AuthError> {
    for value in given {
        if !allowed.contains(&value.as_str()) {
            return Err(AuthError::InvalidParameter(format!(
                "1 validation error detected: Value '[{value}]' at '{}' failed to satisfy constraint: \
                 Member must satisfy constraint: [Member must satisfy enum value set: [{}]]",
                lower_first(member),
                allowed.join(", ")
            ).into()));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    if !given.iter().all(|g| seen.insert(g)) {
        return Err(AuthError::InvalidParameter(
            format!("{member} contains duplicates.").into(),
        ));
    }
    Ok(())
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

fn check_recovery(r: &AccountRecoverySetting) -> Result<(), AuthError> {
    let n = r.recovery_mechanisms.len();
    if !(1..=2).contains(&n) {
        return Err(AuthError::InvalidParameter(
            "AccountRecoverySetting.RecoveryMechanisms must have 1 or 2 entries.".into(),
        ));
    }
    let mut priorities = std::collections::BTreeSet::new();
    for m in &r.recovery_mechanisms {
        if !["verified_email", "verified_phone_number", "admin_only"].contains(&m.name.as_str()) {
            return Err(AuthError::InvalidParameter(
                format!("Invalid recovery mechanism name: {}", m.name).into(),
            ));
        }
        if !(1..=2).contains(&m.priority) || !priorities.insert(m.priority) {
            return Err(AuthError::InvalidParameter(
                "Recovery mechanism priorities must be 1 and 2, each used once.".into(),
            ));
        }
    }
    if n == 2 && r.recovery_mechanisms.iter().any(|m| m.name == "admin_only") {
        return Err(AuthError::InvalidParameter(
            "admin_only cannot be combined with another recovery mechanism.".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> PoolInput {
        PoolInput {
            pool_name: Some(name.into()),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_are_cognitos() {
        let s = PoolSettings::for_create(&named("app")).unwrap();
        assert_eq!(s.password_policy, PasswordPolicy::default());
        assert_eq!(s.mfa_configuration, "OFF");
        assert_eq!(s.deletion_protection, "INACTIVE");
        assert!(s.case_sensitive);
        assert_eq!(
            s.verification_message_template
                .default_email_option
                .as_deref(),
            Some("CONFIRM_WITH_CODE")
        );
    }

    #[test]
    fn alias_and_username_attributes_exclude_each_other() {
        let mut i = named("app");
        i.alias_attributes = Some(vec!["email".into()]);
        i.username_attributes = Some(vec!["email".into()]);
        assert!(PoolSettings::for_create(&i).is_err());
    }

    #[test]
    fn update_resets_omitted_and_keeps_fixed() {
        let mut i = named("app");
        i.mfa_configuration = Some("OPTIONAL".into());
        i.sms_authentication_message = Some("Code {####}".into());
        i.sms_configuration = Some(serde_json::json!({"SnsCallerArn": "arn:aws:iam::1:role/sms"}));
        i.username_attributes = Some(vec!["email".into()]);
        let s = PoolSettings::for_create(&i).unwrap();
        let u = s.for_update(&PoolInput::default()).unwrap();
        assert_eq!(u.mfa_configuration, "OFF");
        assert_eq!(u.username_attributes, vec!["email".to_string()]);
        let bad = PoolInput {
            schema: Some(vec![]),
            ..Default::default()
        };
        assert!(s.for_update(&bad).is_err());
    }

    #[test]
    fn update_input_keeps_everything() {
        let mut i = named("app");
        i.username_attributes = Some(vec!["email".into()]);
        i.auto_verified_attributes = Some(vec!["email".into()]);
        i.deletion_protection = Some("ACTIVE".into());
        i.policies = Some(PoliciesInput {
            password_policy: Some(PasswordPolicyInput {
                minimum_length: Some(12),
                require_symbols: Some(false),
                ..Default::default()
            }),
            sign_in_policy: None,
        });
        i.lambda_config = Some(serde_json::json!({"PreSignUp": "https://hooks.example.com/pre"}));
        i.email_verification_subject = Some("Your code".into());
        i.email_verification_message = Some("Code {####}".into());
        i.admin_create_user_config = Some(AdminCreateUserConfigInput {
            allow_admin_create_user_only: Some(true),
            unused_account_validity_days: Some(3),
            invite_message_template: None,
        });
        i.mfa_configuration = Some("OPTIONAL".into());
        i.sms_authentication_message = Some("Code {####}".into());
        i.sms_configuration = Some(serde_json::json!({"SnsCallerArn": "arn:aws:iam::1:role/sms"}));
        i.user_pool_tags = Some(BTreeMap::from([("team".into(), "id".into())]));
        let s = PoolSettings::for_create(&i).unwrap();
        let again = s.for_update(&s.update_input("app")).unwrap();
        assert_eq!(again, s);
    }

    #[test]
    fn mfa_on_or_optional_needs_a_factor() {
        for mode in ["ON", "OPTIONAL"] {
            let mut i = named("app");
            i.mfa_configuration = Some(mode.into());
            assert!(matches!(
                PoolSettings::for_create(&i),
                Err(AuthError::InvalidParameter(_))
            ));
            let s = PoolSettings::for_create(&named("app")).unwrap();
            assert!(matches!(
                s.for_update(&i),
                Err(AuthError::InvalidParameter(_))
            ));
        }
        let mut i = named("app");
        i.mfa_configuration = Some("ON".into());
        i.sms_authentication_message = Some("Code {####}".into());
        i.sms_configuration = Some(serde_json::json!({"SnsCallerArn": "arn:aws:iam::1:role/sms"}));
        let s = PoolSettings::for_create(&i).unwrap();
        assert!(s.sms_mfa_enabled);
        assert_eq!(s.mfa_configuration, "ON");
    }

    #[test]
    fn templates_need_placeholders() {
        let mut i = named("app");
        i.email_verification_message = Some("no code here".into());
        assert!(PoolSettings::for_create(&i).is_err());
    }
}
