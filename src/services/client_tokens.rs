//! Token requests an app client makes with its id (and secret, when it has one), whichever
//! door they come through: refresh (GetTokensFromRefreshToken; the OAuth token endpoint's
//! refresh grant) and revocation (RevokeToken; the OAuth revocation endpoint).

use crate::domain::AuthError;
use crate::services::client_cache::{ClientContext, client_context};
use crate::services::tokens::{self, AuthenticationResult};
use crate::services::triggers::Metadata;
use crate::services::{Services, client_auth};

/// New tokens for a refresh token, rotating it when the client rotates. The client must
/// allow REFRESH_TOKEN_AUTH.
pub async fn refresh(
    svc: &Services,
    client_id: &str,
    client_secret: Option<&str>,
    refresh_token: &str,
    client_metadata: Option<&Metadata>,
    device_key: Option<&str>,
) -> Result<AuthenticationResult, AuthError> {
    let ctx = client_context(svc, client_id).await?;
    refresh_for(
        svc,
        &ctx,
        client_secret,
        refresh_token,
        client_metadata,
        device_key,
    )
    .await
}

/// As [`refresh`], for a client already loaded.
pub async fn refresh_for(
    svc: &Services,
    ctx: &ClientContext,
    client_secret: Option<&str>,
    refresh_token: &str,
    client_metadata: Option<&Metadata>,
    device_key: Option<&str>,
) -> Result<AuthenticationResult, AuthError> {
    client_auth::check_client_secret(&ctx.client, client_secret)?;
    ctx.client.require_auth_flow("REFRESH_TOKEN_AUTH")?;
    tokens::refresh(svc, ctx, refresh_token, true, client_metadata, device_key).await
}

/// Revokes a refresh token and its sign-in. A client that fails to authenticate is
/// UnauthorizedException (RFC 7009's `invalid_client`).
pub async fn revoke(
    svc: &Services,
    client_id: &str,
    client_secret: Option<&str>,
    token: &str,
) -> Result<(), AuthError> {
    let unauthorized = |e: AuthError| match e {
        AuthError::ResourceNotFound(m) | AuthError::NotAuthorized(m) => AuthError::Unauthorized(m),
        other => other,
    };
    let (_, client) = client_auth::load_client(svc, client_id)
        .await
        .map_err(unauthorized)?;
    client_auth::check_client_secret(&client, client_secret).map_err(unauthorized)?;
    tokens::revoke(svc, &client, token).await
}
