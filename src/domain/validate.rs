//! Cognito-style request validation: collects every violated constraint and reports them the
//! way AWS does: `2 validation errors detected: Value 'x' at 'poolName' failed to satisfy
//! constraint: Member must have length less than or equal to 128; …`.

use super::AuthError;
use regex::Regex;

/// Collects constraint violations for one request.
#[derive(Default, Debug)]
pub struct Violations(Vec<String>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&mut self, value: Option<&str>, member: &str, constraint: &str) {
        let shown = match value {
            // Like Cognito, never echo a secret back (clients log error messages).
            Some(_) if is_sensitive(member) => "Value".to_string(),
            Some(v) => format!("Value '{}'", truncate(v)),
            None => "Value null".to_string(),
        };
        self.0.push(format!(
            "{shown} at '{}' failed to satisfy constraint: {constraint}",
            member_path(member)
        ));
    }

    /// A required member that is missing.
    pub fn required<T>(&mut self, member: &str, value: Option<&T>) {
        if value.is_none() {
            self.push(None, member, "Member must not be null");
        }
    }

    /// Length bounds (in characters) on a string member, when present.
    pub fn length(&mut self, member: &str, value: Option<&str>, min: usize, max: usize) {
        if let Some(v) = value {
            let n = v.chars().count();
            if n < min {
                self.push(
                    Some(v),
                    member,
                    &format!("Member must have length greater than or equal to {min}"),
                );
            } else if n > max {
                self.push(
                    Some(v),
                    member,
                    &format!("Member must have length less than or equal to {max}"),
                );
            }
        }
    }

    /// A regular-expression pattern on a string member, when present (the whole value must match).
    pub fn pattern(&mut self, member: &str, value: Option<&str>, pattern: &Regex, shown: &str) {
        if let Some(v) = value
            && !pattern.is_match(v)
        {
            self.push(
                Some(v),
                member,
                &format!("Member must satisfy regular expression pattern: {shown}"),
            );
        }
    }

    /// Numeric range on an integer member, when present.
    pub fn range(&mut self, member: &str, value: Option<i64>, min: i64, max: i64) {
        if let Some(v) = value {
            if v < min {
                self.push(
                    Some(&v.to_string()),
                    member,
                    &format!("Member must have value greater than or equal to {min}"),
                );
            } else if v > max {
                self.push(
                    Some(&v.to_string()),
                    member,
                    &format!("Member must have value less than or equal to {max}"),
                );
            }
        }
    }

    /// Bounds on the number of items in a list member, when present.
    pub fn count(&mut self, member: &str, len: Option<usize>, min: usize, max: usize) {
        if let Some(n) = len {
            if n < min {
                self.push(
                    Some(&format!("[{n} items]")),
                    member,
                    &format!("Member must have length greater than or equal to {min}"),
                );
            } else if n > max {
                self.push(
                    Some(&format!("[{n} items]")),
                    member,
                    &format!("Member must have length less than or equal to {max}"),
                );
            }
        }
    }

    /// A member that must be one of a fixed set of values.
    pub fn one_of(&mut self, member: &str, value: Option<&str>, allowed: &[&str]) {
        if let Some(v) = value
            && !allowed.contains(&v)
        {
            self.push(
                Some(v),
                member,
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    allowed.join(", ")
                ),
            );
        }
    }

    /// Ends validation: `Ok` when nothing was violated.
    pub fn finish(self) -> Result<(), AuthError> {
        match self.0.len() {
            0 => Ok(()),
            1 => Err(AuthError::InvalidParameter(
                format!("1 validation error detected: {}", self.0[0]).into(),
            )),
            n => Err(AuthError::InvalidParameter(
                format!("{n} validation errors detected: {}", self.0.join("; ")).into(),
            )),
        }
    }
}

/// Members whose values are secrets: passwords, client secrets, secret hashes, codes.
fn is_sensitive(member: &str) -> bool {
    let last = member
        .rsplit('.')
        .next()
        .unwrap_or(member)
        .to_ascii_lowercase();
    last.contains("password")
        || last.contains("secret")
        || last.ends_with("code")
        || last == "session"
        || last.ends_with("token")
}

/// AWS names members in camelCase, segment by segment: `policies.passwordPolicy.minimumLength`.
fn member_path(member: &str) -> String {
    member
        .split('.')
        .map(lower_first)
        .collect::<Vec<_>>()
        .join(".")
}

fn lower_first(member: &str) -> String {
    let mut chars = member.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn truncate(v: &str) -> String {
    if v.chars().count() > 64 {
        format!("{}…", v.chars().take(64).collect::<String>())
    } else {
        v.to_string()
    }
}

/// Compiles one of the crate's constant patterns (literals, all exercised by unit tests).
#[allow(clippy::expect_used)]
pub fn pattern(re: &str) -> Regex {
    Regex::new(re).expect("constant pattern compiles")
}

/// Patterns from the Cognito API model, anchored.
pub mod patterns {
    use regex::Regex;
    use std::sync::LazyLock;

    pub static USER_POOL_ID: LazyLock<Regex> =
        LazyLock::new(|| super::pattern(r"^[\w-]+_[0-9a-zA-Z]+$"));
    pub static CLIENT_ID: LazyLock<Regex> = LazyLock::new(|| super::pattern(r"^[\w+]+$"));
    pub static POOL_NAME: LazyLock<Regex> = LazyLock::new(|| super::pattern(r"^[\w\s+=,.@-]+$"));
    pub static USERNAME: LazyLock<Regex> =
        LazyLock::new(|| super::pattern(r"^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$"));
    pub static GROUP_NAME: LazyLock<Regex> =
        LazyLock::new(|| super::pattern(r"^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$"));
    pub static PASSWORD: LazyLock<Regex> = LazyLock::new(|| super::pattern(r"^[\S]+(.*[\S]+)?$"));
    pub static ARN: LazyLock<Regex> = LazyLock::new(|| {
        super::pattern(
            r"^arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]*:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?$",
        )
    });
    pub static CLIENT_SECRET: LazyLock<Regex> = LazyLock::new(|| super::pattern(r"^[\w+]+$"));
    pub static RESOURCE_SERVER_ID: LazyLock<Regex> =
        LazyLock::new(|| super::pattern(r"^[\x21\x23-\x5B\x5D-\x7E]+$"));
    pub static SCOPE_NAME: LazyLock<Regex> =
        LazyLock::new(|| super::pattern(r"^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+$"));
    pub static DOMAIN: LazyLock<Regex> =
        LazyLock::new(|| super::pattern(r"^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$"));
    pub static PROVIDER_NAME: LazyLock<Regex> =
        LazyLock::new(|| super::pattern(r"^[^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]+$"));
    pub static IDP_IDENTIFIER: LazyLock<Regex> =
        LazyLock::new(|| super::pattern(r"^[\w\s+=.@-]+$"));
    pub static CUSTOM_ATTRIBUTE_NAME: LazyLock<Regex> =
        LazyLock::new(|| super::pattern(r"^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile_and_match() {
        assert!(patterns::USER_POOL_ID.is_match("local_AbC123xyz"));
        assert!(!patterns::USER_POOL_ID.is_match("nounderscore"));
        assert!(patterns::USERNAME.is_match("jane.doe@example.com"));
        assert!(!patterns::USERNAME.is_match("jane doe"));
        assert!(patterns::PASSWORD.is_match("a b"));
        assert!(!patterns::PASSWORD.is_match(" ab"));
        assert!(patterns::ARN.is_match("arn:aws:iam::123456789012:role/Admin"));
        assert!(patterns::DOMAIN.is_match("my-app"));
        assert!(!patterns::DOMAIN.is_match("My_App"));
    }

    #[test]
    fn messages_look_like_aws() {
        let mut v = Violations::new();
        v.length("PoolName", Some(""), 1, 128);
        v.required::<String>("UserPoolId", None);
        let Err(AuthError::InvalidParameter(m)) = v.finish() else {
            unreachable!()
        };
        assert_eq!(
            m.to_string(),
            "2 validation errors detected: Value '' at 'poolName' failed to satisfy constraint: \
             Member must have length greater than or equal to 1; Value null at 'userPoolId' \
             failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn secrets_are_not_echoed() {
        let mut v = Violations::new();
        v.pattern("Password", Some(" hunter2"), &patterns::PASSWORD, r"[\S]+");
        v.length("ClientSecret", Some("short-secret"), 24, 64);
        let message = v.finish().unwrap_err().to_string();
        assert!(
            !message.contains("hunter2") && !message.contains("short-secret"),
            "{message}"
        );
        assert!(message.contains("Value at 'password'"), "{message}");
    }

    #[test]
    fn nested_members_are_camel_case() {
        let mut v = Violations::new();
        v.length(
            "AdminCreateUserConfig.InviteMessageTemplate.EmailSubject",
            Some(""),
            1,
            140,
        );
        let message = v.finish().unwrap_err().to_string();
        assert!(
            message.contains("at 'adminCreateUserConfig.inviteMessageTemplate.emailSubject'"),
            "{message}"
        );
    }
}
