//! Cross-site request forgery protection for the hosted forms (DESIGN §4): a random token kept
//! in the encrypted session cookie, put in every form as the hidden `_csrf` field, and
//! compared in constant time on every POST before anything else happens. A POST without the
//! cookie's token (a forged form, an expired cookie) is refused with a 403 page.

use crate::crypto::{constant_time_eq, random};
use actix_session::Session;

/// The form field that carries the token (the name Cognito's hosted UI uses).
pub const FIELD: &str = "_csrf";

const KEY: &str = "csrf";

/// The browser's token, made on first use.
pub fn token(session: &Session) -> Result<String, actix_web::Error> {
    if let Ok(Some(token)) = session.get::<String>(KEY) {
        return Ok(token);
    }
    let token = random::base64_token(32);
    session.insert(KEY, &token)?;
    Ok(token)
}

/// Whether `given` is this browser's token.
pub fn verify(session: &Session, given: Option<&str>) -> bool {
    match (session.get::<String>(KEY).ok().flatten(), given) {
        (Some(expected), Some(given)) if !expected.is_empty() => {
            constant_time_eq(expected.as_bytes(), given.as_bytes())
        }
        _ => false,
    }
}

/// Forgets the token (after a sign-in); the next page makes a new one.
pub fn forget(session: &Session) {
    session.remove(KEY);
}
