//! CompleteWebAuthnRegistration: the browser's registration response (`Credential`) for the
//! registration StartWebAuthnRegistration began.

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
    pub credential: Option<Value>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    access_token(&mut v, &req.access_token);
    v.finish()?;
    let credential = req
        .credential
        .filter(Value::is_object)
        .ok_or_else(|| AuthError::InvalidParameter("Credential must be an object.".into()))?;
    passkeys::complete_registration(svc, &req.access_token, &credential).await?;
    Ok(json!({}))
}
