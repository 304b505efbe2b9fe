//! Shapes shared by the public sign-up, recovery and self-service actions: their member
//! checks (patterns from the API model, reference §2.4) and `CodeDeliveryDetailsType`.

use crate::domain::AuthError;
use crate::domain::mask::CodeDeliveryDetails;
use crate::domain::validate::{Violations, pattern, patterns};
use crate::services::sign_up::UserRef;
use regex::Regex;
use serde_json::{Value, json};
use std::sync::LazyLock;

static SECRET_HASH: LazyLock<Regex> = LazyLock::new(|| pattern(r"^[\w+=/]+$"));
static CODE: LazyLock<Regex> = LazyLock::new(|| pattern(r"^[\S]+$"));
static ACCESS_TOKEN: LazyLock<Regex> = LazyLock::new(|| pattern(r"^[A-Za-z0-9\-_=.]+$"));

/// Checks `ClientId`, `Username` and `SecretHash` and builds the reference to the user.
pub fn user_ref(
    v: &mut Violations,
    client_id: String,
    username: String,
    secret_hash: Option<String>,
) -> UserRef {
    v.length("ClientId", Some(&client_id), 1, 128);
    v.pattern(
        "ClientId",
        Some(&client_id),
        &patterns::CLIENT_ID,
        r"[\w+]+",
    );
    v.length("Username", Some(&username), 1, 128);
    v.pattern(
        "Username",
        Some(&username),
        &patterns::USERNAME,
        r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+",
    );
    v.length("SecretHash", secret_hash.as_deref(), 1, 128);
    v.pattern(
        "SecretHash",
        secret_hash.as_deref(),
        &SECRET_HASH,
        r"[\w+=/]+",
    );
    UserRef {
        client_id,
        secret_hash,
        username,
    }
}

/// Checks a password member (`Password`, `ProposedPassword`, …).
pub fn password(v: &mut Violations, member: &str, value: Option<&str>) {
    v.length(member, value, 1, 256);
    v.pattern(member, value, &patterns::PASSWORD, r"[\S]+(.*[\S]+)?");
}

/// Checks a code member (`ConfirmationCode`, `Code`).
pub fn code(v: &mut Violations, member: &str, value: &str) {
    v.length(member, Some(value), 1, 2048);
    v.pattern(member, Some(value), &CODE, r"[\S]+");
}

/// Checks `AccessToken`.
pub fn access_token(v: &mut Violations, value: &str) {
    v.pattern(
        "AccessToken",
        Some(value),
        &ACCESS_TOKEN,
        r"[A-Za-z0-9-_=.]+",
    );
}

/// Checks an attribute name member (1–32 characters).
pub fn attribute_name(v: &mut Violations, member: &str, value: &str) {
    v.length(member, Some(value), 1, 32);
    v.pattern(
        member,
        Some(value),
        &patterns::USERNAME,
        r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+",
    );
}

/// Runs the checks and returns their errors, if any.
pub fn finish(v: Violations) -> Result<(), AuthError> {
    v.finish()
}

/// `CodeDeliveryDetailsType`.
pub fn code_delivery(d: &CodeDeliveryDetails) -> Value {
    json!({
        "Destination": d.destination,
        "DeliveryMedium": d.medium.as_str(),
        "AttributeName": d.attribute_name,
    })
}
