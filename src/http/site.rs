//! Which pool a hosted-UI or OAuth request is for (DESIGN §2 Addresses): the `{pool_id}` path
//! segment under `PUBLIC_URL`, or else the pool whose domain the `Host` header names. The
//! extractor also says where the pool's pages live, so pages and redirects link correctly
//! whichever way the request came in.

use crate::services::Services;
use crate::services::oauth::site;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use std::future::Future;
use std::pin::Pin;

/// The pool a request addresses and the base of its URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub pool_id: String,
    /// Path prefix of the pool's pages on this host: `/{poolId}`, or empty on a pool domain.
    pub path_prefix: String,
    /// Absolute base URL of the pool's pages as this request reached them.
    pub base_url: String,
}

impl Site {
    /// The path of one of the pool's pages (`/login` → `/{poolId}/login` or `/login`).
    pub fn path(&self, page: &str) -> String {
        format!("{}{page}", self.path_prefix)
    }

    /// The absolute URL of one of the pool's pages.
    pub fn url(&self, page: &str) -> String {
        format!("{}{page}", self.base_url)
    }
}

/// No pool answers at this address.
#[derive(Debug)]
pub struct UnknownSite;

impl std::fmt::Display for UnknownSite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("No user pool is served at this address.")
    }
}

impl ResponseError for UnknownSite {
    fn error_response(&self) -> HttpResponse {
        HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body(self.to_string())
    }
}

async fn resolve(req: HttpRequest) -> Result<Site, actix_web::Error> {
    let svc = req
        .app_data::<web::Data<Services>>()
        .cloned()
        .ok_or_else(|| actix_web::error::ErrorInternalServerError("services missing"))?;
    if let Some(pool_id) = req.match_info().get("pool_id") {
        return Ok(Site {
            pool_id: pool_id.to_string(),
            path_prefix: format!("/{pool_id}"),
            base_url: format!("{}/{pool_id}", svc.public_url),
        });
    }
    let host = req
        .headers()
        .get(actix_web::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_string();
    match site::pool_for_host(&svc, &host).await {
        Ok(Some(pool_id)) => Ok(Site {
            pool_id,
            path_prefix: String::new(),
            base_url: site::base_for_host(&svc, &host),
        }),
        Ok(None) => Err(UnknownSite.into()),
        Err(e) => {
            tracing::error!(cause = %e, "resolving the pool of a host");
            Err(actix_web::error::ErrorInternalServerError(
                "An internal error occurred.",
            ))
        }
    }
}

impl FromRequest for Site {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Site, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(resolve(req.clone()))
    }
}

/// The pattern of the `{pool_id}` path segment: `{region}_{id}` (so that the segment never
/// takes `/login`, `/oauth2`, `/static` or `/health`).
pub const POOL_SEGMENT: &str = "/{pool_id:[a-z0-9-]+_[0-9A-Za-z]+}";
