//! Management use cases behind the SigV4-signed admin actions.

pub mod pools;
