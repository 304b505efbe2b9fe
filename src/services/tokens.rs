//! Token issuing and checking (DESIGN §2 Tokens, reference §4): RS256 ID and access tokens
//! signed with the pool's two keys, opaque refresh tokens stored hashed, one `token_origins`
//! row per sign-in (its `origin_jti`), refresh, revocation and global sign-out.
//!
//! INTERFACE STUB: the bodies are being written (issue 3); signatures are the contract.

use crate::clock::Millis;
use crate::domain::AuthError;
use crate::domain::client::UserPoolClient;
use crate::domain::pool::UserPool;
use crate::domain::user::User;
use crate::services::Services;

/// The scope every token issued through the JSON API carries; the self-service actions
/// (GetUser, ChangePassword, …) require it.
pub const USER_ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// Cognito's `AuthenticationResultType`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticationResult {
    pub access_token: String,
    pub id_token: String,
    /// Absent on a refresh without rotation.
    pub refresh_token: Option<String>,
    /// Lifetime of the access token, in seconds.
    pub expires_in: i64,
}

/// What a completed sign-in is issued tokens for.
#[derive(Debug, Clone)]
pub struct SignIn<'a> {
    pub pool: &'a UserPool,
    pub client: &'a UserPoolClient,
    pub user: &'a User,
    /// When the user authenticated (epoch ms); becomes `auth_time`.
    pub auth_time: Millis,
    /// Scopes of the access token (`[USER_ADMIN_SCOPE]` for the JSON API).
    pub scopes: Vec<String>,
    /// OIDC nonce (authorize flows only).
    pub nonce: Option<String>,
}

/// An access token that passed every check, with what it names.
#[derive(Debug, Clone)]
pub struct AccessContext {
    pub pool: UserPool,
    pub user: User,
    pub client_id: String,
    pub origin_jti: String,
    pub scopes: Vec<String>,
    /// `auth_time` of the sign-in (epoch seconds).
    pub auth_time: i64,
}

/// Issues ID, access and refresh tokens for a sign-in (one new `origin_jti`).
pub async fn issue(
    _svc: &Services,
    _sign_in: SignIn<'_>,
) -> Result<AuthenticationResult, AuthError> {
    Err(AuthError::Internal("tokens::issue not implemented".into()))
}

/// REFRESH_TOKEN_AUTH / GetTokensFromRefreshToken: new ID and access tokens for a valid,
/// unrevoked refresh token of this client; a new refresh token only when the client rotates
/// (`rotate` says whether the caller's action allows rotation). The user must still exist and
/// be enabled.
pub async fn refresh(
    _svc: &Services,
    _pool: &UserPool,
    _client: &UserPoolClient,
    _refresh_token: &str,
    _rotate: bool,
) -> Result<AuthenticationResult, AuthError> {
    Err(AuthError::NotAuthorized("Invalid Refresh Token".into()))
}

/// Checks an access token: signature with the pool's key, `token_use=access`, not expired,
/// issuer, origin not revoked, user still present. Failures are NotAuthorizedException with
/// Cognito's messages ("Invalid Access Token", "Access Token has expired", "Access Token has
/// been revoked").
pub async fn authenticate(
    _svc: &Services,
    _access_token: &str,
) -> Result<AccessContext, AuthError> {
    Err(AuthError::NotAuthorized("Invalid Access Token".into()))
}

/// As [`authenticate`], and the token must carry [`USER_ADMIN_SCOPE`] (the self-service
/// actions).
pub async fn authenticate_user(
    svc: &Services,
    access_token: &str,
) -> Result<AccessContext, AuthError> {
    let ctx = authenticate(svc, access_token).await?;
    if !ctx.scopes.iter().any(|s| s == USER_ADMIN_SCOPE) {
        return Err(AuthError::NotAuthorized(
            "Access Token does not have required scopes".into(),
        ));
    }
    Ok(ctx)
}

/// RevokeToken: revokes a refresh token of this client and every token of its sign-in.
pub async fn revoke(
    _svc: &Services,
    _client: &UserPoolClient,
    _token: &str,
) -> Result<(), AuthError> {
    Err(AuthError::Internal("tokens::revoke not implemented".into()))
}

/// GlobalSignOut / AdminUserGlobalSignOut: revokes every sign-in of the user.
pub async fn global_sign_out(_svc: &Services, _user: &User) -> Result<(), AuthError> {
    Err(AuthError::Internal(
        "tokens::global_sign_out not implemented".into(),
    ))
}
