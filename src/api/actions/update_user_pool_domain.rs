//! UpdateUserPoolDomain (certificate of a custom domain, managed-login version).

use crate::domain::AuthError;
use crate::domain::pool_domain::CustomDomainConfig;
use crate::services::Services;
use crate::services::admin::domains;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub domain: String,
    pub user_pool_id: String,
    pub custom_domain_config: Option<CustomDomainConfig>,
    pub managed_login_version: Option<i64>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let row = domains::update_domain(
        svc,
        &req.user_pool_id,
        &req.domain,
        req.custom_domain_config,
        req.managed_login_version,
    )
    .await?;
    let mut out = json!({ "ManagedLoginVersion": row.managed_login_version });
    if row.kind == "custom" {
        out["CloudFrontDomain"] = json!(domains::served_host(svc, &row));
    }
    Ok(out)
}
