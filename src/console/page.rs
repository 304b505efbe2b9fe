//! What every console page shares: the layout's view-model (title, operator, CSRF token, the
//! notice left by the last action, the pool's navigation), rendering, the error page, and
//! the end of every action: audited with the operator as actor, then back to a page with a
//! notice (POST, redirect, GET).

use super::session::{Flash, Operator, set_flash, take_flash};
use crate::domain::AuthError;
use crate::domain::audit::{ADMIN, AuditEvent};
use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use askama::Template;

/// The console's style sheet, served after the hosted pages' theme.
pub const STYLESHEET: &str = include_str!("../../static/css/console.css");
/// Where it is served.
pub const STYLESHEET_PATH: &str = "/admin/static/console.css";

/// The layout's view-model (`templates/console/base.html`).
pub struct Chrome {
    pub title: String,
    /// The signed-in operator ("" on the error page).
    pub operator: String,
    pub csrf: String,
    pub flash: Option<Flash>,
    pub pool: Option<PoolNav>,
    pub stylesheets: Vec<String>,
}

/// The pool a page is about, and which of its sections is shown.
pub struct PoolNav {
    pub id: String,
    pub name: String,
    pub section: &'static str,
    /// Whether users sign in with their email address (UsernameAttributes).
    pub email_usernames: bool,
}

impl PoolNav {
    /// The sections, as (path under the pool, label, key).
    pub fn sections(&self) -> [(&'static str, &'static str); 8] {
        [
            ("", "Settings"),
            ("/users", "Users"),
            ("/groups", "Groups"),
            ("/clients", "App clients"),
            ("/domain", "Domain"),
            ("/resource-servers", "Resource servers"),
            ("/identity-providers", "Identity providers"),
            ("/branding", "Branding"),
        ]
    }

    /// Whether `label` names the section shown.
    pub fn is_current(&self, label: &str) -> bool {
        self.section == label
    }

    /// The pool's console URL plus `path`.
    pub fn href(&self, path: &str) -> String {
        format!("/admin/pools/{}{path}", self.id)
    }
}

static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(STYLESHEET.as_bytes()))[..16].to_string()
});

fn stylesheets() -> Vec<String> {
    vec![
        crate::ui::assets::stylesheet_url(),
        format!("{STYLESHEET_PATH}?v={}", *VERSION),
    ]
}

impl Operator {
    /// The layout of a page, taking the notice the last action left.
    pub fn chrome(&self, title: &str, pool: Option<PoolNav>) -> Chrome {
        Chrome {
            title: title.to_string(),
            operator: self.username.clone(),
            csrf: self.csrf.clone(),
            flash: take_flash(&self.cookie),
            pool,
            stylesheets: stylesheets(),
        }
    }

    /// The navigation of pool `pool_id`, or the page for a pool that does not exist.
    pub async fn pool_nav(
        &self,
        pool_id: &str,
        section: &'static str,
    ) -> Result<PoolNav, HttpResponse> {
        match self.svc.require_pool(pool_id).await {
            Ok(pool) => Ok(PoolNav {
                email_usernames: pool
                    .settings
                    .username_attributes
                    .iter()
                    .any(|a| a == "email"),
                id: pool.id,
                name: pool.name,
                section,
            }),
            Err(AuthError::ResourceNotFound(_)) => Err(error_page(
                StatusCode::NOT_FOUND,
                "There is no such user pool.",
            )),
            Err(e) => Err(self.fault(&e)),
        }
    }

    /// Records an action in the audit trail: the operator as actor, Cognito's name for the
    /// action, the pool and the target; a failure's Cognito exception as the reason.
    pub fn audit<T>(
        &self,
        action: &str,
        pool_id: Option<&str>,
        target: Option<&str>,
        result: &Result<T, AuthError>,
    ) {
        let mut record = AuditEvent::new(
            ADMIN,
            action,
            if result.is_ok() { "success" } else { "failure" },
        );
        record.actor = Some(format!("operator:{}", self.username));
        record.pool_id = pool_id.map(str::to_string);
        record.target = target.map(|t| t.chars().take(256).collect());
        record.reason = result.as_ref().err().map(|e| e.type_name().to_string());
        self.svc.audit.record(record, self.svc.now());
    }

    /// The end of an action: audited, then back to `back` with `done` or the error as the
    /// notice.
    pub fn finish<T>(
        &self,
        back: &str,
        action: &str,
        pool_id: Option<&str>,
        target: Option<&str>,
        result: Result<T, AuthError>,
        done: &str,
    ) -> HttpResponse {
        self.audit(action, pool_id, target, &result);
        self.notify(back, result, done)
    }

    /// Back to `back` with `done` or the error as the notice (the action audited already).
    pub fn notify<T>(&self, back: &str, result: Result<T, AuthError>, done: &str) -> HttpResponse {
        let flash = match result {
            Ok(_) => Flash {
                error: false,
                text: done.to_string(),
            },
            Err(e) => Flash {
                error: true,
                text: self.explain(&e),
            },
        };
        set_flash(&self.cookie, &flash);
        see_other(back)
    }

    /// An error in words for the operator: the service's own message, or a generic one for
    /// a fault of ours (logged).
    pub fn explain(&self, e: &AuthError) -> String {
        match e {
            AuthError::Internal(_) => {
                tracing::error!(cause = %e, "console action failed");
                "Something went wrong on the server; see its log.".to_string()
            }
            e => format!("{}: {e}", e.type_name().trim_end_matches("Exception")),
        }
    }

    /// The page for a fault of ours while reading (logged).
    pub fn fault(&self, e: &AuthError) -> HttpResponse {
        match e {
            AuthError::ResourceNotFound(_) | AuthError::UserNotFound(_) => {
                error_page(StatusCode::NOT_FOUND, &e.to_string())
            }
            e => {
                tracing::error!(cause = %e, "console page failed");
                error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on the server; see its log.",
                )
            }
        }
    }
}

/// `303 See Other` to `url`; to the console's home when `url` cannot be a header (a path
/// segment with control characters).
pub fn see_other(url: &str) -> HttpResponse {
    let location = header::HeaderValue::from_str(url)
        .unwrap_or_else(|_| header::HeaderValue::from_static("/admin/"));
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// A rendered page.
pub fn render(page: &impl Template) -> HttpResponse {
    render_status(StatusCode::OK, page)
}

/// A rendered page with `status`.
pub fn render_status(status: StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(e) => {
            tracing::error!(cause = %e, "rendering a console page");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("Something went wrong on the server; see its log.")
        }
    }
}

#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorView {
    chrome: Chrome,
    description: String,
}

/// The console's error page.
pub fn error_page(status: StatusCode, description: &str) -> HttpResponse {
    render_status(
        status,
        &ErrorView {
            chrome: Chrome {
                title: "Something is wrong".into(),
                operator: String::new(),
                csrf: String::new(),
                flash: None,
                pool: None,
                stylesheets: stylesheets(),
            },
            description: description.to_string(),
        },
    )
}

/// Serves the console's style sheet.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(STYLESHEET)
}

/// The lines of a text area, trimmed, without empty ones.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// A URL path segment, escaped.
pub fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
