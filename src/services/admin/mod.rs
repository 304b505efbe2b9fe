//! Management use cases behind the SigV4-signed admin actions.

pub mod create_user;
pub mod groups;
pub mod list_users;
pub mod pools;
pub mod reset_password;
pub mod users;
