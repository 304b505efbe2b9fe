//! The hosted UI's cookie: one signed and encrypted cookie per host (actix-session's cookie
//! store, private), holding per pool the id of the hosted-UI session (`sso:{poolId}`; the
//! server-side row is in `sso_sessions`), plus the CSRF token and the short-lived state of a
//! flow between pages (a challenge session, a just-signed-up user). Nothing in it is readable
//! or changeable by the browser.

use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionMiddleware};
use actix_web::cookie::{Key, SameSite, time::Duration};

/// The cookie's name.
pub const COOKIE_NAME: &str = "tessera_ui";

/// The session middleware for the hosted pages and the authorize / logout endpoints.
/// `secure` marks the cookie HTTPS-only (when PUBLIC_URL is https).
pub fn middleware(key: &[u8], secure: bool) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), Key::from(key))
        .cookie_name(COOKIE_NAME.to_string())
        .cookie_secure(secure)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_path("/".to_string())
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(PersistentSession::default().session_ttl(Duration::hours(1)))
        .build()
}

fn sso_key(pool_id: &str) -> String {
    format!("sso:{pool_id}")
}

/// The hosted-UI session id this browser holds for the pool.
pub fn sso_id(session: &Session, pool_id: &str) -> Option<String> {
    session.get::<String>(&sso_key(pool_id)).ok().flatten()
}

/// Remembers the hosted-UI session id for the pool.
pub fn set_sso_id(session: &Session, pool_id: &str, id: &str) -> Result<(), actix_web::Error> {
    session.insert(sso_key(pool_id), id)?;
    Ok(())
}

/// Forgets the pool's hosted-UI session id (sign-out).
pub fn clear_sso_id(session: &Session, pool_id: &str) {
    session.remove(&sso_key(pool_id));
}
