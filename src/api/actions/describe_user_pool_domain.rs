//! DescribeUserPoolDomain (an unknown domain gives `{"DomainDescription": {}}`, as Cognito).

use super::shapes::domain_description_type;
use crate::domain::AuthError;
use crate::services::Services;
use crate::services::admin::domains;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub domain: String,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let description = domains::describe_domain(svc, &req.domain).await?;
    Ok(json!({
        "DomainDescription": description.as_ref().map(domain_description_type).unwrap_or_else(|| json!({}))
    }))
}
