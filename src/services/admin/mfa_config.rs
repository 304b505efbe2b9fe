//! SetUserPoolMfaConfig and GetUserPoolMfaConfig.

use crate::domain::AuthError;
use crate::domain::pool_mfa::{self, MfaConfigInput};
use crate::services::Services;
use crate::services::admin::pools::save_pool;
use serde_json::Value;

/// SetUserPoolMfaConfig: applies the members given and returns the pool's MFA configuration.
pub async fn set_mfa_config(
    svc: &Services,
    pool_id: &str,
    input: &MfaConfigInput,
) -> Result<Value, AuthError> {
    let mut pool = svc.require_pool(pool_id).await?;
    if let Some(web_authn) = &input.web_authn_configuration {
        let domains = svc.store.domains_of_pool(pool_id).await?;
        let custom: Vec<String> = domains
            .into_iter()
            .filter(|d| d.kind == "custom")
            .map(|d| d.domain)
            .collect();
        let own = url::Url::parse(&svc.public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let mut hosts = if custom.is_empty() {
            vec![own.clone()]
        } else {
            custom
        };
        // A server on this machine (development) may use `localhost` as the relying party.
        let loopback = own
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
        if loopback || crate::domain::passkeys::is_localhost(&own) {
            hosts.push("localhost".to_string());
        }
        pool_mfa::check_web_authn(web_authn, &hosts)?;
    }
    pool_mfa::apply(std::sync::Arc::make_mut(&mut pool.settings), input)?;
    pool.updated_at = svc.now();
    save_pool(svc, &pool).await?;
    tracing::info!(pool_id, mfa = %pool.settings.mfa_configuration, "pool MFA configuration set");
    Ok(pool_mfa::describe(&pool.settings))
}

/// GetUserPoolMfaConfig.
pub async fn get_mfa_config(svc: &Services, pool_id: &str) -> Result<Value, AuthError> {
    let pool = svc.require_pool(pool_id).await?;
    Ok(pool_mfa::describe(&pool.settings))
}
