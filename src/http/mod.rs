//! HTTP plumbing shared by the front doors: request ids, health and readiness, the pool a
//! request addresses, the caller's IP and the security headers of browser-facing responses.

pub mod client_ip;
pub mod health;
pub mod rate_limit;
pub mod request_id;
pub mod security_headers;
pub mod site;
