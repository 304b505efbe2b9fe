//! One user as a line of JSON: what `tessera users export` writes and `tessera users import`
//! reads. A file from another Tessera carries everything a user needs to sign in as before
//! (password hash, TOTP secret, MFA settings, groups); a file from elsewhere needs only a
//! username and may carry a hash in any format `crypto::hash_formats` reads.
//!
//! The password hash, the TOTP secret and device verifiers are secrets: an export seals them (`v1.…`, see
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
    /// The user's passkeys (they work where the relying party id is the same).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passkeys: Vec<PasskeyRecord>,
    /// The user's confirmed devices (remembered or not).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<DeviceRecord>,
}

/// A passkey, as `webauthn_credentials` keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasskeyRecord {
    pub credential_id: String,
    pub relying_party_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<String>,
    #[serde(default)]
    pub transports: Vec<String>,
    /// webauthn-rs's `Passkey` as JSON (public key, sign counter, backup flags).
    pub passkey: String,
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<i64>,
}

/// A device, as `devices` keeps it; the verifier is sealed in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceRecord {
    pub key: String,
    pub group_key: String,
    pub salt: String,
    pub verifier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub remembered: bool,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_authenticated_at: Option<i64>,
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
pub const SEALED_DEVICE_VERIFIER: &str = "users-file.device_verifier";

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
