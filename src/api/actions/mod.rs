//! One file per Cognito action: its request and response shapes and a `handle` that calls one
//! service function. Shapes shared by several actions live in `shapes`.

pub mod shapes;

pub mod add_custom_attributes;
pub mod admin_add_user_to_group;
pub mod admin_confirm_sign_up;
pub mod admin_create_user;
pub mod admin_delete_user;
pub mod admin_delete_user_attributes;
pub mod admin_disable_user;
pub mod admin_enable_user;
pub mod admin_get_user;
pub mod admin_list_groups_for_user;
pub mod admin_remove_user_from_group;
pub mod admin_reset_user_password;
pub mod admin_set_user_password;
pub mod admin_update_user_attributes;
pub mod create_group;
pub mod create_resource_server;
pub mod create_user_pool;
pub mod create_user_pool_client;
pub mod create_user_pool_domain;
pub mod delete_group;
pub mod delete_resource_server;
pub mod delete_user_pool;
pub mod delete_user_pool_client;
pub mod delete_user_pool_domain;
pub mod describe_resource_server;
pub mod describe_user_pool;
pub mod describe_user_pool_client;
pub mod describe_user_pool_domain;
pub mod get_group;
pub mod list_groups;
pub mod list_resource_servers;
pub mod list_user_pool_clients;
pub mod list_user_pools;
pub mod list_users;
pub mod list_users_in_group;
pub mod update_group;
pub mod update_resource_server;
pub mod update_user_pool;
pub mod update_user_pool_client;
pub mod update_user_pool_domain;
