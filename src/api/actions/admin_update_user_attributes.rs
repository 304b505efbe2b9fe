//! AdminUpdateUserAttributes: sets attributes (the verified flags included); a changed email or
//! phone number loses its verified flag unless the request sets it.

use super::shapes::{AttributeInput, attribute_map, check_user_ref};
use crate::domain::AuthError;
use crate::services::Services;
use crate::services::admin::users;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub username: String,
    pub user_attributes: Vec<AttributeInput>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    check_user_ref(&req.user_pool_id, &req.username)?;
    let values = attribute_map(req.user_attributes);
    users::update_attributes(svc, &req.user_pool_id, &req.username, values).await?;
    Ok(json!({}))
}
