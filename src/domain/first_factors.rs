//! Choice-based sign-in (`USER_AUTH`, reference §3.1, §3.2): the first factors a pool allows
//! (`Policies.SignInPolicy.AllowedFirstAuthFactors`) and the ones a user can use among them.
//! Pure: no I/O.

use super::AuthError;
use super::pool::PoolSettings;
use super::user::{User, UserStatus};
use serde_json::{Value, json};

/// `AllowedFirstAuthFactors` values.
pub const PASSWORD: &str = "PASSWORD";
pub const EMAIL_OTP: &str = "EMAIL_OTP";
pub const SMS_OTP: &str = "SMS_OTP";
pub const WEB_AUTHN: &str = "WEB_AUTHN";
/// The challenge of a password proven by SRP (offered with `PASSWORD`).
pub const PASSWORD_SRP: &str = "PASSWORD_SRP";

const FACTORS: [&str; 4] = [PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN];

/// Checks a `SignInPolicy` and returns it as stored: `{"AllowedFirstAuthFactors": [...]}`,
/// one to four known factors, `PASSWORD` among them (a user can always fall back to it).
pub fn check_sign_in_policy(value: &Value) -> Result<Value, AuthError> {
    let invalid = |why: &str| AuthError::InvalidParameter(format!("SignInPolicy: {why}").into());
    let Some(object) = value.as_object() else {
        return Err(invalid("must be an object"));
    };
    if let Some(other) = object.keys().find(|k| *k != "AllowedFirstAuthFactors") {
        return Err(invalid(&format!("unknown member {other}")));
    }
    let factors: Vec<String> = match object.get("AllowedFirstAuthFactors") {
        None | Some(Value::Null) => vec![PASSWORD.to_string()],
        Some(Value::Array(list)) => list
            .iter()
            .map(|f| f.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(|| invalid("AllowedFirstAuthFactors must be a list of strings"))?,
        Some(_) => return Err(invalid("AllowedFirstAuthFactors must be a list")),
    };
    if factors.is_empty() || factors.len() > FACTORS.len() {
        return Err(invalid("AllowedFirstAuthFactors must have 1 to 4 members"));
    }
    if let Some(unknown) = factors.iter().find(|f| !FACTORS.contains(&f.as_str())) {
        return Err(invalid(&format!(
            "{unknown} is not one of PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN"
        )));
    }
    if !factors.iter().any(|f| f == PASSWORD) {
        return Err(invalid("AllowedFirstAuthFactors must include PASSWORD"));
    }
    let mut unique: Vec<String> = Vec::new();
    for f in factors {
        if !unique.contains(&f) {
            unique.push(f);
        }
    }
    Ok(json!({ "AllowedFirstAuthFactors": unique }))
}

/// The pool's allowed first factors (`PASSWORD` alone when it sets none).
pub fn allowed(settings: &PoolSettings) -> Vec<String> {
    settings
        .sign_in_policy
        .as_ref()
        .and_then(|p| p.get("AllowedFirstAuthFactors"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_else(|| vec![PASSWORD.to_string()])
}

/// The challenges `USER_AUTH` offers `user` (None: a user that does not exist, offered what
/// an ordinary user would be, so the answer tells nothing): `PASSWORD` and `PASSWORD_SRP`,
/// then a one-time code by email or SMS where the pool allows it and the user has that
/// address verified. With MFA required, a one-time code is not a whole sign-in and is not
/// offered. A passkey (`WEB_AUTHN`) is offered to a user who has one (`has_passkey`), and with
/// MFA required only where the pool counts a passkey as both factors.
///
/// With `hide` (a client that hides which users exist) every user is offered the pool's whole
/// list, so the choices tell nothing; one who then cannot receive the code or has no passkey
/// is answered as a user that does not exist.
pub fn available(
    settings: &PoolSettings,
    user: Option<&User>,
    hide: bool,
    has_passkey: bool,
) -> Vec<&'static str> {
    let allowed = allowed(settings);
    let has = |f: &str| allowed.iter().any(|a| a == f);
    let mut out = vec![PASSWORD, PASSWORD_SRP];
    let otp_allowed = settings.mfa_configuration != "ON";
    for factor in [EMAIL_OTP, SMS_OTP] {
        let reachable = hide || user.is_none_or(|u| can_receive(u, factor));
        if otp_allowed && has(factor) && reachable {
            out.push(factor);
        }
    }
    let passkey_allowed = settings.mfa_configuration != "ON"
        || super::passkeys::counts_as_mfa(settings.web_authn_configuration.as_ref());
    if passkey_allowed && has(WEB_AUTHN) && (hide || user.is_none() || has_passkey) {
        out.push(WEB_AUTHN);
    }
    out
}

/// Whether `user` can get a one-time code of `factor` (a confirmed user with the address
/// verified).
pub fn can_receive(user: &User, factor: &str) -> bool {
    let flag = if factor == SMS_OTP {
        "phone_number_verified"
    } else {
        "email_verified"
    };
    user.status == UserStatus::Confirmed && user.is_verified(flag)
}

/// `ConfiguredUserAuthFactors`: the first factors `user` can sign in with now (GetUserAuthFactors).
pub fn configured(settings: &PoolSettings, user: &User, has_passkey: bool) -> Vec<&'static str> {
    let mut out = Vec::new();
    if user.password_hash.is_some() {
        out.push(PASSWORD);
    }
    out.extend(
        available(settings, Some(user), false, has_passkey)
            .into_iter()
            .filter(|f| *f == EMAIL_OTP || *f == SMS_OTP || *f == WEB_AUTHN),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_are_checked() {
        let ok = check_sign_in_policy(
            &json!({"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "EMAIL_OTP"]}),
        )
        .unwrap();
        assert_eq!(
            ok["AllowedFirstAuthFactors"],
            json!(["PASSWORD", "EMAIL_OTP"])
        );
        for bad in [
            json!({"AllowedFirstAuthFactors": []}),
            json!({"AllowedFirstAuthFactors": ["EMAIL_OTP"]}),
            json!({"AllowedFirstAuthFactors": ["PASSWORD", "SOFTWARE_TOKEN"]}),
            json!({"Other": 1}),
            json!("PASSWORD"),
        ] {
            assert!(check_sign_in_policy(&bad).is_err(), "{bad}");
        }
    }
}
