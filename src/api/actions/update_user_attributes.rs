//! UpdateUserAttributes: the signed-in user changes attributes its client may write; codes go
//! out for changed, auto-verified email / phone numbers.

use super::self_service::{access_token, code_delivery};
use super::shapes::{AttributeInput, attribute_map};
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
    pub user_attributes: Vec<AttributeInput>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    access_token(&mut v, &req.access_token);
    v.finish()?;
    let values = attribute_map(req.user_attributes);
    let sent = account::update_user_attributes(svc, &req.access_token, values).await?;
    if sent.is_empty() {
        return Ok(json!({}));
    }
    let list: Vec<Value> = sent.iter().map(code_delivery).collect();
    Ok(json!({ "CodeDeliveryDetailsList": list }))
}
