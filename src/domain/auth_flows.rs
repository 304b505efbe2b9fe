//! `ExplicitAuthFlows` of an app client: the allowed values, the default, the rule that legacy
//! values do not mix with `ALLOW_*` ones, and which sign-in flows a client permits
//! (reference §3.1).

use super::AuthError;
use super::client::dedup;

/// Current ExplicitAuthFlows values.
pub const ALLOW: &[&str] = &[
    "ALLOW_USER_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
];
/// Legacy ExplicitAuthFlows values; they cannot be mixed with the `ALLOW_*` ones.
pub const LEGACY: &[&str] = &[
    "ADMIN_NO_SRP_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY",
    "USER_PASSWORD_AUTH",
];
/// ExplicitAuthFlows when a request gives none.
pub const DEFAULT: &[&str] = &[
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_CUSTOM_AUTH",
];

/// Checks `ExplicitAuthFlows` and applies the default when none is given.
pub fn check(given: Option<&[String]>) -> Result<Vec<String>, AuthError> {
    let flows: Vec<String> = match given {
        None | Some([]) => DEFAULT.iter().map(|s| s.to_string()).collect(),
        Some(list) => dedup(list),
    };
    let legacy = flows.iter().any(|f| LEGACY.contains(&f.as_str()));
    let current = flows.iter().any(|f| ALLOW.contains(&f.as_str()));
    if legacy && current {
        return Err(AuthError::InvalidParameter(
            "ExplicitAuthFlows cannot mix ALLOW_* values with the legacy values \
             ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY and USER_PASSWORD_AUTH."
                .into(),
        ));
    }
    Ok(flows)
}

/// Whether the flows `flows` (a client's ExplicitAuthFlows) permit sign-in with `flow`, an
/// `AuthFlowType` (`USER_SRP_AUTH`, `REFRESH_TOKEN_AUTH`, `REFRESH_TOKEN`, `CUSTOM_AUTH`,
/// `USER_PASSWORD_AUTH`, `ADMIN_USER_PASSWORD_AUTH`, `ADMIN_NO_SRP_AUTH`, `USER_AUTH`). With
/// legacy values, SRP, refresh and custom auth are always on (only custom and refresh with
/// `CUSTOM_AUTH_FLOW_ONLY`).
pub fn allowed(flows: &[String], flow: &str) -> bool {
    let has = |name: &str| flows.iter().any(|f| f == name);
    let flow = match flow {
        "REFRESH_TOKEN" => "REFRESH_TOKEN_AUTH",
        "ADMIN_NO_SRP_AUTH" => "ADMIN_USER_PASSWORD_AUTH",
        other => other,
    };
    if flows.iter().any(|f| LEGACY.contains(&f.as_str())) {
        let custom_only = has("CUSTOM_AUTH_FLOW_ONLY");
        return match flow {
            "REFRESH_TOKEN_AUTH" | "CUSTOM_AUTH" => true,
            "USER_SRP_AUTH" => !custom_only,
            "USER_PASSWORD_AUTH" => !custom_only && has("USER_PASSWORD_AUTH"),
            "ADMIN_USER_PASSWORD_AUTH" => !custom_only && has("ADMIN_NO_SRP_AUTH"),
            _ => false,
        };
    }
    has(&format!("ALLOW_{flow}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Client(Vec<String>);

    impl Client {
        fn auth_flow_allowed(&self, flow: &str) -> bool {
            allowed(&self.0, flow)
        }
    }

    fn client(flows: &[&str]) -> Client {
        let given: Vec<String> = flows.iter().map(|s| s.to_string()).collect();
        Client(check(Some(&given)).unwrap())
    }

    #[test]
    fn auth_flows_gate_sign_in() {
        let c = client(&[]);
        assert!(c.auth_flow_allowed("USER_SRP_AUTH"));
        assert!(c.auth_flow_allowed("REFRESH_TOKEN"));
        assert!(!c.auth_flow_allowed("USER_PASSWORD_AUTH"));
        let c = client(&["ALLOW_ADMIN_USER_PASSWORD_AUTH"]);
        assert!(c.auth_flow_allowed("ADMIN_NO_SRP_AUTH"));
        assert!(!c.auth_flow_allowed("USER_SRP_AUTH"));
        let c = client(&["USER_PASSWORD_AUTH"]);
        assert!(c.auth_flow_allowed("USER_PASSWORD_AUTH"));
        assert!(c.auth_flow_allowed("USER_SRP_AUTH"));
        assert!(!c.auth_flow_allowed("ADMIN_USER_PASSWORD_AUTH"));
        let c = client(&["CUSTOM_AUTH_FLOW_ONLY"]);
        assert!(c.auth_flow_allowed("CUSTOM_AUTH"));
        assert!(!c.auth_flow_allowed("USER_SRP_AUTH"));
    }

    #[test]
    fn legacy_and_allow_do_not_mix() {
        let mixed = vec![
            "ALLOW_USER_SRP_AUTH".to_string(),
            "ADMIN_NO_SRP_AUTH".to_string(),
        ];
        assert!(check(Some(&mixed)).is_err());
        assert_eq!(check(Some(&[])).unwrap(), DEFAULT);
    }
}
