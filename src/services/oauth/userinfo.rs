//! `/oauth2/userInfo` (reference §1.6, OpenID Connect Core §5.3): the signed-in user's claims,
//! as the access token's scopes allow.
//!
//! The token is checked as GetUser checks it (signature, expiry, revocation of its sign-in, user
//! present and enabled), must be of this pool, and must carry `openid`: tokens of the JSON API
//! carry only `aws.cognito.signin.user.admin` and are refused, as Cognito refuses them. The
//! claims are `sub` and `username`, then by scope: `email` → `email`, `email_verified`;
//! `phone` → `phone_number`, `phone_number_verified`; `profile` → the standard profile
//! attributes; `aws.cognito.signin.user.admin` → every attribute, custom ones included. Only
//! attributes the token's client may read (`ReadAttributes`) appear.

use super::internal;
use crate::domain::AuthError;
use crate::domain::oauth_error::{OAuthError, OAuthErrorCode};
use crate::domain::token_claims::{attribute_claim, readable};
use crate::domain::user::User;
use crate::services::Services;
use crate::services::tokens::{self, USER_ADMIN_SCOPE};
use serde_json::{Map, Value};

/// The attributes the `profile` scope releases (OpenID Connect Core §5.4).
const PROFILE_ATTRIBUTES: &[&str] = &[
    "name",
    "family_name",
    "given_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "updated_at",
    "address",
];

/// Which attributes a scope releases; `None` for every attribute.
fn released(scope: &str) -> Option<&'static [&'static str]> {
    match scope {
        "email" => Some(&["email", "email_verified"]),
        "phone" => Some(&["phone_number", "phone_number_verified"]),
        "profile" => Some(PROFILE_ATTRIBUTES),
        USER_ADMIN_SCOPE => None,
        _ => Some(&[]),
    }
}

/// The claims of `user` for an access token with `scopes`, issued to a client that may read
/// `read_attributes`.
///
/// `email_verified` and `phone_number_verified` are JSON booleans, as OpenID Connect Core
/// §5.1 defines them and as relying-party libraries parse them (Cognito has been reported to
/// send the strings "true"/"false" here); `updated_at` is a number; custom attributes are
/// strings, as in the ID token.
pub fn claims(user: &User, scopes: &[String], read_attributes: &[String]) -> Map<String, Value> {
    let every = scopes.iter().any(|s| released(s).is_none());
    let mut out = Map::new();
    for (name, value) in &user.attributes {
        if name == "sub" || !readable(read_attributes, name) {
            continue;
        }
        let wanted = every
            || scopes
                .iter()
                .filter_map(|s| released(s))
                .any(|names| names.contains(&name.as_str()));
        if wanted {
            out.insert(name.clone(), attribute_claim(name, value));
        }
    }
    out.insert("sub".into(), Value::String(user.sub.clone()));
    out.insert("username".into(), Value::String(user.username.clone()));
    out
}

/// The claims for a bearer access token of the pool `pool_id`.
pub async fn userinfo(
    svc: &Services,
    pool_id: &str,
    access_token: &str,
) -> Result<Map<String, Value>, OAuthError> {
    let ctx = tokens::authenticate(svc, access_token)
        .await
        .map_err(|e| match e {
            AuthError::Internal(_) => internal(e),
            other => OAuthError::invalid_token(other.to_string()),
        })?;
    if ctx.pool.id != pool_id {
        return Err(OAuthError::invalid_token(
            "The access token was not issued by this user pool.",
        ));
    }
    if !ctx.scopes.iter().any(|s| s == "openid") {
        return Err(OAuthError::new(
            OAuthErrorCode::InsufficientScope,
            "Access token does not contain openid scope",
        ));
    }
    Ok(claims(
        &ctx.user,
        &ctx.scopes,
        &ctx.client.settings.read_attributes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::user::UserStatus;
    use serde_json::json;

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
                ("phone_number", "+15555550100"),
                ("phone_number_verified", "false"),
                ("given_name", "Jane"),
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

    fn scopes(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    fn names(m: &Map<String, Value>) -> Vec<&str> {
        let mut n: Vec<&str> = m.keys().map(String::as_str).collect();
        n.sort_unstable();
        n
    }

    #[test]
    fn scopes_release_their_attributes() {
        let u = user();
        let only_openid = claims(&u, &scopes(&["openid"]), &[]);
        assert_eq!(names(&only_openid), ["sub", "username"]);

        let email = claims(&u, &scopes(&["openid", "email"]), &[]);
        assert_eq!(
            names(&email),
            ["email", "email_verified", "sub", "username"]
        );
        assert_eq!(email["email_verified"], json!(true));

        let phone = claims(&u, &scopes(&["openid", "phone"]), &[]);
        assert_eq!(phone["phone_number_verified"], json!(false));

        let profile = claims(&u, &scopes(&["openid", "profile"]), &[]);
        assert_eq!(
            names(&profile),
            ["given_name", "sub", "updated_at", "username"]
        );
        assert_eq!(profile["updated_at"], json!(1_700_000_000));

        let admin = claims(&u, &scopes(&["openid", USER_ADMIN_SCOPE]), &[]);
        assert_eq!(admin["custom:tier"], json!("7"));
        assert!(!admin.contains_key("dev:custom:secret"));
    }

    #[test]
    fn only_readable_attributes_appear() {
        let u = user();
        let read = scopes(&["email"]);
        let c = claims(&u, &scopes(&["openid", "email", USER_ADMIN_SCOPE]), &read);
        assert_eq!(names(&c), ["email", "sub", "username"]);
    }
}
