//! AdminSetUserSettings: SetUserSettings (the legacy SMS MFA switch) for a user named by the
//! administrator.

use super::shapes::check_user_ref;
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::mfa::MfaOption;
use crate::services::{Services, mfa};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub username: String,
    #[serde(rename = "MFAOptions")]
    pub mfa_options: Option<Vec<MfaOption>>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    check_user_ref(&req.user_pool_id, &req.username)?;
    let mut v = Violations::new();
    v.required("MFAOptions", req.mfa_options.as_ref());
    v.finish()?;
    let options = req.mfa_options.unwrap_or_default();
    mfa::admin_set_user_settings(svc, &req.user_pool_id, &req.username, &options).await?;
    Ok(json!({}))
}
