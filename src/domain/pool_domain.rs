//! A user pool domain: a prefix domain (one DNS label under the auth domain) or a custom domain
//! (a full hostname with a certificate), at most one of each per pool (reference §1.0, §5.12).

use super::AuthError;
use super::validate::{Violations, patterns};
use serde::{Deserialize, Serialize};

/// `CustomDomainConfigType`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct CustomDomainConfig {
    pub certificate_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_policy: Option<String>,
}

/// The two kinds of domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainKind {
    Prefix,
    Custom,
}

impl DomainKind {
    /// The stored name of the kind (`user_pool_domains.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            DomainKind::Prefix => "prefix",
            DomainKind::Custom => "custom",
        }
    }
}

/// Words a prefix may not contain (reference §1.0).
const RESERVED: &[&str] = &["aws", "amazon", "cognito"];

/// Checks `ManagedLoginVersion` (1 classic hosted UI, 2 managed login).
pub fn check_managed_login_version(v: &mut Violations, version: Option<i64>) {
    v.range("ManagedLoginVersion", version, 1, 2);
}

/// Classifies and checks a domain for CreateUserPoolDomain: a name with a dot is a custom
/// domain and needs a certificate; otherwise it is a prefix.
pub fn classify(
    domain: &str,
    custom: Option<&CustomDomainConfig>,
) -> Result<DomainKind, AuthError> {
    let mut v = Violations::new();
    let max = if domain.contains('.') { 253 } else { 63 };
    v.length("Domain", Some(domain), 1, max);
    v.finish()?;
    if domain.contains('.') {
        let labels_ok = domain
            .split('.')
            .all(|label| patterns::DOMAIN.is_match(label));
        if !labels_ok {
            return Err(AuthError::InvalidParameter(
                format!(
                    "Domain {domain} is not a valid host name: use lowercase letters, digits and \
                 hyphens, with no hyphen at the start or end of a label."
                )
                .into(),
            ));
        }
        let has_certificate = custom.is_some_and(|c| !c.certificate_arn.is_empty());
        if !has_certificate {
            return Err(AuthError::InvalidParameter(
                "A custom domain needs CustomDomainConfig.CertificateArn.".into(),
            ));
        }
        return Ok(DomainKind::Custom);
    }
    if !patterns::DOMAIN.is_match(domain) {
        let mut v = Violations::new();
        v.pattern(
            "Domain",
            Some(domain),
            &patterns::DOMAIN,
            r"^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$",
        );
        v.finish()?;
    }
    if let Some(word) = RESERVED.iter().find(|w| domain.contains(*w)) {
        return Err(AuthError::InvalidParameter(
            format!("Domain {domain} contains the reserved word {word}.").into(),
        ));
    }
    if custom.is_some() {
        return Err(AuthError::InvalidParameter(
            "CustomDomainConfig is only for custom domains (a full host name).".into(),
        ));
    }
    Ok(DomainKind::Prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert() -> CustomDomainConfig {
        CustomDomainConfig {
            certificate_arn: "arn:aws:acm:us-east-1:000000000000:certificate/x".into(),
            security_policy: None,
        }
    }

    #[test]
    fn prefixes() {
        assert_eq!(classify("my-app", None), Ok(DomainKind::Prefix));
        assert!(classify("My-App", None).is_err());
        assert!(classify("-app", None).is_err());
        assert!(classify("my-aws-app", None).is_err());
        assert!(classify("cognitoapp", None).is_err());
        assert!(classify(&"a".repeat(64), None).is_err());
        assert!(classify("my-app", Some(&cert())).is_err());
    }

    #[test]
    fn custom_domains_need_a_certificate() {
        assert_eq!(
            classify("auth.example.com", Some(&cert())),
            Ok(DomainKind::Custom)
        );
        assert!(classify("auth.example.com", None).is_err());
        assert!(classify("auth..example.com", Some(&cert())).is_err());
        assert!(classify("Auth.example.com", Some(&cert())).is_err());
    }
}

/// One domain of a pool, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolDomain {
    pub domain: String,
    pub pool_id: String,
    /// `prefix` or `custom`.
    pub kind: String,
    /// The CustomDomainConfig as JSON, for custom domains.
    pub custom_config: Option<String>,
    pub managed_login_version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}
