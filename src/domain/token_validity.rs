//! Token lifetimes of an app client: `AccessTokenValidity`, `IdTokenValidity`,
//! `RefreshTokenValidity` and their `TokenValidityUnits` (reference §4.4). Values are stored as
//! given, with their unit, and reported back the same way.

use super::AuthError;
use serde::{Deserialize, Serialize};

/// `TokenValidityUnitsType` as requests give it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TokenValidityUnitsInput {
    pub access_token: Option<String>,
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
}

/// The units of each token lifetime, as stored and described.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct TokenValidityUnits {
    pub access_token: String,
    pub id_token: String,
    pub refresh_token: String,
}

impl Default for TokenValidityUnits {
    fn default() -> Self {
        TokenValidityUnits {
            access_token: "minutes".into(),
            id_token: "minutes".into(),
            refresh_token: "days".into(),
        }
    }
}

/// The allowed units.
pub const UNITS: &[&str] = &["seconds", "minutes", "hours", "days"];

/// Seconds in one `unit` (one of [`UNITS`]).
pub fn unit_seconds(unit: &str) -> i64 {
    match unit {
        "seconds" => 1,
        "minutes" => 60,
        "hours" => 3_600,
        _ => 86_400,
    }
}

/// One token kind: its name, default lifetime (value, unit), unit when a value is given without
/// one, and allowed range in seconds.
pub struct TokenKind {
    pub member: &'static str,
    pub default: (i64, &'static str),
    pub unit_without_default: &'static str,
    pub min_seconds: i64,
    pub max_seconds: i64,
    pub range_text: &'static str,
}

/// The access token: 5 minutes to 1 day, 60 minutes by default.
pub const ACCESS: TokenKind = TokenKind {
    member: "AccessTokenValidity",
    default: (60, "minutes"),
    unit_without_default: "hours",
    min_seconds: 300,
    max_seconds: 86_400,
    range_text: "between 5 minutes and 1 day",
};

/// The ID token: 5 minutes to 1 day, 60 minutes by default.
pub const ID: TokenKind = TokenKind {
    member: "IdTokenValidity",
    default: (60, "minutes"),
    unit_without_default: "hours",
    min_seconds: 300,
    max_seconds: 86_400,
    range_text: "between 5 minutes and 1 day",
};

/// The refresh token: 60 minutes to 10 years, 30 days by default.
pub const REFRESH: TokenKind = TokenKind {
    member: "RefreshTokenValidity",
    default: (30, "days"),
    unit_without_default: "days",
    min_seconds: 3_600,
    max_seconds: 315_360_000,
    range_text: "between 60 minutes and 10 years",
};

/// Resolves one lifetime: `(value, unit)` to store. An omitted value takes the default (in
/// the requested unit when it divides evenly); `RefreshTokenValidity` 0 means the default.
pub fn resolve(
    kind: &TokenKind,
    value: Option<i64>,
    unit: Option<&str>,
) -> Result<(i64, String), AuthError> {
    let value = value.filter(|v| !(kind.member == REFRESH.member && *v == 0));
    let (value, unit) = match (value, unit) {
        (None, None) => (kind.default.0, kind.default.1),
        (None, Some(u)) => {
            let default_seconds = kind.default.0 * unit_seconds(kind.default.1);
            if default_seconds % unit_seconds(u) == 0 {
                (default_seconds / unit_seconds(u), u)
            } else {
                (kind.default.0, kind.default.1)
            }
        }
        (Some(v), None) => (v, kind.unit_without_default),
        (Some(v), Some(u)) => (v, u),
    };
    let seconds = value.saturating_mul(unit_seconds(unit));
    if seconds < kind.min_seconds || seconds > kind.max_seconds {
        return Err(AuthError::InvalidParameter(
            format!(
                "{} must be {} ({value} {unit} given).",
                kind.member, kind.range_text
            )
            .into(),
        ));
    }
    Ok((value, unit.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_units() {
        assert_eq!(
            resolve(&ACCESS, None, None).unwrap(),
            (60, "minutes".into())
        );
        assert_eq!(
            resolve(&REFRESH, Some(0), None).unwrap(),
            (30, "days".into())
        );
        assert_eq!(resolve(&ID, Some(2), None).unwrap(), (2, "hours".into()));
        assert_eq!(
            resolve(&ACCESS, None, Some("hours")).unwrap(),
            (1, "hours".into())
        );
        assert_eq!(
            resolve(&REFRESH, None, Some("hours")).unwrap(),
            (720, "hours".into())
        );
    }

    #[test]
    fn ranges() {
        assert!(resolve(&ACCESS, Some(4), Some("minutes")).is_err());
        assert!(resolve(&ACCESS, Some(5), Some("minutes")).is_ok());
        assert!(resolve(&ACCESS, Some(2), Some("days")).is_err());
        assert!(resolve(&REFRESH, Some(59), Some("minutes")).is_err());
        assert!(resolve(&REFRESH, Some(3650), Some("days")).is_ok());
        assert!(resolve(&REFRESH, Some(3651), Some("days")).is_err());
    }
}
