//! CreateUserPoolDomain, DescribeUserPoolDomain, UpdateUserPoolDomain, DeleteUserPoolDomain.
//! A pool has at most one prefix domain and one custom domain; a domain belongs to one pool.

use crate::domain::AuthError;
use crate::domain::pool_domain::PoolDomain;
use crate::domain::pool_domain::{self, CustomDomainConfig, DomainKind};
use crate::domain::validate::Violations;
use crate::services::Services;

/// A domain as DescribeUserPoolDomain reports it.
#[derive(Debug, Clone)]
pub struct DomainDescription {
    pub row: PoolDomain,
    pub custom_config: Option<CustomDomainConfig>,
    /// Where the domain is served: the custom domain itself, or `{prefix}.{auth domain}`.
    pub cloudfront_distribution: String,
}

fn config_json(config: Option<&CustomDomainConfig>) -> Result<Option<String>, AuthError> {
    config
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| AuthError::Internal(e.to_string()))
}

fn parse_config(row: &PoolDomain) -> Result<Option<CustomDomainConfig>, AuthError> {
    row.custom_config
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| AuthError::Internal(format!("user_pool_domains.custom_config: {e}")))
}

fn taken() -> AuthError {
    AuthError::InvalidParameter("Domain already associated with another user pool.".into())
}

fn check_version(version: Option<i64>) -> Result<(), AuthError> {
    let mut v = Violations::new();
    pool_domain::check_managed_login_version(&mut v, version);
    v.finish()
}

/// The host a domain is served on.
pub fn served_host(svc: &Services, row: &PoolDomain) -> String {
    match (&svc.auth_domain, row.kind.as_str()) {
        (Some(parent), "prefix") => format!("{}.{parent}", row.domain),
        _ => row.domain.clone(),
    }
}

/// CreateUserPoolDomain.
pub async fn create_domain(
    svc: &Services,
    pool_id: &str,
    domain: &str,
    custom: Option<CustomDomainConfig>,
    managed_login_version: Option<i64>,
) -> Result<PoolDomain, AuthError> {
    check_version(managed_login_version)?;
    let kind = pool_domain::classify(domain, custom.as_ref())?;
    svc.require_pool(pool_id).await?;
    if svc.store.get_domain(domain).await?.is_some() {
        return Err(taken());
    }
    let has_kind = |rows: &[PoolDomain]| rows.iter().any(|r| r.kind == kind.as_str());
    if has_kind(&svc.store.domains_of_pool(pool_id).await?) {
        return Err(AuthError::InvalidParameter(
            format!(
                "User pool {pool_id} already has a {} domain.",
                kind.as_str()
            )
            .into(),
        ));
    }
    let now = svc.now();
    let row = PoolDomain {
        domain: domain.to_string(),
        pool_id: pool_id.to_string(),
        kind: kind.as_str().to_string(),
        custom_config: config_json(custom.as_ref())?,
        managed_login_version: managed_login_version.unwrap_or(1),
        created_at: now,
        updated_at: now,
    };
    match svc.store.insert_domain(&row).await {
        Ok(()) => {
            // The discovery document names the domain's endpoints.
            svc.keys.forget_documents(pool_id);
            tracing::info!(pool_id, domain, kind = kind.as_str(), "domain created");
            Ok(row)
        }
        Err(e) if e.is_unique_on("pool_kind") || e.is_unique_on("kind") => {
            Err(AuthError::InvalidParameter(
                format!(
                    "User pool {pool_id} already has a {} domain.",
                    kind.as_str()
                )
                .into(),
            ))
        }
        Err(e) if e.is_unique_on("domain") || e.is_unique_on("pkey") => Err(taken()),
        Err(e) => Err(e.into()),
    }
}

/// DescribeUserPoolDomain: None for an unknown domain (Cognito answers with an empty
/// description, not an error).
pub async fn describe_domain(
    svc: &Services,
    domain: &str,
) -> Result<Option<DomainDescription>, AuthError> {
    let mut v = Violations::new();
    v.length("Domain", Some(domain), 1, 253);
    v.finish()?;
    let Some(row) = svc.store.get_domain(domain).await? else {
        return Ok(None);
    };
    Ok(Some(DomainDescription {
        custom_config: parse_config(&row)?,
        cloudfront_distribution: served_host(svc, &row),
        row,
    }))
}

async fn require(svc: &Services, pool_id: &str, domain: &str) -> Result<PoolDomain, AuthError> {
    svc.require_pool(pool_id).await?;
    match svc.store.get_domain(domain).await? {
        Some(row) if row.pool_id == pool_id => Ok(row),
        _ => Err(AuthError::InvalidParameter(
            "No such domain or user pool exists.".into(),
        )),
    }
}

/// UpdateUserPoolDomain: a new certificate for a custom domain and/or a new managed-login
/// version; members left out keep their values.
pub async fn update_domain(
    svc: &Services,
    pool_id: &str,
    domain: &str,
    custom: Option<CustomDomainConfig>,
    managed_login_version: Option<i64>,
) -> Result<PoolDomain, AuthError> {
    check_version(managed_login_version)?;
    let mut row = require(svc, pool_id, domain).await?;
    if let Some(config) = custom {
        if row.kind != DomainKind::Custom.as_str() {
            return Err(AuthError::InvalidParameter(
                "CustomDomainConfig is only for custom domains (a full host name).".into(),
            ));
        }
        pool_domain::classify(domain, Some(&config))?;
        row.custom_config = config_json(Some(&config))?;
    }
    if let Some(version) = managed_login_version {
        row.managed_login_version = version;
    }
    row.updated_at = svc.now();
    if !svc.store.update_domain(&row).await? {
        return Err(AuthError::InvalidParameter(
            "No such domain or user pool exists.".into(),
        ));
    }
    svc.keys.forget_documents(pool_id);
    Ok(row)
}

/// DeleteUserPoolDomain.
pub async fn delete_domain(svc: &Services, pool_id: &str, domain: &str) -> Result<(), AuthError> {
    require(svc, pool_id, domain).await?;
    if !svc.store.delete_domain(pool_id, domain).await? {
        return Err(AuthError::InvalidParameter(
            "No such domain or user pool exists.".into(),
        ));
    }
    svc.keys.forget_documents(pool_id);
    tracing::info!(pool_id, domain, "domain deleted");
    Ok(())
}
