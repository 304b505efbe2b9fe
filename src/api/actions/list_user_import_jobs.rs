//! ListUserImportJobs: `MaxResults` 1–60 (required), `PaginationToken`; oldest first.

use super::shapes::{user_import_job_type, with_token};
use crate::domain::AuthError;
use crate::services::Services;
use crate::services::user_import;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub max_results: i64,
    pub pagination_token: Option<String>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    if !(1..=60).contains(&req.max_results) {
        return Err(AuthError::InvalidParameter(
            "MaxResults must be between 1 and 60.".into(),
        ));
    }
    let (jobs, next) = user_import::list_jobs(
        svc,
        &req.user_pool_id,
        req.max_results,
        req.pagination_token.as_deref(),
    )
    .await?;
    let out =
        json!({ "UserImportJobs": jobs.iter().map(user_import_job_type).collect::<Vec<_>>() });
    Ok(with_token(out, "PaginationToken", next))
}
