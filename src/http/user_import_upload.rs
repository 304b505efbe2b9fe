//! `PUT /user-import-upload/{job id}?signature=…`: the pre-signed URL of a user import job
//! (CreateUserImportJob), where the CSV file is uploaded as to S3's pre-signed URL (headers
//! such as `x-amz-server-side-encryption` are accepted and ignored). The signature, not
//! SigV4, authorises the upload; see `services::user_import`.

use crate::domain::user_import::MAX_CSV_BYTES;
use crate::services::Services;
use crate::services::user_import::{self, UPLOAD_PATH, UploadError};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(&format!("{UPLOAD_PATH}/{{job_id}}"), web::put().to(put));
}

#[derive(Deserialize)]
struct Query {
    signature: Option<String>,
}

async fn put(
    svc: web::Data<Services>,
    job_id: web::Path<String>,
    query: web::Query<Query>,
    request: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let signature = query.signature.as_deref().unwrap_or_default();
    // The URL is checked before a byte of the body is read, and the body's size as it comes.
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    let result = match declared {
        Some(n) if n > MAX_CSV_BYTES => Err(UploadError::TooLarge),
        _ => match user_import::check_upload(&svc, &job_id, signature).await {
            Ok(job) => match read_body(payload).await {
                Ok(body) => user_import::upload(&svc, &job, &body).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => HttpResponse::Ok().finish(),
        Err(e) => {
            let mut answer = match &e {
                UploadError::Refused => HttpResponse::Forbidden(),
                UploadError::TooLarge => HttpResponse::PayloadTooLarge(),
                UploadError::NotText => HttpResponse::BadRequest(),
                UploadError::Internal(inner) => {
                    tracing::error!(error = %inner, "user import upload");
                    HttpResponse::InternalServerError()
                }
            };
            answer
                .content_type("text/plain; charset=utf-8")
                .body(e.to_string())
        }
    }
}

/// The body, refused once it passes [`MAX_CSV_BYTES`].
async fn read_body(payload: web::Payload) -> Result<web::Bytes, UploadError> {
    match payload.to_bytes_limited(MAX_CSV_BYTES).await {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(_)) => Err(UploadError::TooLarge),
        Err(_) => Err(UploadError::Refused),
    }
}
