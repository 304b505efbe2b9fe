//! `Policies.PasswordPolicy`: the rules a password must meet, Cognito's messages when it does
//! not, and generation of temporary passwords that satisfy the policy (reference §5.4).

use super::error::{AuthError, PasswordRule, Reason};
use rand::Rng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

/// Characters Cognito counts as symbols (space also counts).
pub const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct PasswordPolicy {
    pub minimum_length: i64,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
    pub password_history_size: i64,
    pub temporary_password_validity_days: i64,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            minimum_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
            password_history_size: 0,
            temporary_password_validity_days: 7,
        }
    }
}

/// The policy as a request gives it: every member optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PasswordPolicyInput {
    pub minimum_length: Option<i64>,
    pub require_uppercase: Option<bool>,
    pub require_lowercase: Option<bool>,
    pub require_numbers: Option<bool>,
    pub require_symbols: Option<bool>,
    pub password_history_size: Option<i64>,
    pub temporary_password_validity_days: Option<i64>,
}

impl PasswordPolicy {
    /// The request that gives this policy back.
    pub fn as_input(&self) -> PasswordPolicyInput {
        PasswordPolicyInput {
            minimum_length: Some(self.minimum_length),
            require_uppercase: Some(self.require_uppercase),
            require_lowercase: Some(self.require_lowercase),
            require_numbers: Some(self.require_numbers),
            require_symbols: Some(self.require_symbols),
            password_history_size: Some(self.password_history_size),
            temporary_password_validity_days: Some(self.temporary_password_validity_days),
        }
    }

    /// Applies Cognito's defaults and ranges to a requested policy.
    pub fn from_input(input: Option<&PasswordPolicyInput>) -> Result<Self, AuthError> {
        let d = PasswordPolicy::default();
        let Some(i) = input else { return Ok(d) };
        let mut v = super::validate::Violations::new();
        v.range(
            "policies.passwordPolicy.minimumLength",
            i.minimum_length,
            6,
            99,
        );
        v.range(
            "policies.passwordPolicy.passwordHistorySize",
            i.password_history_size,
            0,
            24,
        );
        v.range(
            "policies.passwordPolicy.temporaryPasswordValidityDays",
            i.temporary_password_validity_days,
            0,
            365,
        );
        v.finish()?;
        Ok(PasswordPolicy {
            minimum_length: i.minimum_length.unwrap_or(d.minimum_length),
            require_uppercase: i.require_uppercase.unwrap_or(false),
            require_lowercase: i.require_lowercase.unwrap_or(false),
            require_numbers: i.require_numbers.unwrap_or(false),
            require_symbols: i.require_symbols.unwrap_or(false),
            password_history_size: i.password_history_size.unwrap_or(0),
            temporary_password_validity_days: match i.temporary_password_validity_days {
                None | Some(0) => d.temporary_password_validity_days,
                Some(n) => n,
            },
        })
    }

    /// Checks a password; the error carries Cognito's exact message for the first rule broken.
    pub fn check(&self, password: &str) -> Result<(), AuthError> {
        let fail = |rule| Err(AuthError::InvalidPassword(Reason::PasswordPolicy(rule)));
        if (password.chars().count() as i64) < self.minimum_length {
            return fail(PasswordRule::MinimumLength);
        }
        if password.chars().count() > 256 {
            return fail(PasswordRule::MaximumLength);
        }
        if self.require_uppercase && !password.chars().any(|c| c.is_ascii_uppercase()) {
            return fail(PasswordRule::Uppercase);
        }
        if self.require_lowercase && !password.chars().any(|c| c.is_ascii_lowercase()) {
            return fail(PasswordRule::Lowercase);
        }
        if self.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
            return fail(PasswordRule::Numbers);
        }
        if self.require_symbols && !password.chars().any(|c| SYMBOLS.contains(c)) {
            return fail(PasswordRule::Symbols);
        }
        Ok(())
    }

    /// Generates a temporary password that satisfies this policy (at least 12 characters, one
    /// of each class, no spaces, shuffled).
    pub fn generate(&self, rng: &mut impl Rng) -> String {
        const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
        const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
        const DIGITS: &[u8] = b"23456789";
        const SYMS: &[u8] = b"!#%+-=?@^_";
        let len = self.minimum_length.clamp(12, 99) as usize;
        let classes: [&[u8]; 4] = [UPPER, LOWER, DIGITS, SYMS];
        let mut out: Vec<u8> = classes
            .iter()
            .map(|set| set[rng.random_range(0..set.len())])
            .collect();
        while out.len() < len {
            let set = classes[rng.random_range(0..classes.len())];
            out.push(set[rng.random_range(0..set.len())]);
        }
        out.shuffle(rng);
        out.into_iter().map(char::from).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cognito_messages() {
        let p = PasswordPolicy::default();
        assert_eq!(
            p.check("Ab1!").unwrap_err().to_string(),
            "Password did not conform with policy: Password not long enough"
        );
        assert_eq!(
            p.check("abcdefg1!").unwrap_err().to_string(),
            "Password did not conform with policy: Password must have uppercase characters"
        );
        assert!(p.check("Abcdefg1!").is_ok());
        assert!(p.check("Abcdefg1 x").is_ok(), "space counts as a symbol");
    }

    #[test]
    fn generated_passwords_pass_the_policy() {
        let p = PasswordPolicy {
            minimum_length: 20,
            ..Default::default()
        };
        let mut rng = rand::rng();
        for _ in 0..200 {
            let pw = p.generate(&mut rng);
            assert!(p.check(&pw).is_ok(), "{pw}");
            assert_eq!(pw.len(), 20);
        }
    }

    #[test]
    fn zero_validity_days_means_default() {
        let p = PasswordPolicy::from_input(Some(&PasswordPolicyInput {
            temporary_password_validity_days: Some(0),
            ..Default::default()
        }))
        .unwrap();
        assert_eq!(p.temporary_password_validity_days, 7);
        assert!(
            PasswordPolicy::from_input(Some(&PasswordPolicyInput {
                minimum_length: Some(5),
                ..Default::default()
            }))
            .is_err()
        );
    }
}
