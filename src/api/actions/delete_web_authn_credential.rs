//! DeleteWebAuthnCredential: removes one of the signed-in user's passkeys.

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
    pub credential_id: String,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    access_token(&mut v, &req.access_token);
    v.finish()?;
    passkeys::delete(svc, &req.access_token, &req.credential_id).await?;
    Ok(json!({}))
}
