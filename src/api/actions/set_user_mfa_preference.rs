//! SetUserMFAPreference: enables or disables the signed-in user's factors and picks the
//! preferred one.

use super::self_service::access_token;
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::mfa::Preferences;
use crate::services::{Services, mfa};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub access_token: String,
    #[serde(flatten)]
    pub prefs: Preferences,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    access_token(&mut v, &req.access_token);
    v.finish()?;
    mfa::set_preference(svc, &req.access_token, &req.prefs).await?;
    Ok(json!({}))
}
