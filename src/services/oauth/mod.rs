//! OAuth 2.0 / OpenID Connect use cases (reference §1): the hosted UI and the `/oauth2/*`
//! endpoints are thin doors over these.
//!
//! - `site`: which pool a host name serves, and the base URL of a pool's endpoints.
//! - `authorize`: checking an authorization request, and completing it for a signed-in user
//!   (a code, or tokens for the implicit grant).
//! - `sso`: hosted-UI sign-in sessions (single sign-on across the pool's clients).
//! - `grants`: the token endpoint's grants (authorization_code, refresh_token,
//!   client_credentials) and revocation.
//! - `userinfo`: the userInfo endpoint's claims.
//! - `scopes`: which scopes a request may have.

pub mod authorize;
pub mod grants;
pub mod logout;
pub mod scopes;
pub mod site;
pub mod sso;
pub mod userinfo;

use crate::domain::AuthError;
use crate::domain::oauth_error::OAuthError;

/// Our own faults become `server_error`, logged with their cause.
pub(crate) fn internal(e: AuthError) -> OAuthError {
    tracing::error!(cause = %e, "internal error in an OAuth request");
    OAuthError::server_error()
}
