//! ListResourceServers (`MaxResults` 1–50, default 50).

use super::shapes::resource_server_type;
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::Services;
use crate::services::admin::resource_servers;
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
    v.range("MaxResults", req.max_results, 1, 50);
    v.finish()?;
    let (found, next) = resource_servers::list_resource_servers(
        svc,
        &req.user_pool_id,
        req.max_results.unwrap_or(50),
        req.next_token.as_deref(),
    )
    .await?;
    let mut out =
        json!({ "ResourceServers": found.iter().map(resource_server_type).collect::<Vec<_>>() });
    if let Some(token) = next {
        out["NextToken"] = json!(token);
    }
    Ok(out)
}
