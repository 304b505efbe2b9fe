//! Pure types and rules of a user pool: no actix, no sqlx, no I/O. Names follow Cognito where
//! the concept is Cognito's.

pub mod attributes;
pub mod audit;
pub mod auth_flows;
pub mod client;
pub mod client_oauth;
pub mod devices;
pub mod error;
pub mod filter;
pub mod first_factors;
pub mod group;
pub mod identity_provider;
pub mod lockout;
pub mod mask;
pub mod messages;
pub mod mfa;
pub mod migration_source;
pub mod oauth_error;
pub mod passkeys;
pub mod password_policy;
pub mod pool;
pub mod pool_domain;
pub mod pool_messages;
pub mod pool_mfa;
pub mod redirect_url;
pub mod resource_server;
pub mod stack;
pub mod token_claims;
pub mod token_overrides;
pub mod token_validity;
pub mod triggers;
pub mod user;
pub mod user_import;
pub mod user_record;
pub mod validate;

pub use error::{AuthError, Reason};
