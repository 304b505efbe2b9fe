//! CreateUserPool.

use super::shapes::user_pool_type;
use crate::domain::AuthError;
use crate::domain::pool::PoolInput;
use crate::services::Services;
use crate::services::admin::pools::{self, PoolDescription};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub struct Request {
    #[serde(flatten)]
    pub pool: PoolInput,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let pool = pools::create_pool(svc, req.pool).await?;
    let description = PoolDescription {
        arn: svc.pool_arn(&pool.id),
        pool,
        estimated_users: 0,
        domain: None,
        custom_domain: None,
    };
    Ok(json!({ "UserPool": user_pool_type(&description) }))
}
