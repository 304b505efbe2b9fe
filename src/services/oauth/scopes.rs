//! Which scopes an OAuth request is granted (reference §1.2, §1.5). Every requested scope must
//! exist — a standard scope or a custom scope of the pool's resource servers — or the request
//! fails with `invalid_scope`; existing scopes the client may not use are dropped, as Cognito
//! does; a request without `scope` gets every scope the client allows.

use crate::domain::AuthError;
use crate::domain::client::UserPoolClient;
use crate::domain::client_oauth::STANDARD_SCOPES;
use crate::domain::oauth_error::OAuthError;
use crate::services::Services;

/// Scopes that only mean something next to `openid`.
const OIDC_CLAIM_SCOPES: &[&str] = &["email", "phone", "profile"];

fn split(requested: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in requested.unwrap_or("").split(' ') {
        if !s.is_empty() && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    out
}

/// Every custom scope of the pool (`<identifier>/<scope>`).
async fn custom_scopes(svc: &Services, pool_id: &str) -> Result<Vec<String>, AuthError> {
    Ok(svc
        .store
        .resource_servers_of_pool(pool_id)
        .await?
        .iter()
        .flat_map(|rs| rs.full_scopes())
        .collect())
}

/// Fails with `invalid_scope` when a requested scope exists nowhere in the pool.
async fn check_exist(
    svc: &Services,
    client: &UserPoolClient,
    requested: &[String],
) -> Result<(), OAuthError> {
    let allowed = &client.settings.allowed_oauth_scopes;
    let unknown: Vec<&String> = requested
        .iter()
        .filter(|s| !STANDARD_SCOPES.contains(&s.as_str()) && !allowed.contains(s))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let custom = custom_scopes(svc, &client.pool_id)
        .await
        .map_err(super::internal)?;
    match unknown.iter().find(|s| !custom.contains(s)) {
        Some(s) => Err(OAuthError::invalid_scope(format!("Unknown scope {s}"))),
        None => Ok(()),
    }
}

/// The scopes of an authorization request (code or implicit). `email`, `phone` and
/// `profile` are kept only with `openid`; nothing left is `invalid_scope`.
pub async fn for_authorize(
    svc: &Services,
    client: &UserPoolClient,
    requested: Option<&str>,
) -> Result<Vec<String>, OAuthError> {
    let requested = split(requested);
    check_exist(svc, client, &requested).await?;
    let allowed = &client.settings.allowed_oauth_scopes;
    let mut granted: Vec<String> = if requested.is_empty() {
        allowed.clone()
    } else {
        requested
            .into_iter()
            .filter(|s| allowed.contains(s))
            .collect()
    };
    if !granted.iter().any(|s| s == "openid") {
        granted.retain(|s| !OIDC_CLAIM_SCOPES.contains(&s.as_str()));
    }
    if granted.is_empty() {
        return Err(OAuthError::invalid_scope(
            "None of the requested scopes is allowed for this client.",
        ));
    }
    Ok(granted)
}

/// The scopes of a client_credentials request: custom scopes only; a requested scope the
/// client may not use is `invalid_scope` (a machine client asks for what it was given).
pub async fn for_client_credentials(
    svc: &Services,
    client: &UserPoolClient,
    requested: Option<&str>,
) -> Result<Vec<String>, OAuthError> {
    let requested = split(requested);
    check_exist(svc, client, &requested).await?;
    let allowed: Vec<String> = client
        .settings
        .allowed_oauth_scopes
        .iter()
        .filter(|s| !STANDARD_SCOPES.contains(&s.as_str()))
        .cloned()
        .collect();
    if requested.is_empty() {
        if allowed.is_empty() {
            return Err(OAuthError::invalid_scope(
                "The client has no custom scopes to grant.",
            ));
        }
        return Ok(allowed);
    }
    if let Some(s) = requested.iter().find(|s| !allowed.contains(s)) {
        return Err(OAuthError::invalid_scope(format!(
            "The scope {s} is not allowed for this client."
        )));
    }
    Ok(requested)
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn splits_on_spaces_without_duplicates() {
        assert_eq!(split(Some("openid  email openid")), vec!["openid", "email"]);
        assert!(split(None).is_empty());
    }
}
