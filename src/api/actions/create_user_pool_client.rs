//! CreateUserPoolClient.

use super::shapes::user_pool_client_type;
use crate::domain::AuthError;
use crate::domain::client::ClientInput;
use crate::services::Services;
use crate::services::admin::clients::{self, SecretChoice};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub generate_secret: Option<bool>,
    pub client_secret: Option<String>,
    #[serde(flatten)]
    pub client: ClientInput,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let secret = SecretChoice {
        generate: req.generate_secret,
        given: req.client_secret,
    };
    let client = clients::create_client(svc, &req.user_pool_id, req.client, secret).await?;
    Ok(json!({ "UserPoolClient": user_pool_client_type(&client) }))
}
