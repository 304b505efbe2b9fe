//! Pure types and rules of a user pool: no actix, no sqlx, no I/O. Names follow Cognito where
//! the concept is Cognito's.

pub mod attributes;
pub mod error;
pub mod password_policy;
pub mod pool;
pub mod stack;
pub mod validate;

pub use error::AuthError;
