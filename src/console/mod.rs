//! The admin console door (`{PUBLIC_URL}/admin/`): server-rendered pages (askama,
//! `templates/console/`) over the same services as the admin API, for operators signed in
//! through the operators' pool (`services::console`). Works without JavaScript. Every page
//! but sign-in needs an [`session::Operator`]; every form carries the CSRF token
//! ([`session::Form`]); every action is audited with the operator as its actor and ends in a
//! redirect to a page with a notice.
//!
//! - `auth`: sign-in through the hosted pages, the callback, sign-out.
//! - `pools`, `users`, `groups`, `clients`, `domain`, `resource_servers`,
//!   `identity_providers`, `branding`: one module per section of a pool.
//! - `page`: layout, rendering, the audited end of an action; `session`: the cookie.

pub mod auth;
pub mod branding;
pub mod clients;
pub mod domain;
pub mod groups;
pub mod identity_providers;
pub mod page;
pub mod pools;
pub mod resource_servers;
pub mod session;
pub mod users;

use crate::services::console::Console;
use actix_web::{HttpResponse, web};

/// The operators' pool, when the console could be set up (see `startup`).
pub struct ConsoleState {
    pub console: Option<Console>,
}

/// The console's routes, inside the `/admin` scope (cookie and security headers around it).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(|| async { page::see_other("/admin/") }))
        .route("/static/console.css", web::get().to(page::stylesheet))
        .route("/", web::get().to(pools::list))
        .route("/signin", web::get().to(auth::signin))
        .route("/callback", web::get().to(auth::callback))
        .route("/signout", web::post().to(auth::signout))
        .route("/pools", web::post().to(pools::create))
        .route("/pools/{pool}", web::get().to(pools::settings))
        .route("/pools/{pool}", web::post().to(pools::save))
        .route("/pools/{pool}/delete", web::post().to(pools::delete))
        .route("/pools/{pool}/users", web::get().to(users::list))
        .route("/pools/{pool}/users", web::post().to(users::create))
        .route(
            "/pools/{pool}/users/{username}",
            web::get().to(users::detail),
        )
        .route(
            "/pools/{pool}/users/{username}/delete",
            web::get().to(users::confirm_delete),
        )
        .route(
            "/pools/{pool}/users/{username}/{action}",
            web::post().to(users::act),
        )
        .route("/pools/{pool}/groups", web::get().to(groups::list))
        .route("/pools/{pool}/groups", web::post().to(groups::create))
        .route(
            "/pools/{pool}/groups/delete",
            web::post().to(groups::delete),
        )
        .route("/pools/{pool}/clients", web::get().to(clients::list))
        .route("/pools/{pool}/clients", web::post().to(clients::create))
        .route(
            "/pools/{pool}/clients/{client}",
            web::get().to(clients::detail),
        )
        .route(
            "/pools/{pool}/clients/{client}",
            web::post().to(clients::save),
        )
        .route(
            "/pools/{pool}/clients/{client}/delete",
            web::post().to(clients::delete),
        )
        .route("/pools/{pool}/domain", web::get().to(domain::show))
        .route("/pools/{pool}/domain", web::post().to(domain::create))
        .route(
            "/pools/{pool}/domain/delete",
            web::post().to(domain::delete),
        )
        .route(
            "/pools/{pool}/resource-servers",
            web::get().to(resource_servers::list),
        )
        .route(
            "/pools/{pool}/resource-servers",
            web::post().to(resource_servers::create),
        )
        .route(
            "/pools/{pool}/resource-servers/delete",
            web::post().to(resource_servers::delete),
        )
        .route(
            "/pools/{pool}/identity-providers",
            web::get().to(identity_providers::list),
        )
        .route(
            "/pools/{pool}/identity-providers",
            web::post().to(identity_providers::create),
        )
        .route(
            "/pools/{pool}/identity-providers/delete",
            web::post().to(identity_providers::delete),
        )
        .route("/pools/{pool}/branding", web::get().to(branding::show))
        .route("/pools/{pool}/branding", web::post().to(branding::save))
        .route(
            "/pools/{pool}/branding/preview",
            web::get().to(branding::preview),
        )
        .default_service(web::to(not_found));
}

async fn not_found() -> HttpResponse {
    page::error_page(
        actix_web::http::StatusCode::NOT_FOUND,
        "There is no such page in the console.",
    )
}
