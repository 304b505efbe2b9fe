//! CreateResourceServer, DescribeResourceServer, UpdateResourceServer, DeleteResourceServer,
//! ListResourceServers.
//!
//! Removing a server, or a scope from it, also removes the gone scopes from every client of the
//! pool in the same transaction (see `store::resource_servers`): a client never names a scope
//! that does not exist. A client left with `client_credentials` and no scope can no longer get
//! tokens until it is updated.
//!
//! Known gaps, both narrow races between concurrent admin calls: the limit of 25 per pool is
//! counted before the insert, and a client created while a server is being deleted may keep
//! the deleted scopes (its scope check ran before the delete committed).

use crate::domain::AuthError;
use crate::domain::resource_server::{
    self, MAX_PER_POOL, ResourceServer, ResourceServerInput, check_identifier,
};
use crate::domain::validate::Violations;
use crate::services::{Services, decode_token, paginate};

/// Every custom scope of the pool, as `<identifier>/<scope name>`.
pub(crate) async fn custom_scopes(svc: &Services, pool_id: &str) -> Result<Vec<String>, AuthError> {
    let servers = svc.store.resource_servers_of_pool(pool_id).await?;
    Ok(servers
        .iter()
        .flat_map(ResourceServer::full_scopes)
        .collect())
}

fn already_exists(identifier: &str) -> AuthError {
    AuthError::InvalidParameter(format!("{identifier} already exists in this user pool.").into())
}

/// CreateResourceServer; at most [`MAX_PER_POOL`] per pool.
pub async fn create_resource_server(
    svc: &Services,
    pool_id: &str,
    input: ResourceServerInput,
) -> Result<ResourceServer, AuthError> {
    let (identifier, name, scopes) = resource_server::check_input(&input)?;
    svc.require_pool(pool_id).await?;
    if svc
        .store
        .get_resource_server(pool_id, &identifier)
        .await?
        .is_some()
    {
        return Err(already_exists(&identifier));
    }
    let now = svc.now();
    let rs = ResourceServer {
        pool_id: pool_id.to_string(),
        identifier,
        name,
        scopes,
        created_at: now,
        updated_at: now,
    };
    match svc.store.insert_resource_server(&rs, MAX_PER_POOL).await {
        Ok(true) => Ok(rs),
        Ok(false) => Err(AuthError::LimitExceeded(
            format!("The user pool already has the maximum of {MAX_PER_POOL} resource servers.")
                .into(),
        )),
        Err(e) if e.is_unique_on("pkey") || e.is_unique_on("identifier") => {
            Err(already_exists(&rs.identifier))
        }
        Err(e) => Err(e.into()),
    }
}

async fn require(
    svc: &Services,
    pool_id: &str,
    identifier: &str,
) -> Result<ResourceServer, AuthError> {
    let mut v = Violations::new();
    check_identifier(&mut v, Some(identifier));
    v.finish()?;
    svc.require_pool(pool_id).await?;
    svc.store
        .get_resource_server(pool_id, identifier)
        .await?
        .ok_or_else(|| {
            AuthError::ResourceNotFound(
                format!("Resource server {identifier} does not exist in user pool {pool_id}.")
                    .into(),
            )
        })
}

/// DescribeResourceServer.
pub async fn get_resource_server(
    svc: &Services,
    pool_id: &str,
    identifier: &str,
) -> Result<ResourceServer, AuthError> {
    require(svc, pool_id, identifier).await
}

/// UpdateResourceServer: replaces name and scopes; scopes no longer listed are removed from
/// the pool's clients.
pub async fn update_resource_server(
    svc: &Services,
    pool_id: &str,
    input: ResourceServerInput,
) -> Result<ResourceServer, AuthError> {
    let (identifier, name, scopes) = resource_server::check_input(&input)?;
    let mut rs = require(svc, pool_id, &identifier).await?;
    let before = rs.full_scopes();
    rs.name = name;
    rs.scopes = scopes;
    rs.updated_at = svc.now();
    let after = rs.full_scopes();
    let removed: Vec<String> = before.into_iter().filter(|s| !after.contains(s)).collect();
    if !svc.store.update_resource_server(&rs, &removed).await? {
        return Err(AuthError::ResourceNotFound(
            format!("Resource server {identifier} does not exist in user pool {pool_id}.").into(),
        ));
    }
    Ok(rs)
}

/// DeleteResourceServer: its scopes leave every client of the pool in the same transaction.
pub async fn delete_resource_server(
    svc: &Services,
    pool_id: &str,
    identifier: &str,
) -> Result<(), AuthError> {
    require(svc, pool_id, identifier).await?;
    if !svc
        .store
        .delete_resource_server(pool_id, identifier, svc.now())
        .await?
    {
        return Err(AuthError::ResourceNotFound(
            format!("Resource server {identifier} does not exist in user pool {pool_id}.").into(),
        ));
    }
    Ok(())
}

/// ListResourceServers: pages in identifier order.
pub async fn list_resource_servers(
    svc: &Services,
    pool_id: &str,
    max_results: i64,
    next_token: Option<&str>,
) -> Result<(Vec<ResourceServer>, Option<String>), AuthError> {
    svc.require_pool(pool_id).await?;
    let after = next_token.map(decode_token).transpose()?;
    let servers = svc
        .store
        .list_resource_servers(pool_id, after.as_deref(), max_results + 1)
        .await?;
    Ok(paginate(servers, max_results, |s| s.identifier.clone()))
}
