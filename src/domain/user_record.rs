//! One user as a line of JSON: what `tessera users export` writes and `tessera users import`
//! reads. A file from another Tessera carries everything a user needs to sign in as before
//! (password hash, TOTP secret, MFA settings, groups); a file from elsewhere needs only a
//! username and may carry a hash in any format `crypto::hash_formats` reads.
//!
//! The password hash and the TOTP secret are secrets: an export seals them (`v1.…`, see
//! `crypto::vault`) under the key file the operator gives, and an import opens them with it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A user of a users file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRecord {
    pub username: String,
    /// Kept when given, so tokens' `sub` and links to other systems survive the move.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// CONFIRMED (the default), UNCONFIRMED, RESET_REQUIRED or FORCE_CHANGE_PASSWORD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default = "enabled", skip_serializing_if = "is_true")]
    pub enabled: bool,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Groups the user is in; missing groups are created.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa: Option<MfaRecord>,
    /// Epoch milliseconds; the import's time when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
}

/// A user's MFA settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfaRecord {
    /// The verified TOTP secret (base32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_secret: Option<String>,
    #[serde(default)]
    pub totp_enabled: bool,
    #[serde(default)]
    pub sms_enabled: bool,
    #[serde(default)]
    pub email_enabled: bool,
    /// SOFTWARE_TOKEN_MFA, SMS_MFA or EMAIL_OTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred: Option<String>,
}

/// The associated data the sealed fields of a file are sealed with.
pub const SEALED_PASSWORD_HASH: &str = "users-file.password_hash";
pub const SEALED_TOTP_SECRET: &str = "users-file.totp_secret";

fn enabled() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_line_reads_with_defaults_and_unknown_fields_are_refused() {
        let r: UserRecord = serde_json::from_str(r#"{"username":"ann"}"#).unwrap();
        assert!(r.enabled && r.status.is_none() && r.attributes.is_empty());
        assert!(
            serde_json::from_str::<UserRecord>(r#"{"username":"ann","pasword_hash":"x"}"#).is_err()
        );
        let line = serde_json::to_string(&r).unwrap();
        assert_eq!(line, r#"{"username":"ann","attributes":{}}"#);
    }
}
