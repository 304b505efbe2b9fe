//! One file per Cognito action: its request and response shapes and a `handle` that calls one
//! service function. Shapes shared by several actions live in `shapes`.

pub mod shapes;

pub mod add_custom_attributes;
pub mod create_resource_server;
pub mod create_user_pool;
pub mod create_user_pool_client;
pub mod create_user_pool_domain;
pub mod delete_resource_server;
pub mod delete_user_pool;
pub mod delete_user_pool_client;
pub mod delete_user_pool_domain;
pub mod describe_resource_server;
pub mod describe_user_pool;
pub mod describe_user_pool_client;
pub mod describe_user_pool_domain;
pub mod list_resource_servers;
pub mod list_user_pool_clients;
pub mod list_user_pools;
pub mod update_resource_server;
pub mod update_user_pool;
pub mod update_user_pool_client;
pub mod update_user_pool_domain;
