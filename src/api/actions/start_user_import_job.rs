//! StartUserImportJob.

use super::shapes::user_import_job_type;
use crate::domain::AuthError;
use crate::services::Services;
use crate::services::user_import;
use serde_json::{Value, json};

pub use super::describe_user_import_job::Request;

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let job = user_import::start_job(svc, &req.user_pool_id, &req.job_id).await?;
    Ok(json!({ "UserImportJob": user_import_job_type(&job) }))
}
