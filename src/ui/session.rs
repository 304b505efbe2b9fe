//! The hosted UI's cookie: one signed and encrypted cookie per host (actix-session's cookie
//! store, private), holding per pool the id of the hosted-UI session (`sso:{poolId}`; the
//! server-side row is in `sso_sessions`), plus the CSRF token and the short-lived state of a
//! flow between pages (a challenge session, a just-signed-up user, a notice for the next
//! page). Nothing in it is readable or changeable by the browser.

use crate::clock::Millis;
use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionMiddleware};
use actix_web::cookie::{Key, SameSite, time::Duration};
use serde::{Deserialize, Serialize};

/// The cookie's name.
pub const COOKIE_NAME: &str = "tessera_ui";

/// How long this browser may sign in, without the password, the user it has just signed up
/// and confirmed.
pub const SIGNED_UP_LIFETIME_MS: i64 = 15 * 60 * 1000;

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

/// The user this browser has just signed up (`signed_up:{poolId}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedUp {
    pub sub: String,
    /// What was typed as the username.
    pub username: String,
    /// Where the code went, in words ("by email to j***@e***"), for the confirmation page.
    pub destination: Option<String>,
    /// When (epoch ms).
    pub at: Millis,
}

fn signed_up_key(pool_id: &str) -> String {
    format!("signed_up:{pool_id}")
}

/// Remembers the user this browser has just signed up.
pub fn set_signed_up(
    session: &Session,
    pool_id: &str,
    signed_up: &SignedUp,
) -> Result<(), actix_web::Error> {
    session.insert(signed_up_key(pool_id), signed_up)?;
    Ok(())
}

/// The user this browser signed up in the last [`SIGNED_UP_LIFETIME_MS`], if any.
pub fn signed_up(session: &Session, pool_id: &str, now: Millis) -> Option<SignedUp> {
    session
        .get::<SignedUp>(&signed_up_key(pool_id))
        .ok()
        .flatten()
        .filter(|s| now - s.at < SIGNED_UP_LIFETIME_MS && s.at <= now)
}

/// Forgets the signed-up user (once confirmed and signed in).
pub fn clear_signed_up(session: &Session, pool_id: &str) {
    session.remove(&signed_up_key(pool_id));
}

/// A NEW_PASSWORD_REQUIRED challenge waiting on the new-password page. The challenge
/// session string stays in the encrypted cookie, never in a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    pub session: String,
    pub username: String,
    /// Required attributes the user must still give.
    pub required_attributes: Vec<String>,
}

fn challenge_key(pool_id: &str) -> String {
    format!("challenge:{pool_id}")
}

/// Remembers a challenge for the new-password page.
pub fn set_challenge(
    session: &Session,
    pool_id: &str,
    challenge: &Challenge,
) -> Result<(), actix_web::Error> {
    session.insert(challenge_key(pool_id), challenge)?;
    Ok(())
}

/// The challenge waiting for this pool, if any.
pub fn challenge(session: &Session, pool_id: &str) -> Option<Challenge> {
    session
        .get::<Challenge>(&challenge_key(pool_id))
        .ok()
        .flatten()
}

/// Forgets the challenge (answered, or no longer usable).
pub fn clear_challenge(session: &Session, pool_id: &str) {
    session.remove(&challenge_key(pool_id));
}

/// An MFA challenge waiting on the MFA pages (`/mfa`, `/mfaOption`, `/mfaSetup`): the
/// challenge session string stays in the encrypted cookie, never in a page. `secret` is the
/// software token secret being set up (MFA_SETUP), shown again if the code is mistyped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaChallenge {
    pub challenge: String,
    pub session: String,
    pub username: String,
    pub parameters: std::collections::BTreeMap<String, String>,
    pub secret: Option<String>,
}

fn mfa_key(pool_id: &str) -> String {
    format!("mfa:{pool_id}")
}

/// Remembers an MFA challenge for the MFA pages.
pub fn set_mfa(
    session: &Session,
    pool_id: &str,
    challenge: &MfaChallenge,
) -> Result<(), actix_web::Error> {
    session.insert(mfa_key(pool_id), challenge)?;
    Ok(())
}

/// The MFA challenge waiting for this pool, if any.
pub fn mfa(session: &Session, pool_id: &str) -> Option<MfaChallenge> {
    session
        .get::<MfaChallenge>(&mfa_key(pool_id))
        .ok()
        .flatten()
}

/// Forgets the MFA challenge (answered, or no longer usable).
pub fn clear_mfa(session: &Session, pool_id: &str) {
    session.remove(&mfa_key(pool_id));
}

fn passkey_prompt_key(pool_id: &str) -> String {
    format!("passkeyprompt:{pool_id}")
}

/// Marks that this browser has just signed in and is offered to add a passkey: the prompt's
/// pages answer only then, once.
pub fn set_passkey_prompt(session: &Session, pool_id: &str) -> Result<(), actix_web::Error> {
    session.insert(passkey_prompt_key(pool_id), true)?;
    Ok(())
}

/// Whether the passkey prompt is waiting for this browser.
pub fn passkey_prompt_pending(session: &Session, pool_id: &str) -> bool {
    session
        .get::<bool>(&passkey_prompt_key(pool_id))
        .ok()
        .flatten()
        .unwrap_or(false)
}

/// The passkey prompt is answered.
pub fn clear_passkey_prompt(session: &Session, pool_id: &str) {
    session.remove(&passkey_prompt_key(pool_id));
}

fn passkey_declined_key(pool_id: &str) -> String {
    format!("nopasskey:{pool_id}")
}

/// Remembers that the user chose "Not now" at the passkey prompt: this browser is not asked
/// again.
pub fn decline_passkey(session: &Session, pool_id: &str) {
    if let Err(e) = session.insert(passkey_declined_key(pool_id), true) {
        tracing::error!(cause = %e, "storing the passkey prompt's answer in the cookie");
    }
}

/// Whether this browser declined the passkey prompt.
pub fn passkey_declined(session: &Session, pool_id: &str) -> bool {
    session
        .get::<bool>(&passkey_declined_key(pool_id))
        .ok()
        .flatten()
        .unwrap_or(false)
}

fn notice_key(pool_id: &str) -> String {
    format!("notice:{pool_id}")
}

/// Leaves a notice for the next page shown ("Password changed").
pub fn set_notice(session: &Session, pool_id: &str, notice: &str) -> Result<(), actix_web::Error> {
    session.insert(notice_key(pool_id), notice)?;
    Ok(())
}

/// Takes the notice left for this page, if any.
pub fn take_notice(session: &Session, pool_id: &str) -> Option<String> {
    session.remove_as::<String>(&notice_key(pool_id))?.ok()
}

fn federation_key(pool_id: &str) -> String {
    format!("federation:{pool_id}")
}

/// Remembers the federated sign-in this browser has gone upstream for (one per pool: a new
/// one replaces it).
pub fn set_federation(
    session: &Session,
    pool_id: &str,
    pending: &crate::services::federation::Pending,
) -> Result<(), actix_web::Error> {
    session.insert(federation_key(pool_id), pending)?;
    Ok(())
}

/// Takes the federated sign-in waiting for the upstream's answer: an answer is used once.
pub fn take_federation(
    session: &Session,
    pool_id: &str,
) -> Option<crate::services::federation::Pending> {
    session
        .remove_as::<crate::services::federation::Pending>(&federation_key(pool_id))?
        .ok()
}

/// A sign-out waiting for the identity provider's (`/oauth2/idplogout`): its `state`, and
/// where the browser goes next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamLogout {
    pub state: String,
    pub next: String,
}

fn upstream_logout_key(pool_id: &str) -> String {
    format!("logout:{pool_id}")
}

/// Remembers a sign-out gone to the identity provider.
pub fn set_upstream_logout(
    session: &Session,
    pool_id: &str,
    pending: &UpstreamLogout,
) -> Result<(), actix_web::Error> {
    session.insert(upstream_logout_key(pool_id), pending)?;
    Ok(())
}

/// Takes the sign-out waiting for the identity provider's.
pub fn take_upstream_logout(session: &Session, pool_id: &str) -> Option<UpstreamLogout> {
    session
        .remove_as::<UpstreamLogout>(&upstream_logout_key(pool_id))?
        .ok()
}
