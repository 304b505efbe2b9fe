//! Management use cases behind the SigV4-signed admin actions.

pub mod clients;
pub mod domains;
pub mod pools;
pub mod resource_servers;
