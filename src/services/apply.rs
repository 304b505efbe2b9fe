//! `tessera apply`: makes the directory match a declarative [`Stack`], idempotently. Pools are
//! found by name, clients by ClientName, groups by GroupName, resource servers by Identifier,
//! identity providers by ProviderName (WebAuthnConfiguration is the pool's own);
//! what is missing is created, what differs is updated, and settings Cognito fixes at creation
//! are compared and refused with a clear message if they differ.

use crate::domain::AuthError;
use crate::domain::attributes::{self, SchemaAttribute};
use crate::domain::client::UserPoolClient;
use crate::domain::group::GroupInput;
use crate::domain::identity_provider::{IdentityProvider, IdentityProviderInput};
use crate::domain::pool::{PoolInput, PoolSettings, UserPool};
use crate::domain::pool_domain::CustomDomainConfig;
use crate::domain::pool_mfa::{MfaConfigInput, WebAuthnConfig};
use crate::domain::resource_server::ResourceServerInput;
use crate::domain::stack::{Change, ChangeKind, Stack, StackClient, StackGroup, StackPool};
use crate::services::Services;
use crate::services::admin::clients::{self, SecretChoice};
use crate::services::admin::{domains, groups, identity_providers, pools, resource_servers};

/// Applies a whole stack; stops at the first error (earlier changes stay applied, and applying
/// the corrected file again finishes the job).
pub async fn apply(svc: &Services, stack: Stack) -> Result<Vec<Change>, AuthError> {
    let mut changes = Vec::new();
    for pool in stack.pools {
        apply_pool(svc, pool, &mut changes).await?;
    }
    Ok(changes)
}

async fn apply_pool(
    svc: &Services,
    stack: StackPool,
    changes: &mut Vec<Change>,
) -> Result<(), AuthError> {
    let name = stack.settings.pool_name.clone().ok_or_else(|| {
        AuthError::InvalidParameter("every pool in the stack needs a PoolName".into())
    })?;
    let found = svc.store.find_pools_by_name(&name).await?;
    let pool = match found.as_slice() {
        [] => {
            let pool = pools::create_pool(svc, stack.settings.clone()).await?;
            changes.push(change("pool", &name, &pool.id, ChangeKind::Created));
            pool
        }
        [existing] => {
            let (pool, kind) = update_pool(svc, existing, &stack.settings).await?;
            changes.push(change("pool", &name, &pool.id, kind));
            pool
        }
        _ => {
            return Err(AuthError::InvalidParameter(
                format!(
                    "{} pools are named {name}; apply cannot tell which one the stack means",
                    found.len()
                )
                .into(),
            ));
        }
    };
    apply_members(svc, &pool, &stack, changes).await
}

fn change(resource: &'static str, name: &str, id: &str, kind: ChangeKind) -> Change {
    Change {
        resource,
        name: name.to_string(),
        id: id.to_string(),
        kind,
    }
}

/// Brings an existing pool in line with the stack.
async fn update_pool(
    svc: &Services,
    existing: &UserPool,
    input: &PoolInput,
) -> Result<(UserPool, ChangeKind), AuthError> {
    let desired = PoolSettings::for_create(input)?;
    let current = &existing.settings;
    let fixed =
        |what: &str| {
            AuthError::InvalidParameter(format!(
            "pool {}: {what} differs from the existing pool and cannot change after creation; \
             create a new pool to change it",
            existing.name
        ).into())
        };
    if desired.alias_attributes != current.alias_attributes {
        return Err(fixed("AliasAttributes"));
    }
    if desired.username_attributes != current.username_attributes {
        return Err(fixed("UsernameAttributes"));
    }
    if desired.case_sensitive != current.case_sensitive {
        return Err(fixed("UsernameConfiguration.CaseSensitive"));
    }
    let schema = merged_schema(&current.schema, &desired.schema)
        .map_err(|name| fixed(&format!("schema attribute {name}")))?;
    let updatable = PoolInput {
        alias_attributes: None,
        username_attributes: None,
        schema: None,
        username_configuration: None,
        ..input.clone()
    };
    let mut settings = current.for_update(&updatable)?;
    settings.schema = schema;
    if settings == **current {
        return Ok((existing.clone(), ChangeKind::Unchanged));
    }
    let mut pool = existing.clone();
    pool.settings = std::sync::Arc::new(settings);
    pool.updated_at = svc.now();
    pools::save_pool(svc, &pool).await?;
    Ok((pool, ChangeKind::Updated))
}

/// The current schema plus the stack's new custom attributes. Attributes present in both must
/// be identical (Cognito cannot change them); attributes only in the pool stay (they cannot be
/// removed). Err carries the name of an attribute that differs.
fn merged_schema(
    current: &[SchemaAttribute],
    desired: &[SchemaAttribute],
) -> Result<Vec<SchemaAttribute>, String> {
    let mut merged = current.to_vec();
    let mut added = Vec::new();
    for attr in desired {
        match current.iter().find(|c| c.name == attr.name) {
            Some(existing) if existing != attr => {
                return Err(attr.name.clone().unwrap_or_default());
            }
            Some(_) => {}
            None => added.push(attr.clone()),
        }
    }
    if !added.is_empty() {
        attributes::add_custom(&mut merged, &added).map_err(|e| e.to_string())?;
    }
    Ok(merged)
}

/// Domain, resource servers and identity providers, clients (after the scopes and providers
/// they name) and groups.
async fn apply_members(
    svc: &Services,
    pool: &UserPool,
    stack: &StackPool,
    changes: &mut Vec<Change>,
) -> Result<(), AuthError> {
    if let Some(domain) = &stack.domain {
        changes.push(apply_domain(svc, pool, domain, stack.custom_domain_config.clone()).await?);
    }
    // After the domain: the relying party must fit the pool's custom domain.
    if let Some(web_authn) = &stack.web_authn_configuration {
        changes.push(apply_web_authn(svc, pool, web_authn).await?);
    }
    for server in &stack.resource_servers {
        changes.push(apply_resource_server(svc, pool, server).await?);
    }
    for provider in &stack.identity_providers {
        changes.push(apply_identity_provider(svc, pool, provider).await?);
    }
    let existing_clients = all_clients(svc, &pool.id).await?;
    for client in &stack.clients {
        changes.push(apply_client(svc, pool, &existing_clients, client).await?);
    }
    for group in &stack.groups {
        changes.push(apply_group(svc, pool, group).await?);
    }
    Ok(())
}

async fn apply_web_authn(
    svc: &Services,
    pool: &UserPool,
    desired: &WebAuthnConfig,
) -> Result<Change, AuthError> {
    let name = desired.relying_party_id.as_deref().unwrap_or("default");
    if pool.settings.web_authn_configuration.as_ref() == Some(desired) {
        return Ok(change("passkeys", name, &pool.id, ChangeKind::Unchanged));
    }
    let input = MfaConfigInput {
        web_authn_configuration: Some(desired.clone()),
        ..Default::default()
    };
    crate::services::admin::mfa_config::set_mfa_config(svc, &pool.id, &input).await?;
    Ok(change("passkeys", name, &pool.id, ChangeKind::Updated))
}

async fn apply_domain(
    svc: &Services,
    pool: &UserPool,
    domain: &str,
    custom: Option<CustomDomainConfig>,
) -> Result<Change, AuthError> {
    match svc.store.get_domain(domain).await? {
        Some(row) if row.pool_id != pool.id => Err(AuthError::InvalidParameter(
            format!(
                "domain {domain} belongs to another user pool ({})",
                row.pool_id
            )
            .into(),
        )),
        Some(row) => {
            let current: Option<CustomDomainConfig> = row
                .custom_config
                .as_deref()
                .and_then(|c| serde_json::from_str(c).ok());
            if custom.is_none() || current == custom {
                return Ok(change("domain", domain, &pool.id, ChangeKind::Unchanged));
            }
            domains::update_domain(svc, &pool.id, domain, custom, None).await?;
            Ok(change("domain", domain, &pool.id, ChangeKind::Updated))
        }
        None => {
            domains::create_domain(svc, &pool.id, domain, custom, None).await?;
            Ok(change("domain", domain, &pool.id, ChangeKind::Created))
        }
    }
}

async fn apply_resource_server(
    svc: &Services,
    pool: &UserPool,
    input: &ResourceServerInput,
) -> Result<Change, AuthError> {
    let identifier = input.identifier.clone().unwrap_or_default();
    match svc.store.get_resource_server(&pool.id, &identifier).await? {
        None => {
            resource_servers::create_resource_server(svc, &pool.id, input.clone()).await?;
            Ok(change(
                "resource server",
                &identifier,
                &identifier,
                ChangeKind::Created,
            ))
        }
        Some(current) => {
            let same = input.name.as_ref() == Some(&current.name)
                && input.scopes.clone().unwrap_or_default() == current.scopes;
            if same {
                return Ok(change(
                    "resource server",
                    &identifier,
                    &identifier,
                    ChangeKind::Unchanged,
                ));
            }
            resource_servers::update_resource_server(svc, &pool.id, input.clone()).await?;
            Ok(change(
                "resource server",
                &identifier,
                &identifier,
                ChangeKind::Updated,
            ))
        }
    }
}

/// True when saving `input` would leave `current` as it is: every detail given is the saved one
/// (the saved ones may add what discovery found), and the mapping and identifiers are equal.
fn same_provider(current: &IdentityProvider, input: &IdentityProviderInput) -> bool {
    const FOUND: [&str; 5] = [
        "authorize_url",
        "token_url",
        "attributes_url",
        "jwks_uri",
        "attributes_request_method",
    ];
    let details = input.provider_details.clone().unwrap_or_default();
    let given_same = details
        .iter()
        .all(|(k, v)| current.details.get(k) == Some(v));
    let nothing_else = current
        .details
        .keys()
        .all(|k| details.contains_key(k) || FOUND.contains(&k.as_str()) || k == "private_key");
    let mut mapping = input.attribute_mapping.clone().unwrap_or_default();
    if let Some(subject) = current.attribute_mapping.get("username") {
        mapping
            .entry("username".into())
            .or_insert_with(|| subject.clone());
    }
    input.provider_type.as_deref() == Some(current.kind.as_str())
        && given_same
        && nothing_else
        && mapping == current.attribute_mapping
        && input.idp_identifiers.clone().unwrap_or_default() == current.idp_identifiers
}

async fn apply_identity_provider(
    svc: &Services,
    pool: &UserPool,
    input: &IdentityProviderInput,
) -> Result<Change, AuthError> {
    let name = input.provider_name.clone().unwrap_or_default();
    let kind = match svc.store.get_identity_provider(&pool.id, &name).await? {
        None => {
            identity_providers::create(svc, &pool.id, input.clone()).await?;
            ChangeKind::Created
        }
        Some(current) if current.kind.as_str() != input.provider_type.as_deref().unwrap_or("") => {
            return Err(AuthError::InvalidParameter(
                format!(
                    "identity provider {name}: ProviderType cannot change; delete the provider \
                     or use another name"
                )
                .into(),
            ));
        }
        Some(current) if same_provider(&current, input) => ChangeKind::Unchanged,
        Some(_) => {
            identity_providers::update(svc, &pool.id, input.clone()).await?;
            ChangeKind::Updated
        }
    };
    Ok(change("identity provider", &name, &name, kind))
}

/// Every client of a pool, for matching by name.
async fn all_clients(svc: &Services, pool_id: &str) -> Result<Vec<UserPoolClient>, AuthError> {
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let (page, next) = clients::list_clients(svc, pool_id, 60, token.as_deref()).await?;
        all.extend(page);
        match next {
            Some(t) => token = Some(t),
            None => return Ok(all),
        }
    }
}

async fn apply_client(
    svc: &Services,
    pool: &UserPool,
    existing: &[UserPoolClient],
    client: &StackClient,
) -> Result<Change, AuthError> {
    let name = client.settings.client_name.clone().ok_or_else(|| {
        AuthError::InvalidParameter(
            format!("pool {}: every client needs a ClientName", pool.name).into(),
        )
    })?;
    let matching: Vec<&UserPoolClient> = existing.iter().filter(|c| c.name == name).collect();
    match matching.as_slice() {
        [] => {
            let secret = SecretChoice {
                generate: client.generate_secret,
                given: client.client_secret.clone(),
            };
            let created =
                clients::create_client(svc, &pool.id, client.settings.clone(), secret).await?;
            Ok(change("client", &name, &created.id, ChangeKind::Created))
        }
        [current] => {
            let wants_secret =
                client.generate_secret == Some(true) || client.client_secret.is_some();
            if wants_secret != current.secret.is_some() {
                return Err(AuthError::InvalidParameter(format!(
                    "client {name}: a client secret cannot be added to or removed from an existing client; \
                     create a new client instead"
                ).into()));
            }
            let updated =
                clients::update_client(svc, &pool.id, &current.id, client.settings.clone()).await?;
            let kind = if updated.settings == current.settings {
                ChangeKind::Unchanged
            } else {
                ChangeKind::Updated
            };
            Ok(change("client", &name, &current.id, kind))
        }
        _ => Err(AuthError::InvalidParameter(
            format!(
                "pool {}: {} clients are named {name}; apply cannot tell which one the stack means",
                pool.name,
                matching.len()
            )
            .into(),
        )),
    }
}

async fn apply_group(
    svc: &Services,
    pool: &UserPool,
    group: &StackGroup,
) -> Result<Change, AuthError> {
    let input = GroupInput {
        description: group.description.clone(),
        role_arn: group.role_arn.clone(),
        precedence: group.precedence,
    };
    let name = &group.group_name;
    match svc.store.get_group(&pool.id, name).await? {
        None => {
            groups::create_group(svc, &pool.id, name, input).await?;
            Ok(change("group", name, name, ChangeKind::Created))
        }
        Some(current) => {
            let same = current.description == input.description
                && current.role_arn == input.role_arn
                && current.precedence == input.precedence;
            if same {
                return Ok(change("group", name, name, ChangeKind::Unchanged));
            }
            groups::update_group(svc, &pool.id, name, input).await?;
            Ok(change("group", name, name, ChangeKind::Updated))
        }
    }
}
