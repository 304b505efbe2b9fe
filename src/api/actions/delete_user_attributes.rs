//! DeleteUserAttributes: the signed-in user removes attributes (not required ones).

use super::self_service::{access_token, attribute_name};
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
    pub user_attribute_names: Vec<String>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    access_token(&mut v, &req.access_token);
    for name in &req.user_attribute_names {
        attribute_name(&mut v, "UserAttributeNames", name);
    }
    v.finish()?;
    account::delete_user_attributes(svc, &req.access_token, &req.user_attribute_names).await?;
    Ok(json!({}))
}
