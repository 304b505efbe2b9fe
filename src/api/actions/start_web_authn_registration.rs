//! StartWebAuthnRegistration: the creation options for the browser to make a passkey with.

use super::self_service::access_token;
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::{Services, passkeys};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub access_token: String,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    access_token(&mut v, &req.access_token);
    v.finish()?;
    let options = passkeys::start_registration(svc, &req.access_token).await?;
    Ok(json!({ "CredentialCreationOptions": options }))
}
