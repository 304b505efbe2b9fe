//! ListIdentityProviders (`MaxResults` 1–60, default 60): names, types and dates only.

use super::shapes::provider_description_type;
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::Services;
use crate::services::admin::identity_providers;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub max_results: Option<i64>,
    pub next_token: Option<String>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    v.range("MaxResults", req.max_results, 1, 60);
    v.finish()?;
    let (found, next) = identity_providers::list(
        svc,
        &req.user_pool_id,
        req.max_results.unwrap_or(60),
        req.next_token.as_deref(),
    )
    .await?;
    let mut out =
        json!({ "Providers": found.iter().map(provider_description_type).collect::<Vec<_>>() });
    if let Some(token) = next {
        out["NextToken"] = json!(token);
    }
    Ok(out)
}
