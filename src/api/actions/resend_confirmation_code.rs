//! ResendConfirmationCode: a new sign-up code replaces the old one.

use super::self_service::{code_delivery, user_ref};
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::Services;
use crate::services::sign_up;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub client_id: String,
    pub secret_hash: Option<String>,
    pub username: String,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    let r = user_ref(&mut v, req.client_id, req.username, req.secret_hash);
    v.finish()?;
    let details = sign_up::resend_confirmation_code(svc, r).await?;
    Ok(json!({ "CodeDeliveryDetails": code_delivery(&details) }))
}
