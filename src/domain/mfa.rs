//! A user's multi-factor settings (issue 5): the software token (TOTP) state, which factors
//! are enabled and which one is preferred, and the names Cognito uses for them.

/// The software token factor's name in `UserMFASettingList` and challenges.
pub const SOFTWARE_TOKEN_MFA: &str = "SOFTWARE_TOKEN_MFA";
/// The SMS factor's name.
pub const SMS_MFA: &str = "SMS_MFA";
/// The email factor's name.
pub const EMAIL_OTP: &str = "EMAIL_OTP";

/// One user's MFA row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserMfa {
    /// The verified TOTP secret (base32), if any.
    pub totp_secret: Option<String>,
    /// A secret from AssociateSoftwareToken waiting for VerifySoftwareToken.
    pub totp_pending_secret: Option<String>,
    /// True once a secret was verified.
    pub totp_verified: bool,
    /// True while the user has TOTP enabled as a factor.
    pub totp_enabled: bool,
    /// The last time step accepted (codes of this step or earlier are refused).
    pub totp_last_step: Option<i64>,
    /// FriendlyDeviceName given at verification.
    pub totp_device_name: Option<String>,
    /// SMS MFA enabled.
    pub sms_enabled: bool,
    /// Email MFA enabled.
    pub email_enabled: bool,
    /// The preferred factor, if any.
    pub preferred: Option<String>,
}

impl UserMfa {
    /// True when TOTP can be asked for at sign-in.
    pub fn totp_active(&self) -> bool {
        self.totp_verified && self.totp_enabled && self.totp_secret.is_some()
    }

    /// `UserMFASettingList`: the enabled factors.
    pub fn setting_list(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.sms_enabled {
            out.push(SMS_MFA);
        }
        if self.totp_active() {
            out.push(SOFTWARE_TOKEN_MFA);
        }
        if self.email_enabled {
            out.push(EMAIL_OTP);
        }
        out
    }
}
