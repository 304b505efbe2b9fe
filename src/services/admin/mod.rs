//! Management use cases behind the SigV4-signed admin actions.

pub mod clients;
pub mod create_user;
pub mod domains;
pub mod groups;
pub mod identity_providers;
pub mod list_users;
pub mod mfa_config;
pub mod pools;
pub mod reset_password;
pub mod resource_servers;
pub mod users;
