//! SetUserSettings: the legacy way for the signed-in user to turn SMS MFA on (`MFAOptions`
//! naming SMS to `phone_number`) or off (an empty list).

use super::self_service::access_token;
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::mfa::MfaOption;
use crate::services::{Services, mfa};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub access_token: String,
    #[serde(rename = "MFAOptions")]
    pub mfa_options: Option<Vec<MfaOption>>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    access_token(&mut v, &req.access_token);
    v.required("MFAOptions", req.mfa_options.as_ref());
    v.finish()?;
    let options = req.mfa_options.unwrap_or_default();
    mfa::set_user_settings(svc, &req.access_token, &options).await?;
    Ok(json!({}))
}
