//! CreateUserPool, DescribeUserPool, UpdateUserPool, DeleteUserPool, ListUserPools,
//! AddCustomAttributes.

use crate::crypto::random;
use crate::domain::AuthError;
use crate::domain::attributes::{self, SchemaAttribute};
use crate::domain::pool::{PoolInput, PoolSettings, UserPool};
use crate::services::{Services, decode_token, paginate};

/// A pool with the facts DescribeUserPool reports beside its settings.
#[derive(Debug, Clone)]
pub struct PoolDescription {
    pub pool: UserPool,
    pub arn: String,
    pub estimated_users: i64,
    pub domain: Option<String>,
    pub custom_domain: Option<String>,
}

/// Creates a pool with a fresh id; a clash of ids (vanishingly rare) is retried.
pub async fn create_pool(svc: &Services, input: PoolInput) -> Result<UserPool, AuthError> {
    let settings = PoolSettings::for_create(&input)?;
    check_webhooks_signable(svc, &settings)?;
    let now = svc.now();
    let name = input.pool_name.unwrap_or_default();
    for _ in 0..3 {
        let pool = UserPool {
            id: random::pool_id(&svc.region),
            name: name.clone(),
            settings: std::sync::Arc::new(settings.clone()),
            version: 0,
            created_at: now,
            updated_at: now,
        };
        match svc.store.insert_pool(&pool).await {
            Ok(()) => {
                tracing::info!(pool_id = %pool.id, "user pool created");
                return Ok(pool);
            }
            Err(e) if e.is_unique_on("id") || e.is_unique_on("pkey") => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AuthError::Internal("could not allocate a pool id".into()))
}

/// Refuses webhook triggers that could not be signed: the pool has no webhook secret and the
/// server none either (`TESSERA_WEBHOOK_SECRET`).
fn check_webhooks_signable(svc: &Services, settings: &PoolSettings) -> Result<(), AuthError> {
    if settings.lambda_config.has_webhook()
        && settings.webhook_secret.is_none()
        && !svc.triggers.has_server_webhook_secret()
    {
        return Err(AuthError::InvalidParameter(
            "A webhook trigger needs a WebhookSecret for the pool or TESSERA_WEBHOOK_SECRET for the server.".into(),
        ));
    }
    Ok(())
}

/// DescribeUserPool.
pub async fn describe_pool(svc: &Services, pool_id: &str) -> Result<PoolDescription, AuthError> {
    let pool = svc.require_pool(pool_id).await?;
    let estimated_users = svc.store.count_users(pool_id).await?;
    let domains = svc.store.domains_of_pool(pool_id).await?;
    let domain = domains
        .iter()
        .find(|d| d.kind == "prefix")
        .map(|d| d.domain.clone());
    let custom_domain = domains
        .iter()
        .find(|d| d.kind == "custom")
        .map(|d| d.domain.clone());
    Ok(PoolDescription {
        arn: svc.pool_arn(&pool.id),
        pool,
        estimated_users,
        domain,
        custom_domain,
    })
}

/// UpdateUserPool: replaces the updatable settings (Cognito's full-replace semantics).
pub async fn update_pool(svc: &Services, pool_id: &str, input: PoolInput) -> Result<(), AuthError> {
    let mut pool = svc.require_pool(pool_id).await?;
    pool.settings = std::sync::Arc::new(pool.settings.for_update(&input)?);
    check_webhooks_signable(svc, &pool.settings)?;
    if let Some(name) = input.pool_name {
        pool.name = name;
    }
    pool.updated_at = svc.now();
    save_pool(svc, &pool).await
}

/// Saves a changed pool read earlier. When someone else saved it in between, the change is
/// refused with ConcurrentModificationException rather than silently undoing theirs.
pub async fn save_pool(svc: &Services, pool: &UserPool) -> Result<(), AuthError> {
    if svc.store.update_pool(pool).await? {
        return Ok(());
    }
    match svc.store.get_pool(&pool.id).await? {
        Some(_) => Err(AuthError::ConcurrentModification(
            "The user pool was changed by another request at the same time; retry.".into(),
        )),
        None => Err(AuthError::pool_not_found(&pool.id)),
    }
}

/// DeleteUserPool: refused while deletion protection is active.
pub async fn delete_pool(svc: &Services, pool_id: &str) -> Result<(), AuthError> {
    let pool = svc.require_pool(pool_id).await?;
    if pool.settings.deletion_protection == "ACTIVE" {
        return Err(AuthError::InvalidParameter(
            "The user pool cannot be deleted because deletion protection is activated.".into(),
        ));
    }
    if !svc.store.delete_pool(pool_id).await? {
        return Err(AuthError::pool_not_found(pool_id));
    }
    tracing::info!(pool_id, "user pool deleted");
    Ok(())
}

/// ListUserPools: pages of pools in id order.
pub async fn list_pools(
    svc: &Services,
    max_results: i64,
    next_token: Option<&str>,
) -> Result<(Vec<UserPool>, Option<String>), AuthError> {
    let after = next_token.map(decode_token).transpose()?;
    let pools = svc
        .store
        .list_pools(after.as_deref(), max_results + 1)
        .await?;
    Ok(paginate(pools, max_results, |p| p.id.clone()))
}

/// AddCustomAttributes.
pub async fn add_custom_attributes(
    svc: &Services,
    pool_id: &str,
    added: &[SchemaAttribute],
) -> Result<(), AuthError> {
    let mut pool = svc.require_pool(pool_id).await?;
    attributes::add_custom(
        &mut std::sync::Arc::make_mut(&mut pool.settings).schema,
        added,
    )?;
    pool.updated_at = svc.now();
    save_pool(svc, &pool).await
}
