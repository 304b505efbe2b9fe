//! VerifyUserAttribute: the code marks the email or phone number verified.

use super::self_service::{access_token, attribute_name, code};
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
    pub attribute_name: String,
    pub code: String,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    access_token(&mut v, &req.access_token);
    attribute_name(&mut v, "AttributeName", &req.attribute_name);
    code(&mut v, "Code", &req.code);
    v.finish()?;
    account::verify_user_attribute(svc, &req.access_token, &req.attribute_name, &req.code).await?;
    Ok(json!({}))
}
