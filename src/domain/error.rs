//! The one error type of the services, and Cognito's wording of it. Each [`AuthError`] variant
//! is a Cognito exception (it decides `__type`); its [`Reason`] says why, as a kind the front
//! doors can tell apart, and its text is Cognito's exact message. Doors map the exception and
//! the reason to their dialect (`api::error` to `__type`, `ui::error` to a sentence); no code
//! looks at a message's text. `Internal` keeps its cause for the logs and is shown to clients
//! only as a generic message.

use super::user::UserStatus;
use std::fmt;

/// What went wrong, in Cognito's terms.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum AuthError {
    #[error("{0}")]
    InvalidParameter(Reason),
    #[error("{0}")]
    ResourceNotFound(Reason),
    #[error("{0}")]
    UserNotFound(Reason),
    #[error("{0}")]
    UsernameExists(Reason),
    #[error("{0}")]
    GroupExists(Reason),
    #[error("{0}")]
    AliasExists(Reason),
    #[error("{0}")]
    InvalidPassword(Reason),
    #[error("{0}")]
    NotAuthorized(Reason),
    #[error("{0}")]
    LimitExceeded(Reason),
    #[error("{0}")]
    ScopeDoesNotExist(Reason),
    #[error("{0}")]
    InvalidOAuthFlow(Reason),
    #[error("{0}")]
    UnsupportedUserState(Reason),
    #[error("{0}")]
    CodeDeliveryFailure(Reason),
    #[error("{0}")]
    PreconditionNotMet(Reason),
    #[error("{0}")]
    ConcurrentModification(Reason),
    #[error("{0}")]
    UserPoolTagging(Reason),
    #[error("{0}")]
    DuplicateProvider(Reason),
    #[error("{0}")]
    UserNotConfirmed(Reason),
    #[error("{0}")]
    PasswordResetRequired(Reason),
    #[error("{0}")]
    CodeMismatch(Reason),
    #[error("{0}")]
    ExpiredCode(Reason),
    #[error("{0}")]
    TooManyFailedAttempts(Reason),
    #[error("{0}")]
    TooManyRequests(Reason),
    #[error("{0}")]
    UnsupportedOperation(Reason),
    #[error("{0}")]
    UnsupportedTokenType(Reason),
    #[error("{0}")]
    Unauthorized(Reason),
    #[error("{0}")]
    RefreshTokenReuse(Reason),
    #[error("{0}")]
    InvalidUserPoolConfiguration(Reason),
    #[error("{0}")]
    MfaMethodNotFound(Reason),
    #[error("{0}")]
    SoftwareTokenMfaNotFound(Reason),
    #[error("{0}")]
    EnableSoftwareTokenMfa(Reason),
    #[error("{0}")]
    UserLambdaValidation(Reason),
    #[error("{0}")]
    InvalidLambdaResponse(Reason),
    #[error("{0}")]
    UnexpectedLambda(Reason),
    #[error("{0}")]
    WebAuthnNotEnabled(Reason),
    #[error("{0}")]
    WebAuthnConfigurationMissing(Reason),
    #[error("{0}")]
    WebAuthnChallengeNotFound(Reason),
    #[error("{0}")]
    WebAuthnRelyingPartyMismatch(Reason),
    #[error("{0}")]
    WebAuthnOriginNotAllowed(Reason),
    #[error("{0}")]
    WebAuthnClientMismatch(Reason),
    #[error("{0}")]
    WebAuthnCredentialNotSupported(Reason),
    /// A fault of ours; the text is for the logs only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AuthError {
    /// The Cognito exception name (`__type`).
    pub fn type_name(&self) -> &'static str {
        match self {
            AuthError::InvalidParameter(_) => "InvalidParameterException",
            AuthError::ResourceNotFound(_) => "ResourceNotFoundException",
            AuthError::UserNotFound(_) => "UserNotFoundException",
            AuthError::UsernameExists(_) => "UsernameExistsException",
            AuthError::GroupExists(_) => "GroupExistsException",
            AuthError::AliasExists(_) => "AliasExistsException",
            AuthError::InvalidPassword(_) => "InvalidPasswordException",
            AuthError::NotAuthorized(_) => "NotAuthorizedException",
            AuthError::LimitExceeded(_) => "LimitExceededException",
            AuthError::ScopeDoesNotExist(_) => "ScopeDoesNotExistException",
            AuthError::InvalidOAuthFlow(_) => "InvalidOAuthFlowException",
            AuthError::UnsupportedUserState(_) => "UnsupportedUserStateException",
            AuthError::CodeDeliveryFailure(_) => "CodeDeliveryFailureException",
            AuthError::PreconditionNotMet(_) => "PreconditionNotMetException",
            AuthError::ConcurrentModification(_) => "ConcurrentModificationException",
            AuthError::UserPoolTagging(_) => "UserPoolTaggingException",
            AuthError::DuplicateProvider(_) => "DuplicateProviderException",
            AuthError::UserNotConfirmed(_) => "UserNotConfirmedException",
            AuthError::PasswordResetRequired(_) => "PasswordResetRequiredException",
            AuthError::CodeMismatch(_) => "CodeMismatchException",
            AuthError::ExpiredCode(_) => "ExpiredCodeException",
            AuthError::TooManyFailedAttempts(_) => "TooManyFailedAttemptsException",
            AuthError::TooManyRequests(_) => "TooManyRequestsException",
            AuthError::UnsupportedOperation(_) => "UnsupportedOperationException",
            AuthError::UnsupportedTokenType(_) => "UnsupportedTokenTypeException",
            AuthError::Unauthorized(_) => "UnauthorizedException",
            AuthError::RefreshTokenReuse(_) => "RefreshTokenReuseException",
            AuthError::InvalidUserPoolConfiguration(_) => "InvalidUserPoolConfigurationException",
            AuthError::MfaMethodNotFound(_) => "MFAMethodNotFoundException",
            AuthError::SoftwareTokenMfaNotFound(_) => "SoftwareTokenMFANotFoundException",
            AuthError::EnableSoftwareTokenMfa(_) => "EnableSoftwareTokenMFAException",
            AuthError::UserLambdaValidation(_) => "UserLambdaValidationException",
            AuthError::InvalidLambdaResponse(_) => "InvalidLambdaResponseException",
            AuthError::UnexpectedLambda(_) => "UnexpectedLambdaException",
            AuthError::WebAuthnNotEnabled(_) => "WebAuthnNotEnabledException",
            AuthError::WebAuthnConfigurationMissing(_) => "WebAuthnConfigurationMissingException",
            AuthError::WebAuthnChallengeNotFound(_) => "WebAuthnChallengeNotFoundException",
            AuthError::WebAuthnRelyingPartyMismatch(_) => "WebAuthnRelyingPartyMismatchException",
            AuthError::WebAuthnOriginNotAllowed(_) => "WebAuthnOriginNotAllowedException",
            AuthError::WebAuthnClientMismatch(_) => "WebAuthnClientMismatchException",
            AuthError::WebAuthnCredentialNotSupported(_) => {
                "WebAuthnCredentialNotSupportedException"
            }
            AuthError::Internal(_) => "InternalErrorException",
        }
    }

    /// Shorthand for the common "User pool X does not exist." error.
    pub fn pool_not_found(pool_id: &str) -> Self {
        AuthError::ResourceNotFound(format!("User pool {pool_id} does not exist.").into())
    }

    /// Shorthand for the common "User pool client X does not exist." error.
    pub fn client_not_found(client_id: &str) -> Self {
        AuthError::ResourceNotFound(format!("User pool client {client_id} does not exist.").into())
    }

    /// Cognito's answer to a wrong password (and, when existence errors are prevented, to an
    /// unknown user).
    pub fn incorrect_credentials() -> Self {
        AuthError::NotAuthorized(Reason::IncorrectCredentials)
    }

    /// Cognito's answer to a challenge `Session` that is unknown, of another client or
    /// challenge, or whose user is gone.
    pub fn invalid_session() -> Self {
        AuthError::NotAuthorized(Reason::InvalidSession(SessionFault::Invalid))
    }

    /// Shorthand for "User does not exist.".
    pub fn user_not_found() -> Self {
        AuthError::UserNotFound("User does not exist.".into())
    }
}

/// Why an error happened: the kinds some code tells apart, each written in Cognito's exact
/// words, and `Text` for messages nothing branches on (mostly validation details that name a
/// parameter). A `String` or `&str` converts into `Text`. Code that needs to tell a new case
/// apart adds a kind here; nothing reads a `Text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// NotAuthorized: a wrong password, or an unknown user when existence errors are hidden.
    IncorrectCredentials,
    /// NotAuthorized: the user is disabled.
    UserDisabled,
    /// NotAuthorized: the user is locked out after too many wrong passwords or codes.
    PasswordAttemptsExceeded,
    /// NotAuthorized: the `Session` of a challenge is unknown, used or expired.
    InvalidSession(SessionFault),
    /// NotAuthorized: too many wrong codes for one challenge; the sign-in must start again.
    TooManyCodeAttempts,
    /// NotAuthorized: the pool lets only administrators create users.
    SignUpNotPermitted,
    /// NotAuthorized: ConfirmSignUp of a user who is not UNCONFIRMED.
    CannotConfirm(UserStatus),
    /// NotAuthorized: the client has a secret and the SECRET_HASH does not match it.
    SecretHashMismatch { client_id: String },
    /// NotAuthorized: the client wrote an attribute it may not write.
    UnauthorizedAttributeWrite,
    /// InvalidParameter: required attributes without a value, in schema order.
    AttributesRequired(Vec<String>),
    /// InvalidParameter: an attribute that breaks the pool's schema.
    Attribute {
        name: String,
        problem: AttributeProblem,
    },
    /// InvalidParameter: the `email` attribute is not an email address.
    InvalidEmail,
    /// InvalidParameter: a one-time code cannot sign this user in (the pool does not allow it,
    /// or the user has no verified address for it).
    CodeSignInUnavailable,
    /// InvalidParameter: a passkey cannot sign this user in (none registered, or the pool does
    /// not allow it).
    PasskeySignInUnavailable,
    /// InvalidParameter: the `phone_number` attribute is not in E.164 form.
    InvalidPhoneNumber,
    /// InvalidParameter: a pool signing in by email or phone got a username that is neither.
    UsernameNotEmailOrPhone,
    /// InvalidParameter: a username that looks like an email address in a pool with email alias.
    UsernameIsEmail,
    /// InvalidParameter: a username that looks like a phone number in a pool with phone alias.
    UsernameIsPhoneNumber,
    /// InvalidParameter: the address given to set up email MFA is not an email address.
    MfaEmailInvalid,
    /// InvalidParameter: ResendConfirmationCode for a user who is already confirmed.
    AlreadyConfirmed,
    /// InvalidParameter: ForgotPassword for a user with no verified email or phone number.
    NoRecoveryDestination,
    /// InvalidPassword: the first rule of the pool's password policy the password breaks.
    PasswordPolicy(PasswordRule),
    /// UsernameExists: the store already holds this username.
    UserAccountExists,
    /// UsernameExists: SignUp's wording of the same.
    UserExists,
    /// UserLambdaValidation: a trigger's function refused, with its own message.
    TriggerRefused {
        trigger: &'static str,
        message: String,
    },
    /// InvalidLambdaResponse: a trigger answered with something that is not its response.
    TriggerOutputInvalid { trigger: &'static str },
    /// UnexpectedLambda: a trigger could not be invoked (unreachable, time-out, throttled).
    TriggerUnreachable {
        trigger: &'static str,
        cause: String,
    },
    /// A message nothing branches on.
    Text(String),
}

/// Why a challenge's `Session` is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionFault {
    /// Unknown, of another client or challenge, or its user is gone.
    Invalid,
    /// Already answered.
    Used,
    /// Older than the client's AuthSessionValidity.
    Expired,
}

/// How an attribute breaks the pool's schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeProblem {
    /// The pool has no such attribute.
    NotInSchema,
    /// `sub`, which nobody writes.
    CannotBeUpdated,
    /// An immutable attribute after the user was created.
    Immutable,
    /// The value breaks the attribute's type or constraints (Cognito's sentence).
    Value(String),
}

/// A rule of the password policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordRule {
    MinimumLength,
    MaximumLength,
    Uppercase,
    Lowercase,
    Numbers,
    Symbols,
}

const SCHEMA: &str = "Attributes did not conform to the schema: ";

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::IncorrectCredentials => f.write_str("Incorrect username or password."),
            Reason::UserDisabled => f.write_str("User is disabled."),
            Reason::PasswordAttemptsExceeded => f.write_str("Password attempts exceeded"),
            Reason::InvalidSession(fault) => {
                f.write_str("Invalid session for the user")?;
                f.write_str(match fault {
                    SessionFault::Invalid => ".",
                    SessionFault::Used => ", session can only be used once.",
                    SessionFault::Expired => ", session is expired.",
                })
            }
            Reason::TooManyCodeAttempts => {
                f.write_str("Invalid code received for user; too many attempts, sign in again.")
            }
            Reason::SignUpNotPermitted => f.write_str("SignUp is not permitted for this user pool"),
            Reason::CannotConfirm(status) => write!(
                f,
                "User cannot be confirmed. Current status is {}",
                status.as_str()
            ),
            Reason::SecretHashMismatch { client_id } => {
                write!(f, "Unable to verify secret hash for client {client_id}")
            }
            Reason::UnauthorizedAttributeWrite => {
                f.write_str("A client attempted to write unauthorized attribute")
            }
            Reason::AttributesRequired(names) => {
                f.write_str(SCHEMA)?;
                for (i, name) in names.iter().enumerate() {
                    let separator = if i == 0 { "" } else { "\n" };
                    write!(f, "{separator}{name}: The attribute is required")?;
                }
                Ok(())
            }
            Reason::Attribute { name, problem } => write!(f, "{SCHEMA}{name}: {problem}"),
            Reason::InvalidEmail => f.write_str("Invalid email address format."),
            Reason::CodeSignInUnavailable => {
                f.write_str("A sign-in code cannot be sent for this user.")
            }
            Reason::PasskeySignInUnavailable => {
                f.write_str("A passkey cannot be used to sign in this user.")
            }
            Reason::InvalidPhoneNumber => f.write_str("Invalid phone number format."),
            Reason::UsernameNotEmailOrPhone => {
                f.write_str("Username should be either an email or a phone number.")
            }
            Reason::UsernameIsEmail => f.write_str(
                "Username cannot be of email format, since user pool is configured for email alias.",
            ),
            Reason::UsernameIsPhoneNumber => f.write_str(
                "Username cannot be of phone number format, since user pool is configured for phone_number alias.",
            ),
            Reason::MfaEmailInvalid => f.write_str("EMAIL must be an email address."),
            Reason::AlreadyConfirmed => f.write_str("User is already confirmed."),
            Reason::NoRecoveryDestination => f.write_str(
                "Cannot reset password for the user as there is no registered/verified email or phone_number",
            ),
            Reason::PasswordPolicy(rule) => {
                write!(f, "Password did not conform with policy: {rule}")
            }
            Reason::UserAccountExists => f.write_str("User account already exists"),
            Reason::UserExists => f.write_str("User already exists"),
            Reason::TriggerRefused { trigger, message } => {
                write!(f, "{trigger} failed with error {message}.")
            }
            Reason::TriggerOutputInvalid { trigger } => {
                write!(f, "Unrecognizable lambda output from {trigger}.")
            }
            Reason::TriggerUnreachable { trigger, cause } => {
                write!(f, "{trigger} invocation failed due to error {cause}.")
            }
            Reason::Text(message) => f.write_str(message),
        }
    }
}

impl fmt::Display for AttributeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AttributeProblem::NotInSchema => "Attribute does not exist in the schema.",
            AttributeProblem::CannotBeUpdated => "Attribute cannot be updated.",
            AttributeProblem::Immutable => {
                "Attribute cannot be updated. (changing an immutable attribute)"
            }
            AttributeProblem::Value(why) => why,
        })
    }
}

impl fmt::Display for PasswordRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PasswordRule::MinimumLength => "Password not long enough",
            PasswordRule::MaximumLength => "Password is too long",
            PasswordRule::Uppercase => "Password must have uppercase characters",
            PasswordRule::Lowercase => "Password must have lowercase characters",
            PasswordRule::Numbers => "Password must have numeric characters",
            PasswordRule::Symbols => "Password must have symbol characters",
        })
    }
}

impl From<String> for Reason {
    fn from(message: String) -> Self {
        Reason::Text(message)
    }
}

impl From<&str> for Reason {
    fn from(message: &str) -> Self {
        Reason::Text(message.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_cognitos() {
        let e = AuthError::NotAuthorized(Reason::InvalidSession(SessionFault::Expired));
        assert_eq!(e.type_name(), "NotAuthorizedException");
        assert_eq!(
            e.to_string(),
            "Invalid session for the user, session is expired."
        );
        let e = AuthError::InvalidParameter(Reason::AttributesRequired(vec![
            "given_name".into(),
            "family_name".into(),
        ]));
        assert_eq!(
            e.to_string(),
            "Attributes did not conform to the schema: given_name: The attribute is required\nfamily_name: The attribute is required"
        );
        let e = AuthError::InvalidParameter(Reason::Attribute {
            name: "custom:age".into(),
            problem: AttributeProblem::Immutable,
        });
        assert_eq!(
            e.to_string(),
            "Attributes did not conform to the schema: custom:age: Attribute cannot be updated. (changing an immutable attribute)"
        );
        assert_eq!(
            AuthError::NotAuthorized(Reason::CannotConfirm(UserStatus::Confirmed)).to_string(),
            "User cannot be confirmed. Current status is CONFIRMED"
        );
        assert_eq!(
            AuthError::InvalidPassword(Reason::PasswordPolicy(PasswordRule::Symbols)).to_string(),
            "Password did not conform with policy: Password must have symbol characters"
        );
        assert_eq!(
            AuthError::InvalidParameter("Free text.".into()).to_string(),
            "Free text."
        );
    }
}
