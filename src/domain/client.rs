//! An app client of a user pool: what CreateUserPoolClient / UpdateUserPoolClient accept, the
//! defaults Cognito applies, the rules between members, and the checks sign-in will need
//! ([`UserPoolClient::auth_flow_allowed`], [`UserPoolClient::has_callback_url`]).
//! Reference: §2.4 (members), §3.1 (ExplicitAuthFlows), §4.4 (validity), §5.7, §8.2.

use super::AuthError;
use super::attributes::SchemaAttribute;
use super::auth_flows;
use super::client_oauth;
use super::token_validity::{self, TokenValidityUnits, TokenValidityUnitsInput};
use super::validate::{Violations, patterns};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `RefreshTokenRotationType`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct RefreshTokenRotation {
    pub feature: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_grace_period_seconds: Option<i64>,
}

/// The members of CreateUserPoolClient / UpdateUserPoolClient that describe the client
/// (the secret members are CreateUserPoolClient's own, see `services::admin::clients`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ClientInput {
    pub client_name: Option<String>,
    pub refresh_token_validity: Option<i64>,
    pub access_token_validity: Option<i64>,
    pub id_token_validity: Option<i64>,
    pub token_validity_units: Option<TokenValidityUnitsInput>,
    pub read_attributes: Option<Vec<String>>,
    pub write_attributes: Option<Vec<String>>,
    pub explicit_auth_flows: Option<Vec<String>>,
    pub supported_identity_providers: Option<Vec<String>>,
    #[serde(rename = "CallbackURLs")]
    pub callback_urls: Option<Vec<String>>,
    #[serde(rename = "LogoutURLs")]
    pub logout_urls: Option<Vec<String>>,
    #[serde(rename = "DefaultRedirectURI")]
    pub default_redirect_uri: Option<String>,
    #[serde(rename = "AllowedOAuthFlows")]
    pub allowed_oauth_flows: Option<Vec<String>>,
    #[serde(rename = "AllowedOAuthScopes")]
    pub allowed_oauth_scopes: Option<Vec<String>>,
    #[serde(rename = "AllowedOAuthFlowsUserPoolClient")]
    pub allowed_oauth_flows_user_pool_client: Option<bool>,
    pub analytics_configuration: Option<Value>,
    pub prevent_user_existence_errors: Option<String>,
    pub enable_token_revocation: Option<bool>,
    pub enable_propagate_additional_user_context_data: Option<bool>,
    pub auth_session_validity: Option<i64>,
    pub refresh_token_rotation: Option<RefreshTokenRotation>,
}

/// Everything a client is configured with, as stored (JSON in `user_pool_clients.settings`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct ClientSettings {
    pub refresh_token_validity: i64,
    pub access_token_validity: i64,
    pub id_token_validity: i64,
    pub token_validity_units: TokenValidityUnits,
    pub read_attributes: Vec<String>,
    pub write_attributes: Vec<String>,
    pub explicit_auth_flows: Vec<String>,
    pub supported_identity_providers: Vec<String>,
    pub callback_urls: Vec<String>,
    pub logout_urls: Vec<String>,
    pub default_redirect_uri: Option<String>,
    pub allowed_oauth_flows: Vec<String>,
    pub allowed_oauth_scopes: Vec<String>,
    pub allowed_oauth_flows_user_pool_client: bool,
    pub analytics_configuration: Option<Value>,
    pub prevent_user_existence_errors: String,
    pub enable_token_revocation: bool,
    pub enable_propagate_additional_user_context_data: bool,
    pub auth_session_validity: i64,
    pub refresh_token_rotation: Option<RefreshTokenRotation>,
}

/// An app client.
#[derive(Debug, Clone, PartialEq)]
pub struct UserPoolClient {
    pub id: String,
    pub pool_id: String,
    pub name: String,
    pub secret: Option<String>,
    /// Shared: parsed once per stored change (the store's cache).
    pub settings: std::sync::Arc<ClientSettings>,
    /// Bumped by every saved change; a save from a stale copy is refused.
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What the rules need to know about the pool and the client beyond the request itself.
#[derive(Debug, Clone, Copy)]
pub struct ClientContext<'a> {
    pub pool_id: &'a str,
    /// The pool's attribute schema (ReadAttributes / WriteAttributes must name these).
    pub schema: &'a [SchemaAttribute],
    /// Every custom scope of the pool's resource servers, as `<identifier>/<scope name>`.
    pub custom_scopes: &'a [String],
    /// Whether the client has (or will have) a secret.
    pub has_secret: bool,
    /// The names of the pool's identity providers (besides `COGNITO`).
    pub identity_providers: &'a [String],
}

/// Checks a client name (1–128 characters, Cognito's pattern).
pub fn check_client_name(v: &mut Violations, name: Option<&str>) {
    v.length("ClientName", name, 1, 128);
    v.pattern("ClientName", name, &patterns::POOL_NAME, r"[\w\s+=,.@-]+");
}

/// Checks a client secret chosen by the caller (24–64 characters of `[\w+]`).
pub fn check_client_secret(v: &mut Violations, secret: Option<&str>) {
    v.length("ClientSecret", secret, 24, 64);
    v.pattern("ClientSecret", secret, &patterns::CLIENT_SECRET, r"[\w+]+");
}

impl ClientSettings {
    /// The UpdateUserPoolClient request that keeps these settings as they are (a full
    /// replace needs every member): what the console changes some members of.
    pub fn update_input(&self, name: &str) -> ClientInput {
        let mut input: ClientInput =
            serde_json::from_value(serde_json::to_value(self).unwrap_or_default())
                .unwrap_or_default();
        input.client_name = Some(name.to_string());
        // Stored under serde's own spelling of these names, not the request's.
        input.callback_urls = Some(self.callback_urls.clone());
        input.logout_urls = Some(self.logout_urls.clone());
        input.default_redirect_uri = self.default_redirect_uri.clone();
        input.allowed_oauth_flows = Some(self.allowed_oauth_flows.clone());
        input.allowed_oauth_scopes = Some(self.allowed_oauth_scopes.clone());
        input.allowed_oauth_flows_user_pool_client =
            Some(self.allowed_oauth_flows_user_pool_client);
        input
    }

    /// Settings from the members of a create or update request. Update is a full replace, so
    /// both build from the request alone: omitted members take their defaults.
    pub fn from_input(input: &ClientInput, ctx: ClientContext<'_>) -> Result<Self, AuthError> {
        let mut v = Violations::new();
        check_client_name(&mut v, input.client_name.as_deref());
        v.range(
            "AccessTokenValidity",
            input.access_token_validity,
            1,
            86_400,
        );
        v.range("IdTokenValidity", input.id_token_validity, 1, 86_400);
        v.range(
            "RefreshTokenValidity",
            input.refresh_token_validity,
            0,
            315_360_000,
        );
        v.range("AuthSessionValidity", input.auth_session_validity, 3, 15);
        if let Some(u) = &input.token_validity_units {
            v.one_of(
                "TokenValidityUnits.accessToken",
                u.access_token.as_deref(),
                token_validity::UNITS,
            );
            v.one_of(
                "TokenValidityUnits.idToken",
                u.id_token.as_deref(),
                token_validity::UNITS,
            );
            v.one_of(
                "TokenValidityUnits.refreshToken",
                u.refresh_token.as_deref(),
                token_validity::UNITS,
            );
        }
        v.one_of(
            "PreventUserExistenceErrors",
            input.prevent_user_existence_errors.as_deref(),
            &["LEGACY", "ENABLED"],
        );
        if let Some(r) = &input.refresh_token_rotation {
            v.one_of(
                "RefreshTokenRotation.feature",
                Some(&r.feature),
                &["ENABLED", "DISABLED"],
            );
            v.range(
                "RefreshTokenRotation.retryGracePeriodSeconds",
                r.retry_grace_period_seconds,
                0,
                60,
            );
        }
        for (member, list) in [
            ("ReadAttributes", &input.read_attributes),
            ("WriteAttributes", &input.write_attributes),
        ] {
            for name in list.iter().flatten() {
                v.length(member, Some(name), 1, 32);
            }
        }
        for flow in input.explicit_auth_flows.iter().flatten() {
            let all: Vec<&str> = auth_flows::ALLOW
                .iter()
                .chain(auth_flows::LEGACY)
                .copied()
                .collect();
            v.one_of("ExplicitAuthFlows", Some(flow), &all);
        }
        v.finish()?;

        let units = input.token_validity_units.clone().unwrap_or_default();
        let (access, access_unit) = token_validity::resolve(
            &token_validity::ACCESS,
            input.access_token_validity,
            units.access_token.as_deref(),
        )?;
        let (id, id_unit) = token_validity::resolve(
            &token_validity::ID,
            input.id_token_validity,
            units.id_token.as_deref(),
        )?;
        let (refresh, refresh_unit) = token_validity::resolve(
            &token_validity::REFRESH,
            input.refresh_token_validity,
            units.refresh_token.as_deref(),
        )?;
        let read_attributes =
            check_attributes("read", input.read_attributes.as_deref(), ctx.schema)?;
        let write_attributes =
            check_attributes("write", input.write_attributes.as_deref(), ctx.schema)?;
        let oauth = client_oauth::check(input, ctx)?;
        Ok(ClientSettings {
            refresh_token_validity: refresh,
            access_token_validity: access,
            id_token_validity: id,
            token_validity_units: TokenValidityUnits {
                access_token: access_unit,
                id_token: id_unit,
                refresh_token: refresh_unit,
            },
            read_attributes,
            write_attributes,
            explicit_auth_flows: auth_flows::check(input.explicit_auth_flows.as_deref())?,
            supported_identity_providers: oauth.supported_identity_providers,
            callback_urls: oauth.callback_urls,
            logout_urls: oauth.logout_urls,
            default_redirect_uri: oauth.default_redirect_uri,
            allowed_oauth_flows: oauth.flows,
            allowed_oauth_scopes: oauth.scopes,
            allowed_oauth_flows_user_pool_client: oauth.enabled,
            analytics_configuration: input.analytics_configuration.clone(),
            prevent_user_existence_errors: input
                .prevent_user_existence_errors
                .clone()
                .unwrap_or_else(|| "LEGACY".into()),
            enable_token_revocation: input.enable_token_revocation.unwrap_or(true),
            enable_propagate_additional_user_context_data: input
                .enable_propagate_additional_user_context_data
                .unwrap_or(false),
            auth_session_validity: input.auth_session_validity.unwrap_or(3),
            refresh_token_rotation: input.refresh_token_rotation.clone(),
        })
    }

    /// Drops the given scopes from AllowedOAuthScopes; true when something was removed.
    pub fn remove_scopes(&mut self, gone: impl Fn(&str) -> bool) -> bool {
        let before = self.allowed_oauth_scopes.len();
        self.allowed_oauth_scopes.retain(|s| !gone(s));
        before != self.allowed_oauth_scopes.len()
    }
}

impl UserPoolClient {
    /// Whether sign-in with `flow` (an `AuthFlowType`: `USER_SRP_AUTH`, `REFRESH_TOKEN_AUTH`,
    /// `REFRESH_TOKEN`, `CUSTOM_AUTH`, `USER_PASSWORD_AUTH`, `ADMIN_USER_PASSWORD_AUTH`,
    /// `ADMIN_NO_SRP_AUTH`, `USER_AUTH`) is enabled for this client. With legacy values, SRP,
    /// refresh and custom auth are always on (custom only, with `CUSTOM_AUTH_FLOW_ONLY`).
    pub fn auth_flow_allowed(&self, flow: &str) -> bool {
        auth_flows::allowed(&self.settings.explicit_auth_flows, flow)
    }

    /// Whether this client may write `attribute` on a user's behalf: one of its
    /// WriteAttributes, or, when it has none, any attribute but the `*_verified` flags (which
    /// only verification or an administrator sets). Immutable attributes such as `sub` are
    /// refused by the schema check, as InvalidParameterException.
    pub fn can_write(&self, attribute: &str) -> bool {
        let list = &self.settings.write_attributes;
        if list.is_empty() {
            !attribute.ends_with("_verified")
        } else {
            list.iter().any(|a| a == attribute)
        }
    }

    /// As [`Self::auth_flow_allowed`], as Cognito's error when the flow is not enabled.
    pub fn require_auth_flow(&self, flow: &str) -> Result<(), AuthError> {
        if self.auth_flow_allowed(flow) {
            Ok(())
        } else {
            Err(AuthError::InvalidParameter(
                format!("{flow} flow not enabled for this client").into(),
            ))
        }
    }

    /// Whether `url` is exactly one of the client's callback URLs (no normalisation).
    pub fn has_callback_url(&self, url: &str) -> bool {
        self.settings.callback_urls.iter().any(|u| u == url)
    }

    /// Whether `url` is exactly one of the client's sign-out URLs.
    pub fn has_logout_url(&self, url: &str) -> bool {
        self.settings.logout_urls.iter().any(|u| u == url)
    }
}

fn check_attributes(
    which: &str,
    given: Option<&[String]>,
    schema: &[SchemaAttribute],
) -> Result<Vec<String>, AuthError> {
    let list = dedup(given.unwrap_or_default());
    for name in &list {
        let known = schema
            .iter()
            .any(|a| a.name.as_deref() == Some(name.as_str()));
        if !known || (which == "write" && name == "sub") {
            return Err(AuthError::InvalidParameter(
                format!("Invalid {which} attributes specified while creating a client: {name}")
                    .into(),
            ));
        }
    }
    Ok(list)
}

/// The list without repeated values, first occurrence kept.
pub(crate) fn dedup(list: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for item in list {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Vec<SchemaAttribute> {
        ["sub", "email", "custom:tenant"]
            .iter()
            .map(|n| SchemaAttribute {
                name: Some(n.to_string()),
                ..Default::default()
            })
            .collect()
    }

    fn settings(input: &ClientInput) -> Result<ClientSettings, AuthError> {
        let schema = schema();
        let ctx = ClientContext {
            identity_providers: &[],
            pool_id: "local_x",
            schema: &schema,
            custom_scopes: &[],
            has_secret: false,
        };
        ClientSettings::from_input(input, ctx)
    }

    fn client(flows: &[&str]) -> UserPoolClient {
        let input = ClientInput {
            explicit_auth_flows: Some(flows.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        };
        UserPoolClient {
            id: "c".into(),
            pool_id: "local_x".into(),
            name: "n".into(),
            secret: None,
            settings: settings(&input).unwrap().into(),
            version: 0,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn update_input_keeps_everything() {
        let input = ClientInput {
            client_name: Some("web".into()),
            callback_urls: Some(vec!["https://app.example.com/cb".into()]),
            logout_urls: Some(vec!["https://app.example.com/".into()]),
            allowed_oauth_flows: Some(vec!["code".into()]),
            allowed_oauth_scopes: Some(vec!["openid".into(), "email".into()]),
            allowed_oauth_flows_user_pool_client: Some(true),
            supported_identity_providers: Some(vec!["COGNITO".into()]),
            explicit_auth_flows: Some(vec!["ALLOW_USER_SRP_AUTH".into()]),
            access_token_validity: Some(2),
            token_validity_units: Some(crate::domain::token_validity::TokenValidityUnitsInput {
                access_token: Some("hours".into()),
                ..Default::default()
            }),
            read_attributes: Some(vec!["email".into()]),
            prevent_user_existence_errors: Some("ENABLED".into()),
            ..Default::default()
        };
        let s = settings(&input).unwrap();
        assert_eq!(settings(&s.update_input("web")).unwrap(), s);
    }

    #[test]
    fn defaults_are_cognitos() {
        let s = settings(&ClientInput::default()).unwrap();
        assert_eq!(
            (
                s.access_token_validity,
                s.id_token_validity,
                s.refresh_token_validity
            ),
            (60, 60, 30)
        );
        assert_eq!(s.token_validity_units, TokenValidityUnits::default());
        assert_eq!(s.explicit_auth_flows, auth_flows::DEFAULT);
        assert_eq!(s.prevent_user_existence_errors, "LEGACY");
        assert!(s.enable_token_revocation);
        assert!(!s.enable_propagate_additional_user_context_data);
        assert_eq!(s.auth_session_validity, 3);
    }

    #[test]
    fn attributes_must_exist_and_sub_is_read_only() {
        let read = ClientInput {
            read_attributes: Some(vec!["sub".into(), "custom:tenant".into()]),
            ..Default::default()
        };
        assert!(settings(&read).is_ok());
        let write_sub = ClientInput {
            write_attributes: Some(vec!["sub".into()]),
            ..Default::default()
        };
        assert!(settings(&write_sub).is_err());
        let unknown = ClientInput {
            read_attributes: Some(vec!["custom:nope".into()]),
            ..Default::default()
        };
        assert!(settings(&unknown).is_err());
    }

    #[test]
    fn callback_urls_match_exactly() {
        let input = ClientInput {
            callback_urls: Some(vec!["https://a.example.com/cb".into()]),
            ..Default::default()
        };
        let mut c = client(&[]);
        c.settings = settings(&input).unwrap().into();
        assert!(c.has_callback_url("https://a.example.com/cb"));
        assert!(!c.has_callback_url("https://a.example.com/cb/"));
        assert!(!c.has_callback_url("https://A.example.com/cb"));
    }
}
