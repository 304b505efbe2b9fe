//! One file per Cognito action: its request and response shapes and a `handle` that calls one
//! service function. Shapes shared by several actions live in `shapes`.

pub mod shapes;

pub mod add_custom_attributes;
pub mod create_user_pool;
pub mod delete_user_pool;
pub mod describe_user_pool;
pub mod list_user_pools;
pub mod update_user_pool;
