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
