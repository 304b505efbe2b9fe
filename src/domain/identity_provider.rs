//! Identity providers of a pool (reference §1.10): OpenID Connect and the social types, their
//! `ProviderDetails`, attribute mapping and identifiers, the endpoints a sign-in uses, and how an
//! upstream account's claims become a user's attributes and `identities`. Pure: no I/O.

use super::AuthError;
use super::attributes::SchemaAttribute;
use super::validate::{Violations, patterns};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Providers a pool may have (Cognito's quota).
pub const MAX_PER_POOL: i64 = 300;
/// Identifiers one provider may have.
pub const MAX_IDENTIFIERS: usize = 50;
/// Upstream accounts one user may be linked to (Cognito's quota).
pub const MAX_LINKED_IDENTITIES: usize = 5;
/// Tessera's opt-in (beyond Cognito) to sign an upstream account with a verified email in as the
/// native user with the same verified email: `"true"` or `"false"` (the default).
pub const LINK_BY_EMAIL: &str = "link_by_verified_email";

/// `ProviderType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderType {
    Oidc,
    Google,
    Facebook,
    SignInWithApple,
    LoginWithAmazon,
}

impl ProviderType {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderType::Oidc => "OIDC",
            ProviderType::Google => "Google",
            ProviderType::Facebook => "Facebook",
            ProviderType::SignInWithApple => "SignInWithApple",
            ProviderType::LoginWithAmazon => "LoginWithAmazon",
        }
    }

    pub fn parse(value: &str) -> Option<ProviderType> {
        [
            ProviderType::Oidc,
            ProviderType::Google,
            ProviderType::Facebook,
            ProviderType::SignInWithApple,
            ProviderType::LoginWithAmazon,
        ]
        .into_iter()
        .find(|t| t.as_str() == value)
    }

    /// True when the upstream proves the account with a signed ID token (OpenID Connect);
    /// false for plain OAuth 2.0 with a user endpoint (Facebook, Login with Amazon).
    pub fn uses_id_token(self) -> bool {
        !matches!(self, ProviderType::Facebook | ProviderType::LoginWithAmazon)
    }

    /// The upstream claim that identifies the account, unless the mapping names another.
    fn subject_claim(self) -> &'static str {
        match self {
            ProviderType::Facebook => "id",
            ProviderType::LoginWithAmazon => "user_id",
            _ => "sub",
        }
    }

    /// The `ProviderDetails` keys this type accepts, and which of them are required.
    fn keys(self) -> (&'static [&'static str], &'static [&'static str]) {
        const ENDPOINTS: [&str; 4] = ["authorize_url", "token_url", "attributes_url", "jwks_uri"];
        match self {
            ProviderType::Oidc => (
                &[
                    "client_id",
                    "client_secret",
                    "authorize_scopes",
                    "oidc_issuer",
                    "attributes_request_method",
                    ENDPOINTS[0],
                    ENDPOINTS[1],
                    ENDPOINTS[2],
                    ENDPOINTS[3],
                    "attributes_url_add_attributes",
                    LINK_BY_EMAIL,
                ],
                &["client_id", "authorize_scopes", "oidc_issuer"],
            ),
            ProviderType::Google | ProviderType::LoginWithAmazon => (
                &[
                    "client_id",
                    "client_secret",
                    "authorize_scopes",
                    ENDPOINTS[0],
                    ENDPOINTS[1],
                    ENDPOINTS[2],
                    ENDPOINTS[3],
                    "oidc_issuer",
                    "attributes_url_add_attributes",
                    LINK_BY_EMAIL,
                ],
                &["client_id", "client_secret", "authorize_scopes"],
            ),
            ProviderType::Facebook => (
                &[
                    "client_id",
                    "client_secret",
                    "authorize_scopes",
                    "api_version",
                    ENDPOINTS[0],
                    ENDPOINTS[1],
                    ENDPOINTS[2],
                    "attributes_request_method",
                    "attributes_url_add_attributes",
                    LINK_BY_EMAIL,
                ],
                &["client_id", "client_secret", "authorize_scopes"],
            ),
            ProviderType::SignInWithApple => (
                &[
                    "client_id",
                    "team_id",
                    "key_id",
                    "private_key",
                    "authorize_scopes",
                    ENDPOINTS[0],
                    ENDPOINTS[1],
                    ENDPOINTS[3],
                    "oidc_issuer",
                    LINK_BY_EMAIL,
                ],
                &[
                    "client_id",
                    "team_id",
                    "key_id",
                    "private_key",
                    "authorize_scopes",
                ],
            ),
        }
    }
}

/// The members of CreateIdentityProvider / UpdateIdentityProvider.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IdentityProviderInput {
    pub provider_name: Option<String>,
    pub provider_type: Option<String>,
    pub provider_details: Option<BTreeMap<String, String>>,
    pub attribute_mapping: Option<BTreeMap<String, String>>,
    pub idp_identifiers: Option<Vec<String>>,
}

/// An identity provider of a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityProvider {
    pub pool_id: String,
    pub name: String,
    pub kind: ProviderType,
    /// `ProviderDetails` as saved (for OIDC, with the endpoints found by discovery).
    pub details: BTreeMap<String, String>,
    /// Pool attribute → upstream claim; always has `username` (the account's identifier).
    pub attribute_mapping: BTreeMap<String, String>,
    pub idp_identifiers: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Where a sign-in with a provider goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// The issuer ID tokens must name (OpenID Connect types).
    pub issuer: Option<String>,
    pub authorize_url: String,
    pub token_url: String,
    /// The user endpoint (userinfo), when there is one.
    pub attributes_url: Option<String>,
    pub jwks_uri: Option<String>,
}

impl IdentityProvider {
    /// A `ProviderDetails` value, if set and not empty.
    pub fn detail(&self, key: &str) -> Option<&str> {
        self.details
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The upstream claim that identifies the account.
    pub fn subject_claim(&self) -> &str {
        self.attribute_mapping
            .get("username")
            .map(String::as_str)
            .unwrap_or(self.kind.subject_claim())
    }

    /// The scopes to ask for, space-separated (Cognito takes Facebook's comma-separated).
    pub fn scopes(&self) -> String {
        let scopes = self.detail("authorize_scopes").unwrap_or_default();
        scopes
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// True when the user endpoint is called with POST (`attributes_request_method`).
    pub fn attributes_by_post(&self) -> bool {
        self.detail("attributes_request_method") == Some("POST")
    }

    /// Whether a verified upstream email may sign in as the native user with that email.
    pub fn links_by_email(&self) -> bool {
        self.detail(LINK_BY_EMAIL) == Some("true")
    }

    /// The endpoints: the ones in `ProviderDetails`, else the type's well-known ones. An OIDC
    /// provider always has them (saved from discovery).
    pub fn endpoints(&self) -> Endpoints {
        let given = |key: &str, default: &str| {
            self.detail(key)
                .map(str::to_string)
                .unwrap_or_else(|| default.to_string())
        };
        let version = self.detail("api_version").unwrap_or("v17.0");
        let (issuer, authorize, token, attributes, jwks) = match self.kind {
            ProviderType::Oidc => ("", "", "", "", ""),
            ProviderType::Google => (
                "https://accounts.google.com",
                "https://accounts.google.com/o/oauth2/v2/auth",
                "https://oauth2.googleapis.com/token",
                "https://openidconnect.googleapis.com/v1/userinfo",
                "https://www.googleapis.com/oauth2/v3/certs",
            ),
            ProviderType::SignInWithApple => (
                "https://appleid.apple.com",
                "https://appleid.apple.com/auth/authorize",
                "https://appleid.apple.com/auth/token",
                "",
                "https://appleid.apple.com/auth/keys",
            ),
            ProviderType::LoginWithAmazon => (
                "",
                "https://www.amazon.com/ap/oa",
                "https://api.amazon.com/auth/o2/token",
                "https://api.amazon.com/user/profile",
                "",
            ),
            ProviderType::Facebook => ("", "", "", "", ""),
        };
        let facebook = |path: &str| format!("https://www.facebook.com/{version}{path}");
        let graph = |path: &str| format!("https://graph.facebook.com/{version}{path}");
        let (authorize, token, attributes) = if self.kind == ProviderType::Facebook {
            (
                facebook("/dialog/oauth"),
                graph("/oauth/access_token"),
                graph(&format!("/me?fields={}", self.facebook_fields())),
            )
        } else {
            (
                authorize.to_string(),
                token.to_string(),
                attributes.to_string(),
            )
        };
        let optional = |v: String| Some(v).filter(|v| !v.is_empty());
        Endpoints {
            issuer: optional(given("oidc_issuer", issuer)).filter(|_| self.kind.uses_id_token()),
            authorize_url: given("authorize_url", &authorize),
            token_url: given("token_url", &token),
            attributes_url: optional(given("attributes_url", &attributes)),
            jwks_uri: optional(given("jwks_uri", jwks)),
        }
    }

    /// The Graph API fields to read: the mapped ones and `id`.
    fn facebook_fields(&self) -> String {
        let mut fields: Vec<&str> = vec!["id"];
        for claim in self.attribute_mapping.values() {
            if !fields.contains(&claim.as_str()) {
                fields.push(claim);
            }
        }
        fields.join(",")
    }

    /// `ProviderDetails` as DescribeIdentityProvider shows them: Apple's `private_key` never
    /// leaves; the client secret of the other types does, as Cognito returns it.
    pub fn shown_details(&self) -> BTreeMap<String, String> {
        let mut details = self.details.clone();
        details.remove("private_key");
        details
    }

    /// The user name of the federated user for upstream account `subject`.
    pub fn username_for(&self, subject: &str) -> String {
        format!("{}_{subject}", self.name)
    }

    /// The group every federated user of this provider is in (`{poolId}_{ProviderName}`).
    pub fn group_name(&self) -> String {
        format!("{}_{}", self.pool_id, self.name)
    }

    /// The pool attributes the mapping gives for an upstream account's claims. Booleans become
    /// `"true"`/`"false"`, numbers their decimal text; claims the upstream did not send and
    /// `username` (the account's identifier) are left out.
    pub fn map_claims(&self, claims: &serde_json::Map<String, Value>) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (attribute, claim) in &self.attribute_mapping {
            if attribute == "username" {
                continue;
            }
            let value = match claims.get(claim) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Bool(b)) => b.to_string(),
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::Null) | None => continue,
                Some(other) => other.to_string(),
            };
            out.insert(attribute.clone(), value);
        }
        out
    }
}

/// The account identifier in an upstream's claims (a string or a number), if any.
pub fn subject_of(claims: &serde_json::Map<String, Value>, claim: &str) -> Option<String> {
    match claims.get(claim)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// True when an upstream's claims say its email is verified (`true` or `"true"`).
pub fn email_verified(claims: &serde_json::Map<String, Value>) -> bool {
    matches!(claims.get("email_verified"), Some(Value::Bool(true)))
        || matches!(claims.get("email_verified"), Some(Value::String(s)) if s == "true")
}

/// One upstream account a user signs in with, as the `identities` attribute and claim show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    pub user_id: String,
    pub provider_name: String,
    pub provider_type: String,
    pub issuer: Option<String>,
    /// `"true"` for the account the user was created from.
    pub primary: String,
    /// Epoch milliseconds, as text.
    pub date_created: String,
}

/// The `identities` attribute: a JSON array, as text.
pub fn identities_attribute(identities: &[Identity]) -> String {
    serde_json::to_string(identities).unwrap_or_else(|_| "[]".into())
}

/// Reads the `identities` attribute (empty when absent or unreadable).
pub fn parse_identities(value: Option<&str>) -> Vec<Identity> {
    value
        .and_then(|v| serde_json::from_str(v).ok())
        .unwrap_or_default()
}

/// Checks a provider name (1–32, Cognito's pattern, not a reserved name).
pub fn check_name(v: &mut Violations, name: Option<&str>) {
    v.required("ProviderName", name.as_ref());
    v.length("ProviderName", name, 1, 32);
    v.pattern(
        "ProviderName",
        name,
        &patterns::PROVIDER_NAME,
        r"[^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]+",
    );
}

fn invalid(message: String) -> AuthError {
    AuthError::InvalidParameter(message.into())
}

/// True for an https URL, or http on localhost / 127.0.0.1 (development), as for callbacks.
fn is_allowed_url(value: &str) -> bool {
    let Ok(url) = url::Url::parse(value) else {
        return false;
    };
    match url.scheme() {
        "https" => url.host_str().is_some(),
        "http" => matches!(url.host_str(), Some("localhost" | "127.0.0.1")),
        _ => false,
    }
}

/// Checks `ProviderDetails` for `kind`: only known keys, the required ones present, endpoints
/// and issuer https (or local http), `attributes_request_method` GET or POST.
pub fn check_details(
    kind: ProviderType,
    details: &BTreeMap<String, String>,
) -> Result<(), AuthError> {
    let (known, required) = kind.keys();
    if let Some(key) = details.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(invalid(format!(
            "{key} is not a valid ProviderDetails key for {}.",
            kind.as_str()
        )));
    }
    if let Some(key) = required
        .iter()
        .find(|k| details.get(**k).is_none_or(|v| v.trim().is_empty()))
    {
        return Err(invalid(format!(
            "{key} is required in ProviderDetails for {}.",
            kind.as_str()
        )));
    }
    for (key, value) in details {
        if value.len() > 131_072 {
            return Err(invalid(format!("ProviderDetails {key} is too long.")));
        }
        let is_url = matches!(
            key.as_str(),
            "oidc_issuer" | "authorize_url" | "token_url" | "attributes_url" | "jwks_uri"
        );
        if is_url && !is_allowed_url(value) {
            return Err(invalid(format!(
                "ProviderDetails {key} must be an https URL (http only for localhost and 127.0.0.1)."
            )));
        }
    }
    if let Some(method) = details.get("attributes_request_method")
        && method != "GET"
        && method != "POST"
    {
        return Err(invalid(
            "attributes_request_method must be GET or POST.".to_string(),
        ));
    }
    if let Some(flag) = details.get(LINK_BY_EMAIL)
        && flag != "true"
        && flag != "false"
    {
        return Err(invalid(format!("{LINK_BY_EMAIL} must be true or false.")));
    }
    Ok(())
}

/// Checks an attribute mapping against the pool's schema and adds the type's `username` claim
/// when none is given. A mapped attribute must exist and be mutable (an immutable one could be
/// written only once, so the second sign-in would fail: refused here instead); `sub` and
/// `identities` are never mapped.
pub fn check_mapping(
    kind: ProviderType,
    mapping: Option<&BTreeMap<String, String>>,
    schema: &[SchemaAttribute],
) -> Result<BTreeMap<String, String>, AuthError> {
    let mut out = mapping.cloned().unwrap_or_default();
    if out.len() > 50 {
        return Err(invalid("AttributeMapping has more than 50 entries.".into()));
    }
    for (attribute, claim) in &out {
        if claim.is_empty() || claim.chars().count() > 131 {
            return Err(invalid(format!(
                "The upstream attribute mapped to {attribute} must be 1 to 131 characters."
            )));
        }
        if attribute == "username" {
            continue;
        }
        let Some(found) = schema
            .iter()
            .find(|a| a.name.as_deref() == Some(attribute.as_str()))
        else {
            return Err(invalid(format!(
                "Attribute {attribute} is not in the user pool's schema."
            )));
        };
        if attribute == "sub" || attribute == "identities" || found.mutable == Some(false) {
            return Err(invalid(format!(
                "Attribute {attribute} cannot be mapped: it is immutable, so it could not be \
                 updated on a later sign-in."
            )));
        }
    }
    out.entry("username".into())
        .or_insert_with(|| kind.subject_claim().to_string());
    Ok(out)
}

/// Checks `IdpIdentifiers` (at most 50, 1–40 characters each, no duplicates).
pub fn check_identifiers(identifiers: &[String]) -> Result<(), AuthError> {
    let mut v = Violations::new();
    v.count(
        "IdpIdentifiers",
        Some(identifiers.len()),
        0,
        MAX_IDENTIFIERS,
    );
    for id in identifiers {
        v.length("IdpIdentifiers.member", Some(id), 1, 40);
        v.pattern(
            "IdpIdentifiers.member",
            Some(id),
            &patterns::IDP_IDENTIFIER,
            r"[\w\s+=.@-]+",
        );
    }
    v.finish()?;
    let mut seen = std::collections::BTreeSet::new();
    if let Some(dup) = identifiers.iter().find(|i| !seen.insert(i.as_str())) {
        return Err(invalid(format!("Duplicate identifier {dup}.")));
    }
    Ok(())
}

/// Checks the name and type of a new provider: social types must be named after their type.
pub fn check_name_and_type(name: &str, kind: &str) -> Result<ProviderType, AuthError> {
    if kind == "SAML" {
        return Err(AuthError::UnsupportedOperation(
            "SAML identity providers are not supported yet.".into(),
        ));
    }
    let Some(kind) = ProviderType::parse(kind) else {
        let mut v = Violations::new();
        v.one_of(
            "ProviderType",
            Some(kind),
            &[
                "SAML",
                "Facebook",
                "Google",
                "LoginWithAmazon",
                "SignInWithApple",
                "OIDC",
            ],
        );
        v.finish()?;
        return Err(invalid(format!("Unknown ProviderType {kind}.")));
    };
    if name.eq_ignore_ascii_case("cognito") {
        return Err(invalid(format!("{name} is a reserved provider name.")));
    }
    if kind != ProviderType::Oidc && name != kind.as_str() {
        return Err(invalid(format!(
            "The ProviderName of a {} provider must be {}.",
            kind.as_str(),
            kind.as_str()
        )));
    }
    if kind == ProviderType::Oidc
        && ProviderType::parse(name).is_some_and(|t| t != ProviderType::Oidc)
    {
        return Err(invalid(format!(
            "{name} is reserved for its provider type."
        )));
    }
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::attributes::build_schema;

    fn details(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn provider(kind: ProviderType, name: &str, d: &[(&str, &str)]) -> IdentityProvider {
        IdentityProvider {
            pool_id: "eu-west-1_abc".into(),
            name: name.into(),
            kind,
            details: details(d),
            attribute_mapping: check_mapping(kind, None, &build_schema(&[]).unwrap()).unwrap(),
            idp_identifiers: vec![],
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn names_and_types() {
        assert_eq!(
            check_name_and_type("Google", "Google").unwrap(),
            ProviderType::Google
        );
        assert!(check_name_and_type("MyGoogle", "Google").is_err());
        assert!(check_name_and_type("Google", "OIDC").is_err());
        assert!(check_name_and_type("Cognito", "OIDC").is_err());
        assert!(check_name_and_type("Corp", "Ldap").is_err());
        let mut v = Violations::new();
        check_name(&mut v, Some("_corp"));
        check_name(&mut v, Some("corp id"));
        assert!(v.finish().is_err());
        let mut v = Violations::new();
        check_name(&mut v, Some("Corp-IdP"));
        assert!(v.finish().is_ok());
    }

    #[test]
    fn details_are_checked_per_type() {
        let oidc = |issuer: &str| {
            details(&[
                ("client_id", "c"),
                ("authorize_scopes", "openid"),
                ("oidc_issuer", issuer),
            ])
        };
        assert!(check_details(ProviderType::Oidc, &oidc("https://idp.example.com")).is_ok());
        assert!(check_details(ProviderType::Oidc, &oidc("http://127.0.0.1:9000")).is_ok());
        assert!(check_details(ProviderType::Oidc, &oidc("http://idp.example.com")).is_err());
        assert!(check_details(ProviderType::Oidc, &oidc("javascript:alert(1)")).is_err());
        let mut extra = oidc("https://idp.example.com");
        extra.insert("team_id".into(), "x".into());
        assert!(check_details(ProviderType::Oidc, &extra).is_err());
        assert!(check_details(ProviderType::Google, &details(&[("client_id", "c")])).is_err());
    }

    #[test]
    fn mappings_refuse_immutable_and_unknown_attributes() {
        let mut schema = build_schema(&[]).unwrap();
        let email = schema
            .iter_mut()
            .find(|a| a.name.as_deref() == Some("email"))
            .unwrap();
        email.mutable = Some(false);
        let map = |a: &str| details(&[(a, "x")]);
        assert!(check_mapping(ProviderType::Oidc, Some(&map("email")), &schema).is_err());
        assert!(check_mapping(ProviderType::Oidc, Some(&map("nickname2")), &schema).is_err());
        assert!(check_mapping(ProviderType::Oidc, Some(&map("sub")), &schema).is_err());
        let ok = check_mapping(ProviderType::Facebook, Some(&map("name")), &schema).unwrap();
        assert_eq!(ok["username"], "id");
    }

    #[test]
    fn endpoints_default_per_type_and_can_be_overridden() {
        let google = provider(ProviderType::Google, "Google", &[]);
        let e = google.endpoints();
        assert_eq!(e.issuer.as_deref(), Some("https://accounts.google.com"));
        assert!(e.jwks_uri.is_some());
        let fb = provider(
            ProviderType::Facebook,
            "Facebook",
            &[("token_url", "http://127.0.0.1:1/token")],
        );
        let e = fb.endpoints();
        assert_eq!(e.token_url, "http://127.0.0.1:1/token");
        assert_eq!(
            e.authorize_url,
            "https://www.facebook.com/v17.0/dialog/oauth"
        );
        assert!(e.issuer.is_none());
        assert_eq!(fb.subject_claim(), "id");
    }

    #[test]
    fn claims_map_to_attribute_text() {
        let mut p = provider(ProviderType::Oidc, "Corp", &[]);
        p.attribute_mapping.insert("email".into(), "mail".into());
        p.attribute_mapping
            .insert("email_verified".into(), "email_verified".into());
        p.attribute_mapping
            .insert("custom:level".into(), "level".into());
        let claims =
            serde_json::json!({"sub": "u1", "mail": "a@b.c", "email_verified": true, "level": 3});
        let mapped = p.map_claims(claims.as_object().unwrap());
        assert_eq!(mapped["email"], "a@b.c");
        assert_eq!(mapped["email_verified"], "true");
        assert_eq!(mapped["custom:level"], "3");
        assert!(!mapped.contains_key("username"));
        assert_eq!(
            subject_of(claims.as_object().unwrap(), "sub").as_deref(),
            Some("u1")
        );
        assert!(email_verified(claims.as_object().unwrap()));
    }

    #[test]
    fn scopes_accept_commas_and_spaces() {
        let p = provider(
            ProviderType::Facebook,
            "Facebook",
            &[("authorize_scopes", "public_profile,email")],
        );
        assert_eq!(p.scopes(), "public_profile email");
    }
}
