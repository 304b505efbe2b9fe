//! The hosted UI's dialect of [`AuthError`]: a short, friendly sentence, and the form field it
//! belongs next to (or none: the whole form). Our own faults are logged with their cause and
//! shown as a generic sentence; passwords and codes are never logged.
//!
//! The sentences say no more than the services do: under PreventUserExistenceErrors the
//! services already answer an unknown user like a real one, and the page shows that answer.

use crate::domain::AuthError;

/// What a page shows for an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The form field the message belongs next to (`username`, `password`, `code`,
    /// an attribute name), or None for the whole form.
    pub field: Option<String>,
    pub message: String,
    /// What the user can do next, beyond fixing the form.
    pub next: Next,
}

/// A way out a page offers with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Nothing,
    /// The account is not confirmed: link to the confirmation page.
    Confirm,
    /// The password must be reset: link to the forgot-password page.
    ResetPassword,
}

impl Problem {
    fn field(field: &str, message: impl Into<String>) -> Problem {
        Problem {
            field: Some(field.to_string()),
            message: message.into(),
            next: Next::Nothing,
        }
    }

    fn form(message: impl Into<String>) -> Problem {
        Problem {
            field: None,
            message: message.into(),
            next: Next::Nothing,
        }
    }
}

/// The generic sentence for our own faults.
pub const INTERNAL: &str = "Something went wrong on our side. Please try again in a moment.";

/// What a page shows for `e`.
pub fn describe(e: &AuthError) -> Problem {
    match e {
        AuthError::NotAuthorized(m) => not_authorized(m),
        AuthError::UserNotFound(_) => Problem::field(
            "username",
            "We could not find an account with that username.",
        ),
        AuthError::UserNotConfirmed(_) => Problem {
            field: None,
            message: "Your account is not confirmed yet. Enter the code we sent you to confirm it."
                .into(),
            next: Next::Confirm,
        },
        AuthError::PasswordResetRequired(_) => Problem {
            field: None,
            message: "You need to choose a new password before you can sign in.".into(),
            next: Next::ResetPassword,
        },
        AuthError::InvalidPassword(m) => {
            let why = m
                .strip_prefix("Password did not conform with policy: ")
                .unwrap_or(m);
            Problem::field("password", sentence(why))
        }
        AuthError::UsernameExists(_) => {
            Problem::field("username", "An account with this username already exists.")
        }
        AuthError::AliasExists(_) => {
            Problem::form("An account with this email address or phone number already exists.")
        }
        AuthError::CodeMismatch(_) => Problem::field(
            "code",
            "That code is not right. Check the code and try again.",
        ),
        // VerifySoftwareToken's refusal while a software token is set up.
        AuthError::EnableSoftwareTokenMfa(_) => Problem::field(
            "code",
            "That code is not right. Check the code your authenticator app shows and try again.",
        ),
        AuthError::ExpiredCode(_) => Problem::field(
            "code",
            "That code has expired or has already been used. Ask for a new code.",
        ),
        AuthError::TooManyFailedAttempts(_) => {
            Problem::field("code", "Too many wrong codes. Ask for a new code.")
        }
        AuthError::LimitExceeded(_) => {
            Problem::form("Too many attempts. Please wait a while and try again.")
        }
        AuthError::TooManyRequests(_) => Problem::form(
            "Too many requests from your network. Please wait a minute and try again.",
        ),
        AuthError::CodeDeliveryFailure(_) => {
            Problem::form("We could not send you a code. Please try again later.")
        }
        AuthError::InvalidParameter(m) => invalid_parameter(m),
        // The pool's own set-up refuses the sign-in: say so, it is the administrator's to fix.
        AuthError::InvalidUserPoolConfiguration(m) => Problem::form(format!(
            "Sign-in is not available: {m} Please contact the administrator."
        )),
        // The pool requires MFA and has no factor this user can use or set up.
        AuthError::MfaMethodNotFound(_) => Problem::form(
            "Signing in needs a second step that is not available for your account. Please contact the administrator.",
        ),
        AuthError::Internal(cause) => {
            tracing::error!(%cause, "internal error on a hosted page");
            Problem::form(INTERNAL)
        }
        other => {
            tracing::warn!(error_type = other.type_name(), message = %other, "unexpected error on a hosted page");
            Problem::form(INTERNAL)
        }
    }
}

fn not_authorized(message: &str) -> Problem {
    match message {
        "Incorrect username or password." => Problem::form(message),
        "User is disabled." => {
            Problem::form("This account is disabled. Please contact the administrator.")
        }
        "Password attempts exceeded" => {
            Problem::form("Too many failed sign-in attempts. Please wait a while and try again.")
        }
        "SignUp is not permitted for this user pool" => {
            Problem::form("Signing up is not available here. Please contact the administrator.")
        }
        m if m.starts_with("User cannot be confirmed. Current status is CONFIRMED") => {
            Problem::form("This account is already confirmed. Please sign in.")
        }
        m if m.starts_with("Invalid code received for user; too many attempts") => {
            Problem::form("Too many wrong codes. Sign in again to get a new code.")
        }
        m if m.starts_with("Invalid session") => {
            Problem::form("Your sign-in has expired. Please sign in again.")
        }
        m if m.starts_with("Unable to verify secret hash")
            || m.starts_with("A client attempted to write") =>
        {
            tracing::error!(message = %m, "the hosted UI was refused by its own client");
            Problem::form(INTERNAL)
        }
        m => Problem::form(sentence(m)),
    }
}

fn invalid_parameter(message: &str) -> Problem {
    if let Some(rest) = message.strip_prefix("Attributes did not conform to the schema: ") {
        // "{name}: {why}", one line per attribute: the first goes next to its field.
        let first = rest.lines().next().unwrap_or(rest);
        if let Some((name, why)) = first.split_once(": ") {
            let why = if why == "The attribute is required" {
                "This field is required."
            } else {
                why
            };
            return Problem::field(name, sentence(why));
        }
        return Problem::form(sentence(rest));
    }
    match message {
        "Invalid email address format." => {
            Problem::field("email", "Enter an email address like name@example.com.")
        }
        "Invalid phone number format." => Problem::field(
            "phone_number",
            "Enter the phone number with its country code, like +14325551212.",
        ),
        m if m.starts_with("Username should be either an email or a phone number") => {
            Problem::field("username", "Enter an email address or a phone number.")
        }
        m if m.starts_with("Username cannot be of email format") => Problem::field(
            "username",
            "Your username cannot be an email address; choose another username.",
        ),
        m if m.starts_with("Username cannot be of phone number format") => Problem::field(
            "username",
            "Your username cannot be a phone number; choose another username.",
        ),
        "EMAIL must be an email address." => {
            Problem::field("email", "Enter an email address like name@example.com.")
        }
        "User is already confirmed." => {
            Problem::form("This account is already confirmed. Please sign in.")
        }
        m if m.starts_with("Cannot reset password for the user") => Problem::form(
            "This account has no verified email address or phone number to send a code to. Please contact the administrator.",
        ),
        m => Problem::form(sentence(m)),
    }
}

/// `m` ending with a full stop.
fn sentence(m: &str) -> String {
    let m = m.trim();
    if m.ends_with(['.', '!', '?']) {
        m.to_string()
    } else {
        format!("{m}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_find_their_fields() {
        let p = describe(&AuthError::InvalidPassword(
            "Password did not conform with policy: Password not long enough".into(),
        ));
        assert_eq!(p.field.as_deref(), Some("password"));
        assert_eq!(p.message, "Password not long enough.");
        let p = describe(&AuthError::InvalidParameter(
            "Attributes did not conform to the schema: given_name: The attribute is required\nfamily_name: The attribute is required".into(),
        ));
        assert_eq!(p.field.as_deref(), Some("given_name"));
        assert_eq!(p.message, "This field is required.");
        assert_eq!(describe(&AuthError::incorrect_credentials()).field, None);
        assert_eq!(
            describe(&AuthError::UserNotConfirmed(
                "User is not confirmed.".into()
            ))
            .next,
            Next::Confirm
        );
    }

    #[test]
    fn internal_causes_stay_in_the_logs() {
        let p = describe(&AuthError::Internal("db password=hunter2".into()));
        assert_eq!(p.message, INTERNAL);
    }
}
