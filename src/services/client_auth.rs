//! How public actions authenticate the app client: the client must exist, and a client with a
//! secret must prove it — with SECRET_HASH (`Base64(HMAC-SHA256(secret, username + clientId))`,
//! reference §3.4) on the user actions, or with the secret itself on token actions.

use crate::crypto::constant_time_eq;
use crate::domain::client::UserPoolClient;
use crate::domain::pool::UserPool;
use crate::domain::{AuthError, Reason};
use crate::services::Services;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Loads the client named by a public action's `ClientId`, and its pool (through
/// `client_cache`: one query when neither changed).
pub async fn load_client(
    svc: &Services,
    client_id: &str,
) -> Result<(UserPool, UserPoolClient), AuthError> {
    let ctx = crate::services::client_cache::client_context(svc, client_id).await?;
    Ok((ctx.pool.clone(), ctx.client.clone()))
}

/// Computes SECRET_HASH for `username` the way SDKs do.
pub fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    // HMAC accepts keys of any length; the error branch cannot happen.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn bad_hash(client_id: &str) -> AuthError {
    AuthError::NotAuthorized(Reason::SecretHashMismatch {
        client_id: client_id.to_string(),
    })
}

/// For a client with a secret, `given` must be SECRET_HASH of one of `usernames` (what the
/// caller typed, and the internal username where the action allows it). Clients without a
/// secret ignore it, as Cognito does.
pub fn check_secret_hash(
    client: &UserPoolClient,
    usernames: &[&str],
    given: Option<&str>,
) -> Result<(), AuthError> {
    let Some(secret) = client.secret.as_deref() else {
        return Ok(());
    };
    let Some(given) = given.filter(|g| !g.is_empty()) else {
        return Err(AuthError::NotAuthorized(
            format!(
                "Client {} is configured for secret but secret was not received",
                client.id
            )
            .into(),
        ));
    };
    let matches = usernames.iter().any(|u| {
        constant_time_eq(
            secret_hash(secret, u, &client.id).as_bytes(),
            given.as_bytes(),
        )
    });
    if matches {
        Ok(())
    } else {
        Err(bad_hash(&client.id))
    }
}

/// For token actions (RevokeToken, GetTokensFromRefreshToken): a client with a secret must
/// send it.
pub fn check_client_secret(client: &UserPoolClient, given: Option<&str>) -> Result<(), AuthError> {
    let Some(secret) = client.secret.as_deref() else {
        return Ok(());
    };
    match given {
        Some(g) if constant_time_eq(g.as_bytes(), secret.as_bytes()) => Ok(()),
        _ => Err(bad_hash(&client.id)),
    }
}

/// The SECRET_HASH the hosted UI — Tessera's own first-party pages, which hold no client
/// secret of their own — presents for `username` when it calls the user actions on a client's
/// behalf. None for a client without a secret.
pub fn first_party_secret_hash(client: &UserPoolClient, username: &str) -> Option<String> {
    client
        .secret
        .as_deref()
        .map(|secret| secret_hash(secret, username, &client.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_hash_matches_the_documented_construction() {
        // Computed independently: printf 'alice1example' | openssl dgst -sha256 -hmac secret -binary | base64
        assert_eq!(
            secret_hash("secret", "alice", "1example"),
            "vR6HuG7zK5vgTn5Vqz3amgjMDbCbZ/Wf+FOszZjY0z0="
        );
    }
}
