//! SetUserPoolMfaConfig.

use crate::domain::AuthError;
use crate::domain::pool_mfa::MfaConfigInput;
use crate::services::Services;
use crate::services::admin::mfa_config;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    #[serde(flatten)]
    pub config: MfaConfigInput,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    mfa_config::set_mfa_config(svc, &req.user_pool_id, &req.config).await
}
