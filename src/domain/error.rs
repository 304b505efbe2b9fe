//! The one error type of the services. Each variant is a Cognito exception; the front doors map
//! it to their dialect (`api::error` to `__type`). `Internal` keeps its cause for the logs and is
//! shown to clients only as a generic message.

/// What went wrong, in Cognito's terms.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum AuthError {
    #[error("{0}")]
    InvalidParameter(String),
    #[error("{0}")]
    ResourceNotFound(String),
    #[error("{0}")]
    UserNotFound(String),
    #[error("{0}")]
    UsernameExists(String),
    #[error("{0}")]
    GroupExists(String),
    #[error("{0}")]
    AliasExists(String),
    #[error("{0}")]
    InvalidPassword(String),
    #[error("{0}")]
    NotAuthorized(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    ScopeDoesNotExist(String),
    #[error("{0}")]
    InvalidOAuthFlow(String),
    #[error("{0}")]
    UnsupportedUserState(String),
    #[error("{0}")]
    CodeDeliveryFailure(String),
    #[error("{0}")]
    PreconditionNotMet(String),
    #[error("{0}")]
    ConcurrentModification(String),
    #[error("{0}")]
    UserPoolTagging(String),
    #[error("{0}")]
    DuplicateProvider(String),
    #[error("{0}")]
    UserNotConfirmed(String),
    #[error("{0}")]
    PasswordResetRequired(String),
    #[error("{0}")]
    CodeMismatch(String),
    #[error("{0}")]
    ExpiredCode(String),
    #[error("{0}")]
    TooManyFailedAttempts(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    UnsupportedOperation(String),
    #[error("{0}")]
    UnsupportedTokenType(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    RefreshTokenReuse(String),
    #[error("{0}")]
    InvalidUserPoolConfiguration(String),
    #[error("{0}")]
    MfaMethodNotFound(String),
    #[error("{0}")]
    SoftwareTokenMfaNotFound(String),
    #[error("{0}")]
    EnableSoftwareTokenMfa(String),
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
            AuthError::Internal(_) => "InternalErrorException",
        }
    }

    /// Shorthand for the common "User pool X does not exist." error.
    pub fn pool_not_found(pool_id: &str) -> Self {
        AuthError::ResourceNotFound(format!("User pool {pool_id} does not exist."))
    }

    /// Shorthand for the common "User pool client X does not exist." error.
    pub fn client_not_found(client_id: &str) -> Self {
        AuthError::ResourceNotFound(format!("User pool client {client_id} does not exist."))
    }

    /// Cognito's answer to a wrong password (and, when existence errors are prevented, to an
    /// unknown user).
    pub fn incorrect_credentials() -> Self {
        AuthError::NotAuthorized("Incorrect username or password.".into())
    }

    /// Shorthand for "User does not exist.".
    pub fn user_not_found() -> Self {
        AuthError::UserNotFound("User does not exist.".into())
    }
}
