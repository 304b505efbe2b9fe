//! HTTP plumbing shared by the front doors: request ids, health and readiness.

pub mod health;
pub mod request_id;
pub mod site;
