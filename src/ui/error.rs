//! The hosted UI's dialect of [`AuthError`]: a short, friendly sentence, and the form field it
//! belongs next to (or none: the whole form). Our own faults are logged with their cause and
//! shown as a generic sentence; passwords and codes are never logged.
//!
//! The sentences say no more than the services do: under PreventUserExistenceErrors the
//! services already answer an unknown user like a real one, and the page shows that answer.

use crate::domain::error::{AuthError, Reason};
use crate::domain::user::UserStatus;

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
        AuthError::NotAuthorized(reason) => not_authorized(reason),
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
        AuthError::InvalidPassword(Reason::PasswordPolicy(rule)) => {
            Problem::field("password", sentence(&rule.to_string()))
        }
        AuthError::InvalidPassword(reason) => {
            Problem::field("password", sentence(&reason.to_string()))
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
        AuthError::TooManyRequests(_) => {
            Problem::form("Too many requests right now. Please wait a little and try again.")
        }
        AuthError::CodeDeliveryFailure(_) => {
            Problem::form("We could not send you a code. Please try again later.")
        }
        AuthError::InvalidParameter(reason) => invalid_parameter(reason),
        // The pool's own set-up refuses the sign-in: say so, it is the administrator's to fix.
        AuthError::InvalidUserPoolConfiguration(m) => Problem::form(format!(
            "Sign-in is not available: {m} Please contact the administrator."
        )),
        // The pool's trigger refused: its message is meant for the person (as Cognito shows it).
        AuthError::UserLambdaValidation(reason) => Problem::form(reason.to_string()),
        AuthError::InvalidLambdaResponse(reason) | AuthError::UnexpectedLambda(reason) => {
            tracing::warn!(%reason, "a trigger failed on a hosted page");
            Problem::form("This step is not available right now. Please try again later.")
        }
        // The pool requires MFA and has no factor this user can use or set up.
        AuthError::MfaMethodNotFound(_) => Problem::form(
            "Signing in needs a second step that is not available for your account. Please contact the administrator.",
        ),
        // Passkeys that cannot work here: the pool's set-up or this browser's passkey.
        AuthError::WebAuthnConfigurationMissing(_) | AuthError::WebAuthnNotEnabled(_) => {
            Problem::form("Passkeys are not available here. Please sign in another way.")
        }
        AuthError::WebAuthnChallengeNotFound(_)
        | AuthError::WebAuthnRelyingPartyMismatch(_)
        | AuthError::WebAuthnOriginNotAllowed(_)
        | AuthError::WebAuthnClientMismatch(_)
        | AuthError::WebAuthnCredentialNotSupported(_) => {
            Problem::form("This passkey cannot be used here. Please try again.")
        }
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

fn not_authorized(reason: &Reason) -> Problem {
    match reason {
        Reason::IncorrectCredentials => Problem::form(reason.to_string()),
        Reason::UserDisabled => {
            Problem::form("This account is disabled. Please contact the administrator.")
        }
        Reason::PasswordAttemptsExceeded => {
            Problem::form("Too many failed sign-in attempts. Please wait a while and try again.")
        }
        Reason::SignUpNotPermitted => {
            Problem::form("Signing up is not available here. Please contact the administrator.")
        }
        Reason::CannotConfirm(UserStatus::Confirmed) => {
            Problem::form("This account is already confirmed. Please sign in.")
        }
        Reason::TooManyCodeAttempts => {
            Problem::form("Too many wrong codes. Sign in again to get a new code.")
        }
        Reason::InvalidSession(_) => {
            Problem::form("Your sign-in has expired. Please sign in again.")
        }
        Reason::SecretHashMismatch { .. } | Reason::UnauthorizedAttributeWrite => {
            tracing::error!(message = %reason, "the hosted UI was refused by its own client");
            Problem::form(INTERNAL)
        }
        other => Problem::form(sentence(&other.to_string())),
    }
}

fn invalid_parameter(reason: &Reason) -> Problem {
    match reason {
        // One attribute at a time: the first goes next to its field.
        Reason::AttributesRequired(names) if !names.is_empty() => {
            Problem::field(&names[0], "This field is required.")
        }
        Reason::Attribute { name, problem } => Problem::field(name, sentence(&problem.to_string())),
        Reason::InvalidEmail | Reason::MfaEmailInvalid => {
            Problem::field("email", "Enter an email address like name@example.com.")
        }
        Reason::InvalidPhoneNumber => Problem::field(
            "phone_number",
            "Enter the phone number with its country code, like +14325551212.",
        ),
        Reason::UsernameNotEmailOrPhone => {
            Problem::field("username", "Enter an email address or a phone number.")
        }
        Reason::UsernameIsEmail => Problem::field(
            "username",
            "Your username cannot be an email address; choose another username.",
        ),
        Reason::UsernameIsPhoneNumber => Problem::field(
            "username",
            "Your username cannot be a phone number; choose another username.",
        ),
        Reason::AlreadyConfirmed => {
            Problem::form("This account is already confirmed. Please sign in.")
        }
        Reason::CodeSignInUnavailable => Problem::form(
            "A sign-in code can't be sent to this account. Sign in with your password.",
        ),
        Reason::PasskeySignInUnavailable => {
            Problem::form("This account has no passkey yet. Sign in with your password.")
        }
        Reason::NoRecoveryDestination => Problem::form(
            "This account has no verified email address or phone number to send a code to. Please contact the administrator.",
        ),
        other => Problem::form(sentence(&other.to_string())),
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
    use crate::domain::error::{AttributeProblem, PasswordRule, SessionFault};

    #[test]
    fn errors_find_their_fields() {
        let p = describe(&AuthError::InvalidPassword(Reason::PasswordPolicy(
            PasswordRule::MinimumLength,
        )));
        assert_eq!(p.field.as_deref(), Some("password"));
        assert_eq!(p.message, "Password not long enough.");
        let p = describe(&AuthError::InvalidParameter(Reason::AttributesRequired(
            vec!["given_name".into(), "family_name".into()],
        )));
        assert_eq!(p.field.as_deref(), Some("given_name"));
        assert_eq!(p.message, "This field is required.");
        let p = describe(&AuthError::InvalidParameter(Reason::Attribute {
            name: "birthdate".into(),
            problem: AttributeProblem::Value(
                "The attribute must be in the format YYYY-MM-DD".into(),
            ),
        }));
        assert_eq!(p.field.as_deref(), Some("birthdate"));
        assert_eq!(p.message, "The attribute must be in the format YYYY-MM-DD.");
        let p = describe(&AuthError::InvalidParameter(Reason::UsernameIsEmail));
        assert_eq!(p.field.as_deref(), Some("username"));
        let p = describe(&AuthError::InvalidParameter(Reason::MfaEmailInvalid));
        assert_eq!(p.field.as_deref(), Some("email"));
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
    fn refusals_are_told_by_their_kind() {
        let message = |reason| describe(&AuthError::NotAuthorized(reason)).message;
        assert_eq!(
            message(Reason::IncorrectCredentials),
            "Incorrect username or password."
        );
        assert_eq!(
            message(Reason::UserDisabled),
            "This account is disabled. Please contact the administrator."
        );
        for fault in [
            SessionFault::Invalid,
            SessionFault::Used,
            SessionFault::Expired,
        ] {
            assert_eq!(
                message(Reason::InvalidSession(fault)),
                "Your sign-in has expired. Please sign in again."
            );
        }
        assert_eq!(
            message(Reason::CannotConfirm(UserStatus::Confirmed)),
            "This account is already confirmed. Please sign in."
        );
        assert_eq!(
            message(Reason::CannotConfirm(UserStatus::ForceChangePassword)),
            "User cannot be confirmed. Current status is FORCE_CHANGE_PASSWORD."
        );
        assert_eq!(
            message(Reason::SecretHashMismatch {
                client_id: "c".into()
            }),
            INTERNAL
        );
        // A message nothing tells apart is shown as a sentence.
        assert_eq!(
            message("Refresh Token has expired".into()),
            "Refresh Token has expired."
        );
    }

    #[test]
    fn internal_causes_stay_in_the_logs() {
        let p = describe(&AuthError::Internal("db password=hunter2".into()));
        assert_eq!(p.message, INTERNAL);
    }
}
