//! GetUserAttributeVerificationCode: a code to verify the user's email or phone number.

use super::self_service::{access_token, attribute_name, code_delivery};
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
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    access_token(&mut v, &req.access_token);
    attribute_name(&mut v, "AttributeName", &req.attribute_name);
    v.finish()?;
    let details =
        account::get_user_attribute_verification_code(svc, &req.access_token, &req.attribute_name)
            .await?;
    Ok(json!({ "CodeDeliveryDetails": code_delivery(&details) }))
}
