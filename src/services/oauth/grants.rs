//! The token endpoint's grants (reference §1.5, RFC 6749 §4.1.3, §4.4, §6; RFC 7636 §4.6)
//! and revocation (reference §1.7, RFC 7009): authorization_code, refresh_token and
//! client_credentials, each one function.
//!
//! Every request authenticates its client first: the client must be of this pool, and a client
//! with a secret must send it (`invalid_client`). Then the grant's own rules, whose failures are
//! `invalid_grant` (code or refresh token unusable), `unauthorized_client` (the client may not
//! use this grant) or `invalid_scope`.

use super::authorize::code_hash;
use super::{internal, scopes};
use crate::crypto::constant_time_eq;
use crate::domain::AuthError;
use crate::domain::client::UserPoolClient;
use crate::domain::oauth_error::{OAuthError, OAuthErrorCode};
use crate::domain::user::UserStatus;
use crate::services::client_cache::{ClientContext, client_context};
use crate::services::tokens::{self, SignIn};
use crate::services::{Services, client_auth, client_tokens};
use crate::store::oauth_codes::{CodeRow, TakenCode};
use crate::store::users::UserKey;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::Arc;

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
        /// Accepted and ignored, as Cognito does: a refresh keeps the sign-in's scopes.
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
    let ctx = authenticate_client(svc, pool_id, &client).await?;
    match grant {
        Grant::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
        } => {
            authorization_code(
                svc,
                &ctx,
                &code,
                redirect_uri.as_deref(),
                code_verifier.as_deref(),
            )
            .await
        }
        Grant::RefreshToken {
            refresh_token: token,
            scope: _,
        } => refresh_token(svc, &ctx, &token).await,
        Grant::ClientCredentials { scope } => client_credentials(svc, &ctx, scope.as_deref()).await,
    }
}

fn client_failed() -> OAuthError {
    OAuthError::invalid_client("Client authentication failed.")
}

/// The client of this pool named by the request, which proved its secret when it has one
/// (RFC 6749 §2.3.1). Unknown clients, clients of other pools and wrong or missing secrets
/// all get the same answer.
async fn authenticate_client(
    svc: &Services,
    pool_id: &str,
    auth: &ClientAuth,
) -> Result<Arc<ClientContext>, OAuthError> {
    let ctx = match client_context(svc, &auth.client_id).await {
        Ok(ctx) if ctx.client.pool_id == pool_id => ctx,
        Ok(_) | Err(AuthError::ResourceNotFound(_)) => return Err(client_failed()),
        Err(e) => return Err(internal(e)),
    };
    // A public client has nothing to prove; one with a secret must send it.
    client_auth::check_client_secret(&ctx.client, auth.client_secret.as_deref())
        .map_err(|_| client_failed())?;
    Ok(ctx)
}

/// The client must be enabled for OAuth and allow `flow` (`AllowedOAuthFlows`).
fn require_flow(client: &UserPoolClient, flow: &str) -> Result<(), OAuthError> {
    let s = &client.settings;
    if !s.allowed_oauth_flows_user_pool_client {
        return Err(OAuthError::unauthorized_client(
            "Client is not enabled for OAuth2.0 flows.",
        ));
    }
    if !s.allowed_oauth_flows.iter().any(|f| f == flow) {
        return Err(OAuthError::unauthorized_client(format!(
            "The client may not use the {flow} flow."
        )));
    }
    Ok(())
}

/// RFC 7636 §4.1: 43–128 characters of `[A-Za-z0-9-._~]`.
fn valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// RFC 7636 §4.6: `BASE64URL(SHA256(verifier))` must be the bound challenge (S256, the only
/// method accepted at /oauth2/authorize).
fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    valid_verifier(verifier) && constant_time_eq(computed.as_bytes(), challenge.as_bytes())
}

/// Checks what a fresh code is bound to against the exchange (RFC 6749 §4.1.3).
fn check_code(
    row: &CodeRow,
    client: &UserPoolClient,
    now: i64,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
) -> Result<(), OAuthError> {
    let same_client = constant_time_eq(row.client_id.as_bytes(), client.id.as_bytes());
    if !same_client || row.pool_id != client.pool_id {
        return Err(OAuthError::invalid_grant(
            "The code was not issued to this client.",
        ));
    }
    if now >= row.expires_at {
        return Err(OAuthError::invalid_grant("The code has expired."));
    }
    // Every code is bound to a redirect URI (the one given, or the client's default), so the
    // exchange must repeat it, byte for byte, as Cognito requires.
    match redirect_uri {
        None => {
            return Err(OAuthError::invalid_request("redirect_uri is required."));
        }
        Some(uri) if uri != row.redirect_uri => {
            return Err(OAuthError::invalid_grant(
                "redirect_uri does not match the authorization request.",
            ));
        }
        Some(_) => {}
    }
    match (row.code_challenge.as_deref(), verifier) {
        (None, None) => Ok(()),
        (Some(challenge), Some(verifier)) if pkce_matches(verifier, challenge) => Ok(()),
        (Some(_), Some(_)) => Err(OAuthError::invalid_grant(
            "The code_verifier does not match the code_challenge.",
        )),
        (Some(_), None) => Err(OAuthError::invalid_grant("code_verifier is required.")),
        (None, Some(_)) => Err(OAuthError::invalid_grant(
            "The authorization request had no code_challenge.",
        )),
    }
}

/// `grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.5): the code is used up by the
/// first exchange, valid or not. A code used before is a replay (RFC 6749 §4.1.2): the sign-in
/// it was exchanged for is revoked.
///
/// A replay that arrives while the first exchange is still issuing marks the code; that
/// exchange then revokes what it issued and answers `invalid_grant` too.
async fn authorization_code(
    svc: &Services,
    ctx: &ClientContext,
    code: &str,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let client = &ctx.client;
    require_flow(client, "code")?;
    let hash = code_hash(code);
    let now = svc.now();
    let row = match svc
        .store
        .take_code(&hash, &client.pool_id, &client.id, now)
        .await
        .map_err(|e| internal(e.into()))?
    {
        TakenCode::Fresh(row) => row,
        TakenCode::Replayed(row) => {
            let origin = svc
                .store
                .mark_code_replayed(&hash, now)
                .await
                .map_err(|e| internal(e.into()))?;
            if let Some(origin_jti) = origin {
                svc.store
                    .revoke_token_origin(&origin_jti, now)
                    .await
                    .map_err(|e| internal(e.into()))?;
            }
            tracing::warn!(pool_id = %row.pool_id, client_id = %client.id,
                "authorization code replayed; the sign-in it issued is revoked");
            return Err(OAuthError::invalid_grant("The code has already been used."));
        }
        TakenCode::Missing => return Err(OAuthError::invalid_grant("The code is not valid.")),
    };
    check_code(&row, client, now, redirect_uri, verifier)?;
    let user = svc
        .store
        .get_user_by(&row.pool_id, UserKey::Sub, &row.user_id)
        .await
        .map_err(|e| internal(e.into()))?
        .ok_or_else(|| OAuthError::invalid_grant("The user no longer exists."))?;
    if !user.enabled {
        return Err(OAuthError::invalid_grant("User is disabled."));
    }
    if !matches!(
        user.status,
        UserStatus::Confirmed | UserStatus::ExternalProvider
    ) {
        return Err(OAuthError::invalid_grant(
            "The user cannot sign in in its present state.",
        ));
    }
    // check_code made sure the code is of this client, hence of its pool.
    let scopes: Vec<String> = row.scopes.split_whitespace().map(str::to_string).collect();
    let openid = scopes.iter().any(|s| s == "openid");
    let (result, origin_jti) = tokens::issue_with_origin(
        svc,
        SignIn {
            pool: &ctx.pool,
            client,
            user: &user,
            auth_time: row.auth_time,
            scopes,
            nonce: row.nonce.clone(),
            at_hash: true,
            config_version: Some(ctx.version),
            source: crate::services::tokens::TokenSource::HostedAuth,
            client_metadata: None,
            device_key: None,
        },
    )
    .await
    .map_err(internal)?;
    let replayed = svc
        .store
        .set_code_origin(&hash, &origin_jti)
        .await
        .map_err(|e| internal(e.into()))?;
    if replayed {
        // A replay came while these tokens were being issued: they are never handed out.
        svc.store
            .revoke_token_origin(&origin_jti, now)
            .await
            .map_err(|e| internal(e.into()))?;
        return Err(OAuthError::invalid_grant("The code has already been used."));
    }
    Ok(TokenResponse {
        access_token: result.access_token,
        id_token: openid.then_some(result.id_token),
        refresh_token: result.refresh_token,
        expires_in: result.expires_in,
    })
}

/// `grant_type=refresh_token` (RFC 6749 §6): GetTokensFromRefreshToken's rules (the client must
/// allow REFRESH_TOKEN_AUTH; rotation and replay as configured). Like Cognito, the answer
/// carries a new ID token, and a new refresh token only when the client rotates.
async fn refresh_token(
    svc: &Services,
    ctx: &ClientContext,
    token: &str,
) -> Result<TokenResponse, OAuthError> {
    // The client has authenticated; `client_tokens` checks the secret again, harmlessly.
    let secret = ctx.client.secret.as_deref();
    let result = client_tokens::refresh_for(svc, ctx, secret, token, None, None)
        .await
        .map_err(|e| match e {
            AuthError::InvalidParameter(m) => OAuthError::unauthorized_client(m.to_string()),
            AuthError::ResourceNotFound(_) => client_failed(),
            AuthError::Internal(_) => internal(e),
            // Unknown, expired, revoked or replayed token; user disabled, deleted or reset.
            other => OAuthError::invalid_grant(other.to_string()),
        })?;
    Ok(TokenResponse {
        access_token: result.access_token,
        id_token: Some(result.id_token),
        refresh_token: result.refresh_token,
        expires_in: result.expires_in,
    })
}

/// `grant_type=client_credentials` (RFC 6749 §4.4): a confidential client allowed the
/// `client_credentials` flow gets an access token for its custom scopes; no ID or refresh
/// token. One signature, no database write.
///
/// Cognito answers a client without the flow with `invalid_grant`; Tessera says
/// `unauthorized_client`, which RFC 6749 §5.2 defines for exactly this.
async fn client_credentials(
    svc: &Services,
    ctx: &ClientContext,
    scope: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let client = &ctx.client;
    if client.secret.is_none() {
        return Err(OAuthError::unauthorized_client(
            "The client_credentials grant is for clients with a secret.",
        ));
    }
    require_flow(client, "client_credentials")?;
    let scopes = scopes::for_client_credentials(svc, client, scope).await?;
    let (access_token, expires_in) = tokens::client_credentials_token(svc, ctx, &scopes)
        .await
        .map_err(internal)?;
    Ok(TokenResponse {
        access_token,
        id_token: None,
        refresh_token: None,
        expires_in,
    })
}

/// `POST /oauth2/revoke`: revokes a refresh token and the tokens of its sign-in (RFC 7009
/// §2.1, reference §1.7). An unknown or already revoked token is fine (RFC 7009 §2.2); an ID
/// or access token is `unsupported_token_type`; a client that may not revoke is
/// `invalid_request` (Cognito's answer); a token of another client is `invalid_grant`.
pub async fn revoke(
    svc: &Services,
    pool_id: &str,
    client: ClientAuth,
    token: &str,
) -> Result<(), OAuthError> {
    let authenticated = authenticate_client(svc, pool_id, &client).await?;
    let secret = authenticated.client.secret.as_deref();
    client_tokens::revoke(svc, &authenticated.client.id, secret, token)
        .await
        .map_err(|e| match e {
            AuthError::UnsupportedOperation(m) => OAuthError::invalid_request(m.to_string()),
            AuthError::UnsupportedTokenType(m) => {
                OAuthError::new(OAuthErrorCode::UnsupportedTokenType, m.to_string())
            }
            // The client has authenticated: what is left is a token of another client.
            AuthError::Unauthorized(m) => OAuthError::invalid_grant(m.to_string()),
            AuthError::ResourceNotFound(_) => client_failed(),
            other => internal(other),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_follows_rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(&verifier.replace('d', "e"), challenge));
        // Too short to be a verifier, even when it hashes right.
        let short = "abc";
        let short_challenge =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(short));
        assert!(!pkce_matches(short, &short_challenge));
    }
}
