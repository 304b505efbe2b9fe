//! ListUserPools (`MaxResults` required, 1–60).

use super::shapes::user_pool_description;
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::Services;
use crate::services::admin::pools;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub max_results: i64,
    pub next_token: Option<String>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    v.range("MaxResults", Some(req.max_results), 1, 60);
    v.finish()?;
    let (found, next) = pools::list_pools(svc, req.max_results, req.next_token.as_deref()).await?;
    let mut out =
        json!({ "UserPools": found.iter().map(user_pool_description).collect::<Vec<_>>() });
    if let Some(token) = next {
        out["NextToken"] = json!(token);
    }
    Ok(out)
}
