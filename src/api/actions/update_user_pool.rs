//! UpdateUserPool (full replace: omitted members return to their defaults, as in Cognito).

use crate::domain::AuthError;
use crate::domain::pool::PoolInput;
use crate::services::Services;
use crate::services::admin::pools;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    #[serde(flatten)]
    pub pool: PoolInput,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    pools::update_pool(svc, &req.user_pool_id, req.pool).await?;
    Ok(json!({}))
}
