//! Errors on the JSON API: HTTP 400 (500 for our faults) with `{"__type", "message"}` and the
//! `x-amzn-ErrorType` header, as AWS answers. Internal causes go to the log, never the client.

use crate::domain::AuthError;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;

/// An error as the wire shows it.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub type_name: &'static str,
    pub message: String,
    pub status: StatusCode,
}

impl ApiError {
    pub fn new(type_name: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            type_name,
            message: message.into(),
            status: StatusCode::BAD_REQUEST,
        }
    }

    /// The body of a request was not valid JSON (or not of the expected shape).
    pub fn serialization(message: impl Into<String>) -> Self {
        ApiError::new("SerializationException", message)
    }

    pub fn response(&self) -> HttpResponse {
        HttpResponse::build(self.status)
            .content_type("application/x-amz-json-1.1")
            .insert_header((
                "x-amzn-ErrorType",
                format!(
                    "{}:http://internal.amazon.com/coral/com.amazonaws.cognito.identity.idp.model/",
                    self.type_name
                ),
            ))
            .json(serde_json::json!({ "__type": self.type_name, "message": self.message }))
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                ApiError {
                    type_name: "InternalErrorException",
                    message: "An internal error occurred.".into(),
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                }
            }
            other => ApiError::new(other.type_name(), other.to_string()),
        }
    }
}
