//! Cognito's Lambda triggers as a pool configures them (`LambdaConfig`, reference §7): which
//! function or webhook each trigger calls. Checked when a pool is created or updated, so that
//! nothing is stored that cannot be invoked. Pure: no I/O.

use super::error::AuthError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::LazyLock;

/// A trigger, named as its `LambdaConfig` member (and as Cognito names it in its errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    PreSignUp,
    CustomMessage,
    PostConfirmation,
    PreAuthentication,
    PostAuthentication,
    DefineAuthChallenge,
    CreateAuthChallenge,
    VerifyAuthChallengeResponse,
    PreTokenGeneration,
    UserMigration,
}

impl Trigger {
    pub fn name(self) -> &'static str {
        match self {
            Trigger::PreSignUp => "PreSignUp",
            Trigger::CustomMessage => "CustomMessage",
            Trigger::PostConfirmation => "PostConfirmation",
            Trigger::PreAuthentication => "PreAuthentication",
            Trigger::PostAuthentication => "PostAuthentication",
            Trigger::DefineAuthChallenge => "DefineAuthChallenge",
            Trigger::CreateAuthChallenge => "CreateAuthChallenge",
            Trigger::VerifyAuthChallengeResponse => "VerifyAuthChallengeResponse",
            Trigger::PreTokenGeneration => "PreTokenGeneration",
            Trigger::UserMigration => "UserMigration",
        }
    }
}

/// The event and response version of PreTokenGeneration (`PreTokenGenerationConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PreTokenVersion {
    /// ID token claims only.
    V1,
    /// ID and access token claims, scopes.
    V2,
    /// As V2, also for client_credentials tokens.
    V3,
}

impl PreTokenVersion {
    /// The event's `version` member.
    pub fn event_version(self) -> &'static str {
        match self {
            PreTokenVersion::V1 => "1",
            PreTokenVersion::V2 => "2",
            PreTokenVersion::V3 => "3",
        }
    }
}

/// `LambdaConfigType`, as stored and as DescribeUserPool shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LambdaConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_sign_up: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_confirmation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_authentication: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_authentication: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub define_auth_challenge: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_auth_challenge: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify_auth_challenge_response: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_token_generation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_migration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_token_generation_config: Option<VersionedTrigger>,
}

/// `PreTokenGenerationVersionConfigType`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersionedTrigger {
    pub lambda_version: String,
    pub lambda_arn: String,
}

/// The members of `LambdaConfigType` this version invokes.
const MEMBERS: &[&str] = &[
    "PreSignUp",
    "CustomMessage",
    "PostConfirmation",
    "PreAuthentication",
    "PostAuthentication",
    "DefineAuthChallenge",
    "CreateAuthChallenge",
    "VerifyAuthChallengeResponse",
    "PreTokenGeneration",
    "UserMigration",
    "PreTokenGenerationConfig",
];

/// Members of Cognito's `LambdaConfigType` that Tessera does not run yet: refused rather than
/// stored and silently ignored.
const NOT_YET: &[&str] = &[
    "CustomSMSSender",
    "CustomEmailSender",
    "KMSKeyID",
    "InboundFederation",
];

fn invalid(message: String) -> AuthError {
    AuthError::InvalidParameter(message.into())
}

impl LambdaConfig {
    /// `LambdaConfig` as CreateUserPool / UpdateUserPool give it: every member known, every
    /// value a function or webhook Tessera can invoke.
    pub fn from_input(value: &Value) -> Result<LambdaConfig, AuthError> {
        let Some(members) = value.as_object() else {
            return Err(invalid("LambdaConfig must be an object.".into()));
        };
        for name in members.keys() {
            if NOT_YET.contains(&name.as_str()) {
                return Err(invalid(format!(
                    "LambdaConfig.{name} is not supported by this server yet."
                )));
            }
            if !MEMBERS.contains(&name.as_str()) {
                return Err(invalid(format!(
                    "LambdaConfig.{name} is not a known trigger."
                )));
            }
        }
        let config: LambdaConfig = serde_json::from_value(value.clone())
            .map_err(|e| invalid(format!("LambdaConfig is not valid: {e}")))?;
        for (member, target) in config.members() {
            Target::parse(target)
                .map_err(|why| invalid(format!("LambdaConfig.{member}: {why}")))?;
        }
        if let Some(c) = &config.pre_token_generation_config {
            if !["V1_0", "V2_0", "V3_0"].contains(&c.lambda_version.as_str()) {
                return Err(invalid(
                    "LambdaConfig.PreTokenGenerationConfig.LambdaVersion must be V1_0, V2_0 or V3_0."
                        .into(),
                ));
            }
            if let Some(v1) = &config.pre_token_generation
                && *v1 != c.lambda_arn
            {
                return Err(invalid(
                    "The PreTokenGeneration and PreTokenGenerationConfig.LambdaArn must be the same."
                        .into(),
                ));
            }
        }
        Ok(config)
    }

    /// Every configured target with its member name.
    fn members(&self) -> Vec<(&'static str, &str)> {
        let mut all: Vec<(&'static str, &str)> = [
            Trigger::PreSignUp,
            Trigger::CustomMessage,
            Trigger::PostConfirmation,
            Trigger::PreAuthentication,
            Trigger::PostAuthentication,
            Trigger::DefineAuthChallenge,
            Trigger::CreateAuthChallenge,
            Trigger::VerifyAuthChallengeResponse,
            Trigger::UserMigration,
        ]
        .into_iter()
        .filter_map(|t| self.target(t).map(|v| (t.name(), v)))
        .collect();
        if let Some(v) = &self.pre_token_generation {
            all.push(("PreTokenGeneration", v));
        }
        if let Some(c) = &self.pre_token_generation_config {
            all.push(("PreTokenGenerationConfig.LambdaArn", &c.lambda_arn));
        }
        all
    }

    /// The function or webhook a trigger calls, if the pool set one.
    pub fn target(&self, trigger: Trigger) -> Option<&str> {
        let value = match trigger {
            Trigger::PreSignUp => &self.pre_sign_up,
            Trigger::CustomMessage => &self.custom_message,
            Trigger::PostConfirmation => &self.post_confirmation,
            Trigger::PreAuthentication => &self.pre_authentication,
            Trigger::PostAuthentication => &self.post_authentication,
            Trigger::DefineAuthChallenge => &self.define_auth_challenge,
            Trigger::CreateAuthChallenge => &self.create_auth_challenge,
            Trigger::VerifyAuthChallengeResponse => &self.verify_auth_challenge_response,
            Trigger::UserMigration => &self.user_migration,
            Trigger::PreTokenGeneration => {
                return self
                    .pre_token_generation_config
                    .as_ref()
                    .map(|c| c.lambda_arn.as_str())
                    .or(self.pre_token_generation.as_deref());
            }
        };
        value.as_deref()
    }

    /// Which PreTokenGeneration event the pool's function takes.
    pub fn pre_token_version(&self) -> PreTokenVersion {
        match self
            .pre_token_generation_config
            .as_ref()
            .map(|c| c.lambda_version.as_str())
        {
            Some("V2_0") => PreTokenVersion::V2,
            Some("V3_0") => PreTokenVersion::V3,
            _ => PreTokenVersion::V1,
        }
    }

    /// True when some trigger is a webhook (it needs a signing secret).
    pub fn has_webhook(&self) -> bool {
        self.members()
            .iter()
            .any(|(_, t)| matches!(Target::parse(t), Ok(Target::Webhook(_))))
    }

    /// True when the three custom-challenge functions are all set (CUSTOM_AUTH needs them).
    pub fn has_custom_auth(&self) -> bool {
        self.define_auth_challenge.is_some()
            && self.create_auth_challenge.is_some()
            && self.verify_auth_challenge_response.is_some()
    }
}

/// Where a trigger goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An AWS Lambda function, called through the Invoke API.
    Lambda(LambdaArn),
    /// Tessera's extension: a URL that receives the event as a signed POST.
    Webhook(url::Url),
}

/// A Lambda function ARN, `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaArn {
    /// The whole ARN.
    pub arn: String,
    pub region: String,
    pub name: String,
    /// A version or alias.
    pub qualifier: Option<String>,
}

static ARN: LazyLock<regex::Regex> = LazyLock::new(|| {
    super::validate::pattern(
        r"^arn:aws(?:-cn|-us-gov|-iso|-iso-b)?:lambda:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:function:([A-Za-z0-9_-]{1,64})(?::(\$LATEST|[A-Za-z0-9_-]{1,128}))?$",
    )
});

impl Target {
    /// Parses a `LambdaConfig` value; the error says what is wrong with it.
    pub fn parse(value: &str) -> Result<Target, String> {
        if value.starts_with("arn:") {
            let caps = ARN.captures(value).ok_or_else(|| {
                format!(
                    "{value} is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER])."
                )
            })?;
            return Ok(Target::Lambda(LambdaArn {
                arn: value.to_string(),
                region: caps[1].to_string(),
                name: caps[2].to_string(),
                qualifier: caps.get(3).map(|q| q.as_str().to_string()),
            }));
        }
        let url = url::Url::parse(value)
            .map_err(|_| format!("{value} is neither a Lambda function ARN nor a URL."))?;
        let local = matches!(
            url.host(),
            Some(url::Host::Domain("localhost"))
                | Some(url::Host::Ipv4(std::net::Ipv4Addr::LOCALHOST))
                | Some(url::Host::Ipv6(std::net::Ipv6Addr::LOCALHOST))
        );
        match url.scheme() {
            "https" if url.host().is_some() => {}
            "http" if local => {}
            _ => {
                return Err(format!(
                    "{value} must be an https:// URL (http:// only for localhost)."
                ));
            }
        }
        if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
            return Err(format!("{value} must not carry credentials or a fragment."));
        }
        Ok(Target::Webhook(url))
    }
}

/// A Standard Webhooks signing secret: `whsec_` and the base64 of 24 to 64 random bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(..)")
    }
}

impl WebhookSecret {
    /// Parses `whsec_<base64>`; the error says what is wrong (never the secret).
    pub fn parse(value: &str) -> Result<WebhookSecret, String> {
        use base64::Engine;
        let encoded = value
            .strip_prefix("whsec_")
            .ok_or("a webhook secret starts with whsec_")?;
        let key = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| "a webhook secret is whsec_ followed by base64")?;
        if !(24..=64).contains(&key.len()) {
            return Err("a webhook secret holds 24 to 64 bytes".into());
        }
        Ok(WebhookSecret(key))
    }

    /// The HMAC key.
    pub fn key(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ARN_A: &str = "arn:aws:lambda:eu-west-1:123456789012:function:pre-sign-up";

    #[test]
    fn parses_arns_and_urls() {
        let Ok(Target::Lambda(a)) = Target::parse(&format!("{ARN_A}:live")) else {
            panic!("an ARN with a qualifier parses");
        };
        assert_eq!(
            (a.region.as_str(), a.name.as_str(), a.qualifier.as_deref()),
            ("eu-west-1", "pre-sign-up", Some("live"))
        );
        assert!(matches!(Target::parse(ARN_A), Ok(Target::Lambda(a)) if a.qualifier.is_none()));
        assert!(matches!(
            Target::parse("https://hooks.example.com/cognito"),
            Ok(Target::Webhook(_))
        ));
        assert!(Target::parse("http://127.0.0.1:8080/hook").is_ok());
        assert!(Target::parse("http://localhost/hook").is_ok());
        for bad in [
            "http://hooks.example.com/cognito",
            "ftp://localhost/x",
            "https://user:pw@hooks.example.com/",
            "arn:aws:lambda:eu-west-1:1234:function:x",
            "arn:aws:s3:::bucket",
            "arn:aws:lambda:eu-west-1:123456789012:function:",
            "pre-sign-up",
            "",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad} must be refused");
        }
    }

    #[test]
    fn input_is_checked_member_by_member() {
        let ok = LambdaConfig::from_input(&json!({
            "PreSignUp": ARN_A,
            "PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": "https://h.example/t"},
        }))
        .unwrap();
        assert_eq!(ok.target(Trigger::PreSignUp), Some(ARN_A));
        assert_eq!(
            ok.target(Trigger::PreTokenGeneration),
            Some("https://h.example/t")
        );
        assert_eq!(ok.pre_token_version(), PreTokenVersion::V2);
        assert_eq!(ok.target(Trigger::UserMigration), None);
        for bad in [
            json!({"PreSignup": ARN_A}),
            json!({"PreSignUp": "not a target"}),
            json!({"PreSignUp": 3}),
            json!({"CustomEmailSender": {"LambdaVersion": "V1_0", "LambdaArn": ARN_A}}),
            json!({"PreTokenGenerationConfig": {"LambdaVersion": "V9_0", "LambdaArn": ARN_A}}),
            json!({"PreTokenGeneration": ARN_A,
                   "PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": "https://h.example/t"}}),
            json!([]),
        ] {
            let e = LambdaConfig::from_input(&bad).unwrap_err();
            assert_eq!(e.type_name(), "InvalidParameterException", "{bad}");
        }
    }

    #[test]
    fn webhook_secrets() {
        let s = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(s.key().len(), 24);
        assert_eq!(format!("{s:?}"), "WebhookSecret(..)");
        for bad in [
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_%%%",
            "whsec_c2hvcnQ=",
        ] {
            assert!(WebhookSecret::parse(bad).is_err());
        }
    }

    #[test]
    fn shown_as_given() {
        let input = json!({"PostConfirmation": ARN_A, "PreTokenGeneration": ARN_A});
        let config = LambdaConfig::from_input(&input).unwrap();
        assert_eq!(serde_json::to_value(&config).unwrap(), input);
        assert_eq!(config.pre_token_version(), PreTokenVersion::V1);
    }
}
