//! CreateUserImportJob: a job in Created, with the pre-signed URL its CSV file goes to.

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
    pub job_name: String,
    pub cloud_watch_logs_role_arn: String,
    pub password_hashing_algorithm: Option<String>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let job = user_import::create_job(
        svc,
        &req.user_pool_id,
        &req.job_name,
        &req.cloud_watch_logs_role_arn,
        req.password_hashing_algorithm.as_deref(),
    )
    .await?;
    Ok(json!({ "UserImportJob": user_import_job_type(&job) }))
}
