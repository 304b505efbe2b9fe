//! OAuth 2.0 errors (RFC 6749 §4.1.2.1, §5.2; RFC 7009 §2.2.1; RFC 6750 §3.1): the error
//! codes the authorize, token, userInfo and revocation endpoints answer with. Pure: the OAuth
//! door renders them as a redirect, a JSON body or a `WWW-Authenticate` header.

/// One OAuth error: its RFC code and a human description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type`, `invalid_scope`, `unsupported_response_type`,
    /// `access_denied`, `login_required`, `server_error`, `unsupported_token_type`,
    /// `invalid_token`.
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            error,
            description: description.into(),
        }
    }
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new("invalid_request", description)
    }
    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new("invalid_client", description)
    }
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new("invalid_grant", description)
    }
    pub fn unauthorized_client(description: impl Into<String>) -> Self {
        Self::new("unauthorized_client", description)
    }
    pub fn invalid_scope(description: impl Into<String>) -> Self {
        Self::new("invalid_scope", description)
    }
    pub fn invalid_token(description: impl Into<String>) -> Self {
        Self::new("invalid_token", description)
    }
    /// Our own fault; the cause goes to the log, never to the client.
    pub fn server_error() -> Self {
        Self::new("server_error", "An internal error occurred.")
    }
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error, self.description)
    }
}
