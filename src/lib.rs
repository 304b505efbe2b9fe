//! Tessera: a self-hosted user directory and sign-in service compatible with Amazon Cognito
//! User Pools. This file only lists the modules; `startup` wires them together.
//!
//! Dependencies point downward: doors (`api`, `oauth`, `ui`, `console`, with `http`'s middleware) →
//! `services` → (`crypto`, `store`, `delivery`) → `domain`.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod api;
pub mod aws;
pub mod clock;
pub mod config;
pub mod console;
pub mod crypto;
pub mod delivery;
pub mod domain;
pub mod federation;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod metrics;
pub mod oauth;
pub mod services;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod triggers;
pub mod ui;
