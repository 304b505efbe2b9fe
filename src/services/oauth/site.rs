//! Where a pool's hosted UI and OAuth endpoints live (DESIGN §2 Addresses): always under
//! `{PUBLIC_URL}/{poolId}`, and on the pool's own domain when it has one — a prefix domain
//! `{prefix}.{AUTH_DOMAIN}` or a custom domain, found from the `Host` header.

use crate::domain::AuthError;
use crate::services::Services;

/// The host name of a `Host` header value (no port, lower case).
pub fn host_name(host: &str) -> String {
    let host = host.trim();
    let name = match host.strip_prefix('[') {
        // [::1]:8080
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => host.split(':').next().unwrap_or(host),
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The pool whose domain is `host` (a `Host` header value), if any.
pub async fn pool_for_host(svc: &Services, host: &str) -> Result<Option<String>, AuthError> {
    let name = host_name(host);
    if name.is_empty() {
        return Ok(None);
    }
    // A prefix domain: one label under the auth domain.
    if let Some(parent) = &svc.auth_domain
        && let Some(prefix) = name.strip_suffix(&format!(".{}", parent.to_ascii_lowercase()))
        && !prefix.contains('.')
    {
        return Ok(svc
            .store
            .get_domain(prefix)
            .await?
            .filter(|d| d.kind == "prefix")
            .map(|d| d.pool_id));
    }
    Ok(svc
        .store
        .get_domain(&name)
        .await?
        .filter(|d| d.kind == "custom")
        .map(|d| d.pool_id))
}

/// The scheme and port part of `PUBLIC_URL` that pool domains are served with: a pool domain
/// uses the same scheme (and the same port, when PUBLIC_URL names one) as Tessera itself.
fn domain_url(svc: &Services, host: &str) -> String {
    let (scheme, port) = match url::Url::parse(&svc.public_url) {
        Ok(u) => (u.scheme().to_string(), u.port()),
        Err(_) => ("https".to_string(), None),
    };
    match port {
        Some(p) => format!("{scheme}://{host}:{p}"),
        None => format!("{scheme}://{host}"),
    }
}

/// The base URL a pool's endpoints are published under (discovery names these): its custom
/// domain, else its prefix domain (when `AUTH_DOMAIN` is set), else `{PUBLIC_URL}/{poolId}`.
pub async fn public_base(svc: &Services, pool_id: &str) -> Result<String, AuthError> {
    let domains = svc.store.domains_of_pool(pool_id).await?;
    if let Some(custom) = domains.iter().find(|d| d.kind == "custom") {
        return Ok(domain_url(svc, &custom.domain));
    }
    if let (Some(parent), Some(prefix)) = (
        &svc.auth_domain,
        domains.iter().find(|d| d.kind == "prefix"),
    ) {
        return Ok(domain_url(svc, &format!("{}.{parent}", prefix.domain)));
    }
    Ok(format!("{}/{pool_id}", svc.public_url))
}

/// The base URL of a request that came in on a pool domain (`Host` header value).
pub fn base_for_host(svc: &Services, host: &str) -> String {
    domain_url(svc, &host_name(host))
}

#[cfg(test)]
mod tests {
    use super::host_name;

    #[test]
    fn host_names() {
        assert_eq!(host_name("Auth.Example.com:8443"), "auth.example.com");
        assert_eq!(host_name("auth.example.com."), "auth.example.com");
        assert_eq!(host_name("[::1]:9339"), "::1");
        assert_eq!(host_name(""), "");
    }
}
