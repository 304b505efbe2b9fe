//! Remembered devices (reference §5.9): the pool's `DeviceConfiguration`, a device as stored,
//! and how it is described (`DeviceType`). Pure: no I/O.

use serde_json::Value;

/// `DeviceConfiguration` of a pool that tracks devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceConfiguration {
    /// A remembered device signs in with its own proof (DEVICE_SRP_AUTH) instead of MFA.
    pub challenge_required_on_new_device: bool,
    /// A confirmed device is remembered only when the user says so (UpdateDeviceStatus);
    /// otherwise confirming it remembers it.
    pub device_only_remembered_on_user_prompt: bool,
}

impl DeviceConfiguration {
    /// The pool's configuration, when it tracks devices.
    pub fn of(device_configuration: Option<&Value>) -> Option<DeviceConfiguration> {
        let c = device_configuration?.as_object()?;
        let flag = |name: &str| c.get(name).and_then(Value::as_bool).unwrap_or(false);
        Some(DeviceConfiguration {
            challenge_required_on_new_device: flag("ChallengeRequiredOnNewDevice"),
            device_only_remembered_on_user_prompt: flag("DeviceOnlyRememberedOnUserPrompt"),
        })
    }
}

/// A device of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// `{region}_{uuid}`.
    pub key: String,
    pub pool_id: String,
    pub user_sub: String,
    /// The device group key: the "pool name" of the device's SRP proof.
    pub group_key: String,
    /// The device's SRP salt and verifier (hex), once confirmed.
    pub salt: Option<String>,
    pub verifier: Option<String>,
    pub name: Option<String>,
    pub remembered: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_authenticated_at: Option<i64>,
}

impl Device {
    /// Whether ConfirmDevice has given it a verifier.
    pub fn confirmed(&self) -> bool {
        self.verifier.is_some() && self.salt.is_some()
    }

    /// `DeviceAttributes`, as Cognito names them.
    pub fn attributes(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![("device_status", "valid".to_string())];
        if let Some(name) = &self.name {
            out.push(("device_name", name.clone()));
        }
        let status = if self.remembered {
            "remembered"
        } else {
            "not_remembered"
        };
        out.push(("dev:device_remembered_status", status.to_string()));
        out
    }
}

/// Checks a `DeviceKey` (Cognito's pattern `[\w-]+_[0-9a-f-]+`, 1–55 characters).
pub fn valid_key(key: &str) -> bool {
    let Some((region, id)) = key.split_once('_') else {
        return false;
    };
    (1..=55).contains(&key.len())
        && !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !id.is_empty()
        && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn configuration_and_keys() {
        assert_eq!(DeviceConfiguration::of(None), None);
        let c =
            DeviceConfiguration::of(Some(&json!({"ChallengeRequiredOnNewDevice": true}))).unwrap();
        assert!(c.challenge_required_on_new_device);
        assert!(!c.device_only_remembered_on_user_prompt);
        assert!(valid_key("local_0b3c6a8e-1f2d-4c5b-9a7e-3d2c1b0a9f8e"));
        assert!(!valid_key("no-underscore"));
        assert!(!valid_key("local_not hex"));
    }
}
