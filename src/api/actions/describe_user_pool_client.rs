//! DescribeUserPoolClient (the secret included, as in Cognito).

use super::shapes::user_pool_client_type;
use crate::domain::AuthError;
use crate::services::Services;
use crate::services::admin::clients;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub client_id: String,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let client = clients::get_client(svc, &req.user_pool_id, &req.client_id).await?;
    Ok(json!({ "UserPoolClient": user_pool_client_type(&client) }))
}
