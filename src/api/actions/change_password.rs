//! ChangePassword: the signed-in user's previous password for a new one.

use super::self_service::{access_token, password};
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::Services;
use crate::services::account;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub access_token: String,
    pub previous_password: Option<String>,
    pub proposed_password: String,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    access_token(&mut v, &req.access_token);
    password(&mut v, "PreviousPassword", req.previous_password.as_deref());
    password(&mut v, "ProposedPassword", Some(&req.proposed_password));
    v.finish()?;
    account::change_password(
        svc,
        &req.access_token,
        req.previous_password.as_deref(),
        &req.proposed_password,
    )
    .await?;
    Ok(json!({}))
}
