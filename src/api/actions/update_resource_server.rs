//! UpdateResourceServer (name and scopes replaced; removed scopes leave the pool's clients).

use super::shapes::resource_server_type;
use crate::domain::AuthError;
use crate::domain::resource_server::ResourceServerInput;
use crate::services::Services;
use crate::services::admin::resource_servers;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    #[serde(flatten)]
    pub server: ResourceServerInput,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let rs = resource_servers::update_resource_server(svc, &req.user_pool_id, req.server).await?;
    Ok(json!({ "ResourceServer": resource_server_type(&rs) }))
}
