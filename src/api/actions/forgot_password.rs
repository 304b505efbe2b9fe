//! ForgotPassword: a reset code to the user's first verified contact in the pool's recovery
//! order.

use super::self_service::{code_delivery, user_ref};
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::Services;
use crate::services::recovery;
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
    let details = recovery::forgot_password(svc, r).await?;
    Ok(json!({ "CodeDeliveryDetails": code_delivery(&details) }))
}
