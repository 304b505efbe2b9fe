//! AdminSetUserMFAPreference: SetUserMFAPreference for a user named by the administrator.

use super::shapes::check_user_ref;
use crate::domain::AuthError;
use crate::services::mfa::Preferences;
use crate::services::{Services, mfa};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub username: String,
    #[serde(flatten)]
    pub prefs: Preferences,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    check_user_ref(&req.user_pool_id, &req.username)?;
    mfa::admin_set_preference(svc, &req.user_pool_id, &req.username, &req.prefs).await?;
    Ok(json!({}))
}
