//! AdminUpdateDeviceStatus: remembered or not.

use super::shapes::check_user_ref;
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
    pub device_remembered_status: Option<String>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    check_user_ref(&req.user_pool_id, &req.username)?;
    devices::set_remembered(
        svc,
        Owner::Admin {
            pool_id: &req.user_pool_id,
            username: &req.username,
        },
        &req.device_key,
        req.device_remembered_status.as_deref(),
    )
    .await?;
    Ok(json!({}))
}
