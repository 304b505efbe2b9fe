//! CreateUserPoolDomain: `{}` for a prefix domain, `CloudFrontDomain` for a custom one.

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
    let row = domains::create_domain(
        svc,
        &req.user_pool_id,
        &req.domain,
        req.custom_domain_config,
        req.managed_login_version,
    )
    .await?;
    Ok(if row.kind == "custom" {
        json!({ "CloudFrontDomain": domains::served_host(svc, &row) })
    } else {
        json!({})
    })
}
