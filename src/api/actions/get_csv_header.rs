//! GetCSVHeader: the columns of a user import file for the pool.

use crate::domain::AuthError;
use crate::services::Services;
use crate::services::user_import;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let header = user_import::csv_header(svc, &req.user_pool_id).await?;
    Ok(json!({ "UserPoolId": req.user_pool_id, "CSVHeader": header }))
}
