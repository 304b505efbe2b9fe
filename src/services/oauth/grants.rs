//! The token endpoint's grants (reference §1.5, RFC 6749 §4.1.3, §4.4, §6; RFC 7636 §4.6)
//! and revocation (reference §1.7, RFC 7009): authorization_code, refresh_token and
//! client_credentials, each one function.

use crate::domain::oauth_error::OAuthError;
use crate::services::Services;

/// How the client authenticated: `client_secret_basic` or `client_secret_post` (or a public
/// client naming itself).
#[derive(Debug, Clone)]
pub struct ClientAuth {
    pub client_id: String,
    pub client_secret: Option<String>,
}

/// A token request's grant.
#[derive(Debug, Clone)]
pub enum Grant {
    AuthorizationCode {
        code: String,
        redirect_uri: Option<String>,
        code_verifier: Option<String>,
    },
    RefreshToken {
        refresh_token: String,
        scope: Option<String>,
    },
    ClientCredentials {
        scope: Option<String>,
    },
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenResponse {
    pub access_token: String,
    /// With the `openid` scope.
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
    /// Lifetime of the access token, in seconds.
    pub expires_in: i64,
}

/// `POST /oauth2/token` for the pool `pool_id`.
pub async fn token(
    svc: &Services,
    pool_id: &str,
    client: ClientAuth,
    grant: Grant,
) -> Result<TokenResponse, OAuthError> {
    let _ = (svc, pool_id, client, grant);
    Err(OAuthError::server_error())
}

/// `POST /oauth2/revoke`: revokes a refresh token and the tokens of its sign-in.
pub async fn revoke(
    svc: &Services,
    pool_id: &str,
    client: ClientAuth,
    token: &str,
) -> Result<(), OAuthError> {
    let _ = (svc, pool_id, client, token);
    Err(OAuthError::server_error())
}
