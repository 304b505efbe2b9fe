//! The hosted UI door (reference §1.3): server-rendered sign-in, sign-up, confirmation,
//! password recovery, new-password and MFA pages (askama, `templates/ui/`), reached through
//! `/oauth2/authorize` and carrying the authorization request from page to page. Each page is
//! a handler pair (`get` / `post`) over the services; nothing here decides a rule.
//!
//! - `page`: what every page shares (the checked request, layout, rendering, sign-in's end).
//! - `login`, `signup`, `confirm`, `confirm_user`, `forgot_password`,
//!   `confirm_forgot_password`, `reset_password`, `mfa`, `mfa_option`, `mfa_setup`,
//!   `error_page`: one module per page.
//! - `forms`, `inputs`: form data and the inputs' view-models; `error`: `AuthError` as a
//!   friendly sentence next to its field; `csrf`; `session`: the encrypted cookie.
//! - `assets`: the style sheet; `branding`: a pool's or client's custom CSS and logo.

pub mod assets;
pub mod branding;
pub mod confirm;
pub mod confirm_forgot_password;
pub mod confirm_user;
pub mod csrf;
pub mod error;
pub mod error_page;
pub mod forgot_password;
pub mod forms;
pub mod inputs;
pub mod login;
pub mod mfa;
pub mod mfa_option;
pub mod mfa_setup;
pub mod page;
pub mod passkey;
pub mod reset_password;
pub mod session;
pub mod signup;

use actix_web::web;

/// Mounts the static assets of the hosted pages (`/static/…`, shared by every pool).
pub fn configure_static(cfg: &mut web::ServiceConfig) {
    assets::configure(cfg);
}

/// Mounts the hosted pages (under `/{poolId}` and at the root of a pool domain).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login::get))
        .route("/login", web::post().to(login::post))
        .route("/signup", web::get().to(signup::get))
        .route("/signup", web::post().to(signup::post))
        .route("/confirm", web::get().to(confirm::get))
        .route("/confirm", web::post().to(confirm::post))
        .route("/confirmUser", web::get().to(confirm_user::get))
        .route("/forgotPassword", web::get().to(forgot_password::get))
        .route("/forgotPassword", web::post().to(forgot_password::post))
        .route("/resetPassword", web::get().to(reset_password::get))
        .route("/resetPassword", web::post().to(reset_password::post))
        .route("/mfa", web::get().to(mfa::get))
        .route("/mfa", web::post().to(mfa::post))
        .route("/mfaOption", web::get().to(mfa_option::get))
        .route("/mfaOption", web::post().to(mfa_option::post))
        .route("/mfaSetup", web::get().to(mfa_setup::get))
        .route("/mfaSetup", web::post().to(mfa_setup::post))
        .route("/passkey", web::get().to(passkey::get))
        .route("/passkey", web::post().to(passkey::post))
        .route("/passkeyPrompt", web::get().to(passkey::prompt_get))
        .route("/passkeyPrompt", web::post().to(passkey::prompt_post))
        .route("/error", web::get().to(error_page::get));
    for path in ["/confirmForgotPassword", "/confirmforgotPassword"] {
        cfg.route(path, web::get().to(confirm_forgot_password::get))
            .route(path, web::post().to(confirm_forgot_password::post));
    }
    branding::configure(cfg);
}
