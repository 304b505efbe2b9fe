//! AddCustomAttributes.

use crate::domain::AuthError;
use crate::domain::attributes::SchemaAttribute;
use crate::domain::validate::Violations;
use crate::services::Services;
use crate::services::admin::pools;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub custom_attributes: Vec<SchemaAttribute>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    v.count("CustomAttributes", Some(req.custom_attributes.len()), 1, 25);
    v.finish()?;
    pools::add_custom_attributes(svc, &req.user_pool_id, &req.custom_attributes).await?;
    Ok(json!({}))
}
