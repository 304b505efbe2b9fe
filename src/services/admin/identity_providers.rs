//! CreateIdentityProvider, DescribeIdentityProvider, UpdateIdentityProvider,
//! DeleteIdentityProvider, ListIdentityProviders, GetIdentityProviderByIdentifier
//! (reference §1.10).
//!
//! An OIDC provider's endpoints come from its issuer's discovery document when it is saved
//! (those not given in `ProviderDetails`), so a sign-in needs no discovery and
//! DescribeIdentityProvider shows them as Cognito does. Deleting a provider removes its name
//! from the pool's clients in the same transaction.

use crate::domain::AuthError;
use crate::domain::identity_provider::{
    self as idp, IdentityProvider, IdentityProviderInput, MAX_PER_POOL, ProviderType,
};
use crate::domain::validate::Violations;
use crate::services::{Services, decode_token, paginate};
use crate::store::identity_providers::SaveOutcome;
use std::collections::BTreeMap;

const ENDPOINT_KEYS: [&str; 4] = ["authorize_url", "token_url", "attributes_url", "jwks_uri"];

fn not_found(pool_id: &str, name: &str) -> AuthError {
    AuthError::ResourceNotFound(
        format!("Identity provider {name} does not exist in user pool {pool_id}.").into(),
    )
}

/// Fills an OIDC provider's missing endpoints from its issuer's discovery document.
async fn discover(
    svc: &Services,
    kind: ProviderType,
    details: &mut BTreeMap<String, String>,
) -> Result<(), AuthError> {
    let missing = ["authorize_url", "token_url", "jwks_uri"]
        .iter()
        .any(|k| details.get(*k).is_none_or(String::is_empty));
    if kind != ProviderType::Oidc || !missing {
        return Ok(());
    }
    let issuer = details.get("oidc_issuer").cloned().unwrap_or_default();
    let found = svc.federation.discover(&issuer).await.map_err(|e| {
        AuthError::InvalidParameter(
            format!("Unable to read the discovery document of {issuer}: {e}").into(),
        )
    })?;
    let mut put = |key: &str, value: Option<String>| {
        if let Some(v) = value
            && details.get(key).is_none_or(String::is_empty)
        {
            details.insert(key.to_string(), v);
        }
    };
    put("authorize_url", Some(found.authorize_url));
    put("token_url", Some(found.token_url));
    put("attributes_url", found.attributes_url);
    put("jwks_uri", Some(found.jwks_uri));
    // Cognito's default for the user endpoint.
    details
        .entry("attributes_request_method".into())
        .or_insert_with(|| "GET".into());
    idp::check_details(kind, details)
}

async fn save(svc: &Services, p: &IdentityProvider, insert: bool) -> Result<(), AuthError> {
    match svc
        .store
        .save_identity_provider(p, insert, MAX_PER_POOL)
        .await?
    {
        SaveOutcome::Saved => Ok(()),
        SaveOutcome::Exists => Err(AuthError::DuplicateProvider(
            format!(
                "A provider with the name {} already exists in this user pool.",
                p.name
            )
            .into(),
        )),
        SaveOutcome::Missing => Err(not_found(&p.pool_id, &p.name)),
        SaveOutcome::LimitReached => Err(AuthError::LimitExceeded(
            format!("The user pool already has the maximum of {MAX_PER_POOL} identity providers.")
                .into(),
        )),
        SaveOutcome::IdentifierTaken(id) => Err(AuthError::InvalidParameter(
            format!("The identifier {id} is already used by another provider of this user pool.")
                .into(),
        )),
    }
}

/// CreateIdentityProvider.
pub async fn create(
    svc: &Services,
    pool_id: &str,
    input: IdentityProviderInput,
) -> Result<IdentityProvider, AuthError> {
    let mut v = Violations::new();
    idp::check_name(&mut v, input.provider_name.as_deref());
    v.required("ProviderType", input.provider_type.as_ref());
    v.required("ProviderDetails", input.provider_details.as_ref());
    v.finish()?;
    let name = input.provider_name.unwrap_or_default();
    let kind = idp::check_name_and_type(&name, input.provider_type.as_deref().unwrap_or(""))?;
    let mut details = input.provider_details.unwrap_or_default();
    idp::check_details(kind, &details)?;
    let identifiers = input.idp_identifiers.unwrap_or_default();
    idp::check_identifiers(&identifiers)?;
    let pool = svc.require_pool(pool_id).await?;
    let mapping = idp::check_mapping(
        kind,
        input.attribute_mapping.as_ref(),
        &pool.settings.schema,
    )?;
    discover(svc, kind, &mut details).await?;
    let now = svc.now();
    let p = IdentityProvider {
        pool_id: pool_id.to_string(),
        name,
        kind,
        details,
        attribute_mapping: mapping,
        idp_identifiers: identifiers,
        created_at: now,
        updated_at: now,
    };
    save(svc, &p, true).await?;
    Ok(p)
}

/// The provider `name` of the pool, or ResourceNotFoundException.
pub async fn require(
    svc: &Services,
    pool_id: &str,
    name: &str,
) -> Result<IdentityProvider, AuthError> {
    let mut v = Violations::new();
    idp::check_name(&mut v, Some(name));
    v.finish()?;
    svc.require_pool(pool_id).await?;
    svc.store
        .get_identity_provider(pool_id, name)
        .await?
        .ok_or_else(|| not_found(pool_id, name))
}

/// UpdateIdentityProvider: what is given replaces what was saved. Apple's `private_key`, never
/// shown, is kept when the new details leave it out; an OIDC provider whose issuer changed
/// finds its endpoints again.
pub async fn update(
    svc: &Services,
    pool_id: &str,
    input: IdentityProviderInput,
) -> Result<IdentityProvider, AuthError> {
    let name = input.provider_name.clone().unwrap_or_default();
    let mut p = require(svc, pool_id, &name).await?;
    if let Some(mut details) = input.provider_details {
        if let Some(key) = p.details.get("private_key") {
            details
                .entry("private_key".into())
                .or_insert_with(|| key.clone());
        }
        if details.get("oidc_issuer") != p.details.get("oidc_issuer") {
            for key in ENDPOINT_KEYS {
                if details.contains_key(key) && details.get(key) == p.details.get(key) {
                    details.remove(key);
                }
            }
        }
        idp::check_details(p.kind, &details)?;
        discover(svc, p.kind, &mut details).await?;
        p.details = details;
    }
    if let Some(mapping) = input.attribute_mapping {
        let pool = svc.require_pool(pool_id).await?;
        p.attribute_mapping = idp::check_mapping(p.kind, Some(&mapping), &pool.settings.schema)?;
    }
    if let Some(identifiers) = input.idp_identifiers {
        idp::check_identifiers(&identifiers)?;
        p.idp_identifiers = identifiers;
    }
    p.updated_at = svc.now();
    save(svc, &p, false).await?;
    Ok(p)
}

/// DeleteIdentityProvider.
pub async fn delete(svc: &Services, pool_id: &str, name: &str) -> Result<(), AuthError> {
    require(svc, pool_id, name).await?;
    if !svc
        .store
        .delete_identity_provider(pool_id, name, svc.now())
        .await?
    {
        return Err(not_found(pool_id, name));
    }
    Ok(())
}

/// ListIdentityProviders: pages in name order.
pub async fn list(
    svc: &Services,
    pool_id: &str,
    max_results: i64,
    next_token: Option<&str>,
) -> Result<(Vec<IdentityProvider>, Option<String>), AuthError> {
    svc.require_pool(pool_id).await?;
    let after = next_token.map(decode_token).transpose()?;
    let found = svc
        .store
        .list_identity_providers(pool_id, after.as_deref(), max_results + 1)
        .await?;
    Ok(paginate(found, max_results, |p| p.name.clone()))
}

/// Every provider of a pool (at most 300).
pub async fn all(svc: &Services, pool_id: &str) -> Result<Vec<IdentityProvider>, AuthError> {
    Ok(svc
        .store
        .list_identity_providers(pool_id, None, MAX_PER_POOL)
        .await?)
}

/// GetIdentityProviderByIdentifier.
pub async fn by_identifier(
    svc: &Services,
    pool_id: &str,
    identifier: &str,
) -> Result<IdentityProvider, AuthError> {
    let mut v = Violations::new();
    v.length("IdpIdentifier", Some(identifier), 1, 40);
    v.finish()?;
    svc.require_pool(pool_id).await?;
    all(svc, pool_id)
        .await?
        .into_iter()
        .find(|p| p.idp_identifiers.iter().any(|i| i == identifier))
        .ok_or_else(|| {
            AuthError::ResourceNotFound(
                format!("Identity provider with identifier {identifier} does not exist.").into(),
            )
        })
}
