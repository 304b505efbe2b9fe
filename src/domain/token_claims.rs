//! The claims of ID and access tokens, as Cognito issues them (reference §4.2, §4.3). Pure:
//! the token service gathers the user, groups and client, and signs what this builds.
//!
//! - ID token: `sub, aud, email_verified, phone_number_verified, token_use=id, auth_time, iss,
//!   cognito:username, exp, iat`, the user's attributes the client may read (`ReadAttributes`;
//!   an empty list means every attribute but developer-only ones), custom attributes as
//!   strings, `*_verified` as booleans, `updated_at` as a number; `cognito:groups`,
//!   `cognito:roles`, `cognito:preferred_role` from the groups; `origin_jti, jti, event_id`, and
//!   `nonce` when the authorize request had one.
//! - Access token: `sub, cognito:groups, iss, version=2, client_id, origin_jti, event_id,
//!   token_use=access, scope, auth_time, exp, iat, jti, username`; no `aud`.
//! - Machine-to-machine access token (client_credentials grant): `sub` = the client id,
//!   `token_use=access, scope, auth_time, iss, exp, iat, version=2, jti, client_id`; no user,
//!   groups or sign-in (`origin_jti`).

use super::group::Group;
use super::user::User;
use serde_json::{Map, Value, json};

/// Everything both tokens of one issue share. Times are epoch seconds.
#[derive(Debug, Clone)]
pub struct TokenFacts<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub user: &'a User,
    /// The user's groups in precedence order (lowest precedence value first).
    pub groups: &'a [Group],
    pub auth_time: i64,
    pub issued_at: i64,
    pub origin_jti: &'a str,
    pub event_id: &'a str,
    /// The remembered device the sign-in was made on (access token's `device_key`).
    pub device_key: Option<&'a str>,
}

/// Which attributes the client may read: its `ReadAttributes`, or when empty every attribute
/// that is not developer-only.
pub fn readable(read_attributes: &[String], name: &str) -> bool {
    if name.starts_with("dev:") {
        return false;
    }
    read_attributes.is_empty() || read_attributes.iter().any(|a| a == name)
}

/// One attribute's claim value: booleans for the `*_verified` flags, a number for
/// `updated_at`, a string for everything else (custom attributes always).
pub fn attribute_claim(name: &str, value: &str) -> Value {
    match name {
        "email_verified" | "phone_number_verified" => Value::Bool(value == "true"),
        "updated_at" => value
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(value.to_string())),
        _ => Value::String(value.to_string()),
    }
}

/// `cognito:preferred_role`: the role of the group with the lowest precedence among groups that
/// have a role; none when groups tied at that precedence name different roles.
pub fn preferred_role(groups: &[Group]) -> Option<&str> {
    let with_role: Vec<&Group> = groups.iter().filter(|g| g.role_arn.is_some()).collect();
    let best = with_role.iter().filter_map(|g| g.precedence).min();
    let candidates: Vec<&str> = with_role
        .iter()
        .filter(|g| g.precedence == best)
        .filter_map(|g| g.role_arn.as_deref())
        .collect();
    match candidates.split_first() {
        Some((first, rest)) if rest.iter().all(|r| r == first) => Some(first),
        _ => None,
    }
}

/// `at_hash` (OpenID Connect Core §3.1.3.6): base64url of the left half of the SHA-256 of
/// the access token, for RS256.
pub fn at_hash(access_token: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(access_token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// The ID token's claims.
pub fn id_token(
    facts: &TokenFacts<'_>,
    read_attributes: &[String],
    expires_at: i64,
    jti: &str,
    nonce: Option<&str>,
) -> Map<String, Value> {
    let mut c = Map::new();
    for (name, value) in &facts.user.attributes {
        if name != "sub" && name != "identities" && readable(read_attributes, name) {
            c.insert(name.clone(), attribute_claim(name, value));
        }
    }
    // The upstream accounts the user signs in with, as an array (whatever ReadAttributes).
    if let Some(identities) = facts.user.attributes.get("identities")
        && let Ok(list @ Value::Array(_)) = serde_json::from_str::<Value>(identities)
    {
        c.insert("identities".into(), list);
    }
    c.insert("sub".into(), json!(facts.user.sub));
    c.insert("aud".into(), json!(facts.client_id));
    c.insert("token_use".into(), json!("id"));
    c.insert("auth_time".into(), json!(facts.auth_time));
    c.insert("iss".into(), json!(facts.issuer));
    c.insert("cognito:username".into(), json!(facts.user.username));
    c.insert("exp".into(), json!(expires_at));
    c.insert("iat".into(), json!(facts.issued_at));
    if !facts.groups.is_empty() {
        let names: Vec<&str> = facts.groups.iter().map(|g| g.name.as_str()).collect();
        c.insert("cognito:groups".into(), json!(names));
        let mut roles: Vec<&str> = Vec::new();
        for role in facts.groups.iter().filter_map(|g| g.role_arn.as_deref()) {
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        if !roles.is_empty() {
            c.insert("cognito:roles".into(), json!(roles));
        }
        if let Some(role) = preferred_role(facts.groups) {
            c.insert("cognito:preferred_role".into(), json!(role));
        }
    }
    c.insert("origin_jti".into(), json!(facts.origin_jti));
    c.insert("jti".into(), json!(jti));
    c.insert("event_id".into(), json!(facts.event_id));
    if let Some(nonce) = nonce {
        c.insert("nonce".into(), json!(nonce));
    }
    c
}

/// The access token's claims.
pub fn access_token(
    facts: &TokenFacts<'_>,
    scopes: &[String],
    expires_at: i64,
    jti: &str,
) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert("sub".into(), json!(facts.user.sub));
    if !facts.groups.is_empty() {
        let names: Vec<&str> = facts.groups.iter().map(|g| g.name.as_str()).collect();
        c.insert("cognito:groups".into(), json!(names));
    }
    c.insert("iss".into(), json!(facts.issuer));
    c.insert("version".into(), json!(2));
    c.insert("client_id".into(), json!(facts.client_id));
    c.insert("origin_jti".into(), json!(facts.origin_jti));
    c.insert("event_id".into(), json!(facts.event_id));
    c.insert("token_use".into(), json!("access"));
    c.insert("scope".into(), json!(scopes.join(" ")));
    c.insert("auth_time".into(), json!(facts.auth_time));
    c.insert("exp".into(), json!(expires_at));
    c.insert("iat".into(), json!(facts.issued_at));
    c.insert("jti".into(), json!(jti));
    c.insert("username".into(), json!(facts.user.username));
    if let Some(key) = facts.device_key {
        c.insert("device_key".into(), json!(key));
    }
    c
}

/// The claims of a client_credentials access token (reference §4.3, "M2M"): the client is its
/// own subject, `auth_time` is the issue time.
pub fn client_credentials_access_token(
    issuer: &str,
    client_id: &str,
    scopes: &[String],
    issued_at: i64,
    expires_at: i64,
    jti: &str,
) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert("sub".into(), json!(client_id));
    c.insert("token_use".into(), json!("access"));
    c.insert("scope".into(), json!(scopes.join(" ")));
    c.insert("auth_time".into(), json!(issued_at));
    c.insert("iss".into(), json!(issuer));
    c.insert("exp".into(), json!(expires_at));
    c.insert("iat".into(), json!(issued_at));
    c.insert("version".into(), json!(2));
    c.insert("jti".into(), json!(jti));
    c.insert("client_id".into(), json!(client_id));
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::user::UserStatus;

    fn group(name: &str, precedence: Option<i64>, role: Option<&str>) -> Group {
        Group {
            pool_id: "p".into(),
            name: name.into(),
            description: None,
            role_arn: role.map(str::to_string),
            precedence,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn user() -> User {
        User {
            sub: "sub-1".into(),
            pool_id: "p".into(),
            username: "jane".into(),
            status: UserStatus::Confirmed,
            enabled: true,
            attributes: [
                ("sub", "sub-1"),
                ("email", "j@x.io"),
                ("email_verified", "true"),
                ("updated_at", "1700000000"),
                ("custom:tier", "7"),
                ("dev:custom:secret", "s"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            password_hash: None,
            password_changed_at: None,
            srp_salt: None,
            srp_verifier: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn id_token_claims_follow_cognito() {
        let u = user();
        let groups = [
            group("admins", Some(1), Some("arn:aws:iam::1:role/a")),
            group("staff", Some(5), Some("arn:aws:iam::1:role/b")),
        ];
        let facts = TokenFacts {
            issuer: "http://h/p",
            client_id: "c",
            user: &u,
            groups: &groups,
            auth_time: 10,
            issued_at: 11,
            origin_jti: "o",
            event_id: "e",
            device_key: None,
        };
        let c = id_token(&facts, &[], 3611, "j", Some("n"));
        assert_eq!(c["email_verified"], json!(true));
        assert_eq!(c["updated_at"], json!(1_700_000_000));
        assert_eq!(c["custom:tier"], json!("7"));
        assert!(!c.contains_key("dev:custom:secret"));
        assert_eq!(c["cognito:groups"], json!(["admins", "staff"]));
        assert_eq!(
            c["cognito:roles"],
            json!(["arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b"])
        );
        assert_eq!(c["cognito:preferred_role"], json!("arn:aws:iam::1:role/a"));
        assert_eq!(c["nonce"], json!("n"));
        let limited = id_token(&facts, &["email".to_string()], 3611, "j", None);
        assert!(limited.contains_key("email") && !limited.contains_key("custom:tier"));
        assert!(!limited.contains_key("nonce"));

        let a = access_token(&facts, &["openid".into(), "email".into()], 3611, "j2");
        assert_eq!(a["scope"], json!("openid email"));
        assert_eq!(a["version"], json!(2));
        assert!(!a.contains_key("aud") && !a.contains_key("cognito:roles"));
    }

    #[test]
    fn client_credentials_tokens_name_the_client_only() {
        let c = client_credentials_access_token(
            "http://h/p",
            "client1",
            &["api/read".into(), "api/write".into()],
            100,
            3700,
            "j",
        );
        let mut names: Vec<&str> = c.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "auth_time",
                "client_id",
                "exp",
                "iat",
                "iss",
                "jti",
                "scope",
                "sub",
                "token_use",
                "version"
            ]
        );
        assert_eq!(c["sub"], json!("client1"));
        assert_eq!(c["scope"], json!("api/read api/write"));
        assert_eq!(c["token_use"], json!("access"));
    }

    #[test]
    fn preferred_role_is_omitted_on_a_tie() {
        let tie = [
            group("a", Some(1), Some("arn:aws:iam::1:role/a")),
            group("b", Some(1), Some("arn:aws:iam::1:role/b")),
        ];
        assert_eq!(preferred_role(&tie), None);
        let same = [
            group("a", Some(1), Some("arn:aws:iam::1:role/a")),
            group("b", Some(1), Some("arn:aws:iam::1:role/a")),
        ];
        assert_eq!(preferred_role(&same), Some("arn:aws:iam::1:role/a"));
        let no_precedence = [group("a", None, Some("arn:aws:iam::1:role/a"))];
        assert_eq!(
            preferred_role(&no_precedence),
            Some("arn:aws:iam::1:role/a")
        );
        assert_eq!(preferred_role(&[group("a", Some(1), None)]), None);
    }
}
