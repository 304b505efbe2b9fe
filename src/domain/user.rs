//! A user of a pool: status, enabled flag, attributes, and what the store derives from them —
//! the searchable columns ListUsers filters on and the alias keys that make sign-in identifiers
//! unique (reference §5.2, §5.6). Pure: no I/O.

use super::error::{AuthError, Reason};
use super::pool::UserPool;
use std::collections::BTreeMap;

/// `UserStatusType` values Tessera produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    Unconfirmed,
    Confirmed,
    ForceChangePassword,
    ResetRequired,
    ExternalProvider,
}

impl UserStatus {
    /// Cognito's name for the status.
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Unconfirmed => "UNCONFIRMED",
            UserStatus::Confirmed => "CONFIRMED",
            UserStatus::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
            UserStatus::ResetRequired => "RESET_REQUIRED",
            UserStatus::ExternalProvider => "EXTERNAL_PROVIDER",
        }
    }

    /// Parses Cognito's name (exact case).
    pub fn parse(value: &str) -> Option<Self> {
        [
            UserStatus::Unconfirmed,
            UserStatus::Confirmed,
            UserStatus::ForceChangePassword,
            UserStatus::ResetRequired,
            UserStatus::ExternalProvider,
        ]
        .into_iter()
        .find(|s| s.as_str() == value)
    }
}

/// A user as stored. `attributes` holds every attribute, `sub` included.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// The `sub` (a UUID), also the row id.
    pub sub: String,
    pub pool_id: String,
    pub username: String,
    pub status: UserStatus,
    pub enabled: bool,
    pub attributes: BTreeMap<String, String>,
    pub password_hash: Option<String>,
    pub password_changed_at: Option<i64>,
    /// SRP salt and verifier (hex) for USER_SRP_AUTH, set with every password.
    pub srp_salt: Option<String>,
    pub srp_verifier: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The indexed columns of a user row, derived from its attributes and the pool's settings.
/// Searchable values are stored as their match key: lowercased where the pool matches them
/// without case (username, email, preferred_username in case-insensitive pools).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserColumns {
    pub username_key: String,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub preferred_username: Option<String>,
    /// Set only when the value is a sign-in identifier (always for UsernameAttributes, when
    /// verified for AliasAttributes; preferred_username whenever it is an alias).
    pub email_alias: Option<String>,
    pub phone_alias: Option<String>,
    pub preferred_username_alias: Option<String>,
}

/// The attributes that can be sign-in identifiers, with their verification flag (if any).
pub const ALIAS_ATTRIBUTES: &[(&str, Option<&str>)] = &[
    ("email", Some("email_verified")),
    ("phone_number", Some("phone_number_verified")),
    ("preferred_username", None),
];

/// How a value of `attribute` is matched in this pool (lowercased when case-insensitive).
pub fn search_key(pool: &UserPool, attribute: &str, value: &str) -> String {
    match attribute {
        "username" | "email" | "preferred_username" => pool.username_key(value),
        _ => value.to_string(),
    }
}

/// The alias key `value` of `attribute` would have in this pool.
pub fn alias_key(pool: &UserPool, attribute: &str, value: &str) -> String {
    search_key(pool, attribute, value)
}

impl User {
    /// An attribute's value, if set and not empty.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// True when the `*_verified` flag is `"true"`.
    pub fn is_verified(&self, flag: &str) -> bool {
        self.attribute(flag) == Some("true")
    }

    /// The alias key this user holds for `attribute`, if that value is a sign-in identifier.
    /// A federated user signs in only through its provider: its values are no identifiers.
    pub fn alias_of(&self, pool: &UserPool, attribute: &str) -> Option<String> {
        if self.status == UserStatus::ExternalProvider {
            return None;
        }
        let value = self.attribute(attribute)?;
        let settings = &pool.settings;
        let is_identifier = if settings.username_attributes.iter().any(|a| a == attribute) {
            true
        } else if settings.alias_attributes.iter().any(|a| a == attribute) {
            match ALIAS_ATTRIBUTES.iter().find(|(a, _)| *a == attribute) {
                Some((_, Some(flag))) => self.is_verified(flag),
                Some((_, None)) => true,
                None => false,
            }
        } else {
            false
        };
        is_identifier.then(|| alias_key(pool, attribute, value))
    }

    /// The indexed columns for this user in `pool`.
    pub fn columns(&self, pool: &UserPool) -> UserColumns {
        let searchable = |name: &str| self.attribute(name).map(|v| search_key(pool, name, v));
        UserColumns {
            username_key: pool.username_key(&self.username),
            email: searchable("email"),
            phone_number: searchable("phone_number"),
            name: searchable("name"),
            given_name: searchable("given_name"),
            family_name: searchable("family_name"),
            preferred_username: searchable("preferred_username"),
            email_alias: self.alias_of(pool, "email"),
            phone_alias: self.alias_of(pool, "phone_number"),
            preferred_username_alias: self.alias_of(pool, "preferred_username"),
        }
    }
}

/// A new user of `pool` (no password yet): the attributes checked against the schema, the
/// username rules of the pool's mode applied — in a UsernameAttributes pool the typed email or
/// phone goes into its attribute and the internal username is the `sub` — and the required
/// attributes present.
pub fn new_user(
    pool: &UserPool,
    sub: String,
    typed_username: &str,
    mut attributes: BTreeMap<String, String>,
    status: UserStatus,
    now: i64,
) -> Result<User, AuthError> {
    super::attributes::check_values(
        &pool.settings.schema,
        &attributes,
        super::attributes::WriteKind::Create,
    )?;
    let username = if pool.settings.username_attributes.is_empty() {
        check_plain_username(pool, typed_username)?;
        typed_username.to_string()
    } else {
        let attribute = username_attribute_for(pool, typed_username)?;
        attributes.insert(attribute.to_string(), typed_username.to_string());
        sub.clone()
    };
    check_required(pool, &attributes)?;
    attributes.insert("sub".into(), sub.clone());
    Ok(User {
        sub,
        pool_id: pool.id.clone(),
        username,
        status,
        enabled: true,
        attributes,
        password_hash: None,
        password_changed_at: None,
        srp_salt: None,
        srp_verifier: None,
        created_at: now,
        updated_at: now,
    })
}

/// Checks that every required attribute of the schema has a non-empty value.
pub fn check_required(
    pool: &UserPool,
    attributes: &BTreeMap<String, String>,
) -> Result<(), AuthError> {
    let missing: Vec<String> = super::attributes::required_names(&pool.settings.schema)
        .into_iter()
        .filter(|name| attributes.get(name).is_none_or(|v| v.is_empty()))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AuthError::InvalidParameter(Reason::AttributesRequired(
            missing,
        )))
    }
}

/// Which attribute a UsernameAttributes pool stores a given "username" in, or Cognito's error
/// (one message whichever of email / phone the pool allows) when it is neither.
pub fn username_attribute_for(pool: &UserPool, value: &str) -> Result<&'static str, AuthError> {
    let allowed = &pool.settings.username_attributes;
    let email = allowed.iter().any(|a| a == "email");
    let phone = allowed.iter().any(|a| a == "phone_number");
    if email && super::attributes::is_email(value) {
        return Ok("email");
    }
    if phone && super::attributes::is_e164(value) {
        return Ok("phone_number");
    }
    Err(AuthError::InvalidParameter(Reason::UsernameNotEmailOrPhone))
}

/// In username mode with email / phone aliases, a username may not look like one.
pub fn check_plain_username(pool: &UserPool, username: &str) -> Result<(), AuthError> {
    let aliases = &pool.settings.alias_attributes;
    if aliases.iter().any(|a| a == "email") && super::attributes::is_email(username) {
        return Err(AuthError::InvalidParameter(Reason::UsernameIsEmail));
    }
    if aliases.iter().any(|a| a == "phone_number") && super::attributes::is_e164(username) {
        return Err(AuthError::InvalidParameter(Reason::UsernameIsPhoneNumber));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pool::{PoolInput, PoolSettings};

    fn pool(configure: impl FnOnce(&mut PoolInput)) -> UserPool {
        let mut input = PoolInput {
            pool_name: Some("p".into()),
            ..Default::default()
        };
        configure(&mut input);
        UserPool {
            id: "local_x".into(),
            name: "p".into(),
            settings: PoolSettings::for_create(&input).unwrap().into(),
            version: 0,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn user(attrs: &[(&str, &str)]) -> User {
        User {
            sub: "s".into(),
            pool_id: "local_x".into(),
            username: "Jane".into(),
            status: UserStatus::Confirmed,
            enabled: true,
            attributes: attrs
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
    fn alias_columns_follow_the_pool_mode() {
        let alias_pool = pool(|i| i.alias_attributes = Some(vec!["email".into()]));
        let u = user(&[("email", "J@x.io"), ("email_verified", "false")]);
        assert_eq!(u.columns(&alias_pool).email_alias, None);
        let u = user(&[("email", "J@x.io"), ("email_verified", "true")]);
        assert_eq!(
            u.columns(&alias_pool).email_alias.as_deref(),
            Some("J@x.io")
        );

        let email_pool = pool(|i| {
            i.username_attributes = Some(vec!["email".into()]);
            i.username_configuration = Some(crate::domain::pool::UsernameConfiguration {
                case_sensitive: Some(false),
            });
        });
        let u = user(&[("email", "J@x.io")]);
        let c = u.columns(&email_pool);
        assert_eq!(c.email_alias.as_deref(), Some("j@x.io"));
        assert_eq!(c.username_key, "jane");
        assert_eq!(c.email.as_deref(), Some("j@x.io"));
    }

    #[test]
    fn username_attributes_decide_the_attribute() {
        let p = pool(|i| i.username_attributes = Some(vec!["email".into()]));
        assert_eq!(username_attribute_for(&p, "a@b.io").unwrap(), "email");
        assert!(username_attribute_for(&p, "+15555550100").is_err());
        let p = pool(|i| i.alias_attributes = Some(vec!["email".into()]));
        assert!(check_plain_username(&p, "a@b.io").is_err());
        assert!(check_plain_username(&p, "jane").is_ok());
        assert_eq!(
            UserStatus::parse("RESET_REQUIRED"),
            Some(UserStatus::ResetRequired)
        );
    }
}
