//! ConfirmDevice: the device a sign-in was given (`NewDeviceMetadata`) gets its SRP verifier
//! and name; `UserConfirmationNecessary` says whether the user must still choose to remember
//! it (UpdateDeviceStatus).

use super::self_service::access_token;
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::{Services, devices};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VerifierConfig {
    pub password_verifier: Option<String>,
    pub salt: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub access_token: String,
    pub device_key: String,
    pub device_secret_verifier_config: Option<VerifierConfig>,
    pub device_name: Option<String>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    access_token(&mut v, &req.access_token);
    v.required(
        "DeviceSecretVerifierConfig",
        req.device_secret_verifier_config.as_ref(),
    );
    v.finish()?;
    let config = req.device_secret_verifier_config.unwrap_or(VerifierConfig {
        password_verifier: None,
        salt: None,
    });
    let (Some(verifier), Some(salt)) = (config.password_verifier, config.salt) else {
        return Err(AuthError::InvalidParameter(
            "DeviceSecretVerifierConfig needs PasswordVerifier and Salt.".into(),
        ));
    };
    let necessary = devices::confirm(
        svc,
        &req.access_token,
        &req.device_key,
        &verifier,
        &salt,
        req.device_name.as_deref(),
    )
    .await?;
    Ok(json!({ "UserConfirmationNecessary": necessary }))
}
