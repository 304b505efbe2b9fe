//! The one integration-test binary. Every test boots the real server on port 0 against a fresh
//! SQLite file AND a fresh PostgreSQL database (see `helpers`), and drives it with real clients:
//! the AWS SDK for Rust (SigV4-signed) and raw HTTP for what SDKs refuse to send.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

mod account_helpers;
mod helpers;
mod mfa_helpers;
mod sms_sink;
mod smtp_sink;

mod api_account;
mod api_client_lists;
mod api_client_rules;
mod api_clients;
mod api_domains;
mod api_groups;
mod api_list_users;
mod api_mfa_challenge;
mod api_mfa_codes;
mod api_mfa_config;
mod api_mfa_enrol;
mod api_mfa_select;
mod api_mfa_settings;
mod api_mfa_store;
mod api_pools;
mod api_protocol;
mod api_rate_limits;
mod api_recovery;
mod api_resource_servers;
mod api_sign_in;
mod api_sign_in_srp;
mod api_sign_up;
mod api_sigv4;
mod api_ui_customization;
mod api_user_changes;
mod api_user_delivery;
mod api_user_states;
mod api_users;
mod apply;
mod cli;
mod concurrency;
mod config_nodes;
mod oauth_authorize_rules;
mod oauth_client_credentials;
mod oauth_code;
mod oauth_discovery;
mod oauth_helpers;
mod oauth_hosted_flow;
mod oauth_refresh_revoke;
mod oauth_userinfo;
mod sign_in_helpers;
mod store_reads;
mod tokens_claims;
mod tokens_helpers;
mod tokens_refresh;
mod tokens_revoke;
mod tokens_rotate;
mod trigger_helpers;
mod triggers_custom_auth;
mod triggers_hosted;
mod triggers_sign_in;
mod triggers_sign_up;
mod ui_helpers;
mod ui_login;
mod ui_mfa;
mod ui_mfa_codes;
mod ui_mfa_helpers;
mod ui_mfa_required;
mod ui_nodes;
mod ui_recovery;
mod ui_sign_up;
mod ui_sso;
mod user_helpers;
