//! HTTP plumbing shared by the front doors: request ids, health and readiness, the pool a
//! request addresses, the caller's IP, the security headers of browser-facing responses, and
//! request metrics with `/metrics`.

pub mod client_ip;
pub mod health;
pub mod metrics;
pub mod rate_limit;
pub mod request_id;
pub mod security_headers;
pub mod site;
pub mod tls;
pub mod user_import_upload;
