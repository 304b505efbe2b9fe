//! DescribeUserImportJob.

use super::shapes::user_import_job_type;
use crate::domain::AuthError;
use crate::services::Services;
use crate::services::user_import;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub job_id: String,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let job = user_import::describe_job(svc, &req.user_pool_id, &req.job_id).await?;
    Ok(json!({ "UserImportJob": user_import_job_type(&job) }))
}
