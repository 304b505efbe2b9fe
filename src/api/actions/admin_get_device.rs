//! AdminGetDevice: one of the user's devices.

use super::shapes::check_user_ref;
use super::shapes::device_type;
use crate::domain::AuthError;
use crate::services::Services;
use crate::services::devices::{self, Owner};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub username: String,
    pub device_key: String,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    check_user_ref(&req.user_pool_id, &req.username)?;
    let device = devices::get(
        svc,
        Owner::Admin {
            pool_id: &req.user_pool_id,
            username: &req.username,
        },
        &req.device_key,
    )
    .await?;
    Ok(json!({ "Device": device_type(&device) }))
}
