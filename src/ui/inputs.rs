//! The inputs a pool's forms ask for, described for people: what the username is in this pool
//! (a username, an email address, a phone number), a label, input type and autocomplete hint
//! for each standard attribute, and the password policy in words.

use super::forms::Field;
use crate::domain::password_policy::PasswordPolicy;
use crate::domain::pool::UserPool;

/// How the pool's users identify themselves.
fn sign_in_with(pool: &UserPool) -> (bool, bool) {
    let s = &pool.settings;
    let email = s.username_attributes.iter().any(|a| a == "email");
    let phone = s.username_attributes.iter().any(|a| a == "phone_number");
    (email, phone)
}

/// The `username` input: a username, or the email / phone number in UsernameAttributes pools.
pub fn username(pool: &UserPool) -> Field {
    let field = Field::new("username", "Username").autocomplete("username");
    match sign_in_with(pool) {
        (true, false) => field
            .kind("email")
            .label_text("Email address")
            .inputmode("email"),
        (false, true) => field
            .kind("tel")
            .label_text("Phone number")
            .hint(PHONE_HINT),
        (true, true) => field.label_text("Email address or phone number"),
        (false, false) => {
            let aliases = &pool.settings.alias_attributes;
            let email = aliases.iter().any(|a| a == "email");
            let phone = aliases.iter().any(|a| a == "phone_number");
            match (email, phone) {
                (true, true) => field.label_text("Username, email address or phone number"),
                (true, false) => field.label_text("Username or email address"),
                (false, true) => field.label_text("Username or phone number"),
                (false, false) => field,
            }
        }
    }
    .spellcheck_off()
}

/// How phone numbers are written.
pub const PHONE_HINT: &str = "With the country code, like +14325551212.";

/// The attributes the sign-up form asks for: the pool's required attributes, and the email
/// address / phone number when the pool sends codes to it or signs in with it (unless the
/// username already is that).
pub fn sign_up_attributes(pool: &UserPool) -> Vec<(String, bool)> {
    let s = &pool.settings;
    let mut names: Vec<(String, bool)> = crate::domain::attributes::required_names(&s.schema)
        .into_iter()
        .map(|n| (n, true))
        .collect();
    let (email_username, phone_username) = sign_in_with(pool);
    // The one attribute the sign-up code can go to is needed; of two, either will do.
    let verified = |name: &str| s.auto_verified_attributes.iter().any(|a| a == name);
    let only_verified = |name: &str| verified(name) && s.auto_verified_attributes.len() == 1;
    for (name, is_username) in [("email", email_username), ("phone_number", phone_username)] {
        let used = verified(name) || s.alias_attributes.iter().any(|a| a == name);
        if used && !is_username && !names.iter().any(|(n, _)| n == name) {
            names.push((name.to_string(), only_verified(name)));
        }
    }
    if email_username || phone_username {
        // The typed username fills this attribute.
        names.retain(|(n, _)| {
            !((n == "email" && email_username && !phone_username)
                || (n == "phone_number" && phone_username && !email_username))
        });
    }
    names
}

/// The input for a user attribute.
pub fn attribute(name: &str) -> Field {
    let f = Field::new(name, name);
    match name {
        "email" => f
            .label_text("Email address")
            .kind("email")
            .autocomplete("email")
            .inputmode("email")
            .spellcheck_off(),
        "phone_number" => f
            .label_text("Phone number")
            .kind("tel")
            .autocomplete("tel")
            .hint(PHONE_HINT),
        "given_name" => f.label_text("First name").autocomplete("given-name"),
        "family_name" => f.label_text("Last name").autocomplete("family-name"),
        "middle_name" => f.label_text("Middle name").autocomplete("additional-name"),
        "name" => f.label_text("Full name").autocomplete("name"),
        "nickname" => f.label_text("Nickname").autocomplete("nickname"),
        "preferred_username" => f.label_text("Preferred username").spellcheck_off(),
        "birthdate" => f
            .label_text("Date of birth")
            .kind("date")
            .autocomplete("bday"),
        "gender" => f.label_text("Gender").autocomplete("sex"),
        "locale" => f.label_text("Language").autocomplete("language"),
        "zoneinfo" => f.label_text("Time zone"),
        "address" => f.label_text("Address").autocomplete("street-address"),
        "website" => f.label_text("Website").kind("url").autocomplete("url"),
        "profile" => f.label_text("Profile page").kind("url"),
        "picture" => f
            .label_text("Picture")
            .kind("url")
            .hint("The address of an image."),
        "updated_at" => f
            .label_text("Updated at")
            .kind("number")
            .inputmode("numeric"),
        other => {
            let label = other.strip_prefix("custom:").unwrap_or(other);
            f.label_text(label)
        }
    }
}

/// The password policy in words, for the new-password inputs.
pub fn password_policy(policy: &PasswordPolicy) -> String {
    let mut needs = Vec::new();
    if policy.require_uppercase {
        needs.push("an uppercase letter");
    }
    if policy.require_lowercase {
        needs.push("a lowercase letter");
    }
    if policy.require_numbers {
        needs.push("a number");
    }
    if policy.require_symbols {
        needs.push("a symbol such as ! @ # $ or %");
    }
    let length = format!("At least {} characters", policy.minimum_length);
    match needs.as_slice() {
        [] => format!("{length}."),
        [one] => format!("{length}, with {one}."),
        [init @ .., last] => format!("{length}, with {} and {last}.", init.join(", ")),
    }
}

/// A new password and its repetition.
pub fn new_password_pair(policy: &PasswordPolicy) -> [Field; 2] {
    [
        Field::new("password", "New password")
            .kind("password")
            .autocomplete("new-password")
            .hint(password_policy(policy)),
        Field::new("password_repeat", "New password again")
            .kind("password")
            .autocomplete("new-password"),
    ]
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
            id: "p".into(),
            name: "p".into(),
            settings: PoolSettings::for_create(&input).unwrap().into(),
            version: 0,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn sign_up_asks_for_what_the_pool_needs() {
        let plain = pool(|_| {});
        assert!(sign_up_attributes(&plain).is_empty());
        let codes_by_email = pool(|p| p.auto_verified_attributes = Some(vec!["email".into()]));
        assert_eq!(
            sign_up_attributes(&codes_by_email),
            vec![("email".to_string(), true)]
        );
        let either = pool(|p| {
            p.auto_verified_attributes = Some(vec!["email".into(), "phone_number".into()])
        });
        assert_eq!(
            sign_up_attributes(&either),
            vec![
                ("email".to_string(), false),
                ("phone_number".to_string(), false)
            ]
        );
        let email_username = pool(|p| {
            p.auto_verified_attributes = Some(vec!["email".into()]);
            p.username_attributes = Some(vec!["email".into()]);
        });
        assert!(sign_up_attributes(&email_username).is_empty());
        assert_eq!(username(&email_username).input_type, "email");
    }

    #[test]
    fn the_policy_in_words() {
        assert_eq!(
            password_policy(&PasswordPolicy::default()),
            "At least 8 characters, with an uppercase letter, a lowercase letter, a number and a symbol such as ! @ # $ or %."
        );
        let relaxed = PasswordPolicy {
            minimum_length: 6,
            require_uppercase: false,
            require_lowercase: false,
            require_numbers: true,
            require_symbols: false,
            ..PasswordPolicy::default()
        };
        assert_eq!(
            password_policy(&relaxed),
            "At least 6 characters, with a number."
        );
    }
}
