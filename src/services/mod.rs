//! Use cases. Each public function takes the [`Services`] (store, clock, hasher, delivery),
//! validated input, and returns a domain outcome or an [`AuthError`]. No actix, no sqlx here:
//! the front doors call these and render the result in their own dialect.

pub mod account;
pub mod admin;
pub mod admin_keys;
pub mod apply;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod branding;
pub mod client_auth;
pub mod client_cache;
pub mod client_tokens;
pub mod codes;
pub mod cognito_migration;
pub mod console;
pub mod devices;
pub mod federation;
pub mod keys;
pub mod master_key;
pub mod mfa;
pub mod migration;
pub mod oauth;
pub mod passkeys;
pub mod passwords;
pub mod pool_secret;
pub mod rate_limit;
pub mod recovery;
pub mod sign_up;
pub mod tokens;
pub mod triggers;
pub mod user_import;
pub mod user_transfer;

use crate::clock::{Clock, Millis};
use crate::crypto::password::PasswordHasherPool;
use crate::delivery::Delivery;
use crate::domain::AuthError;
use crate::domain::pool::UserPool;
use crate::store::Store;

/// Everything a use case may touch. Built once by `startup`.
#[derive(Clone, Debug)]
pub struct Services {
    pub store: Store,
    pub clock: Clock,
    pub hasher: PasswordHasherPool,
    pub delivery: Delivery,
    /// Prefix of new pool ids (`TESSERA_REGION`).
    pub region: String,
    /// Base URL of this server (`TESSERA_PUBLIC_URL`), without a trailing slash.
    pub public_url: String,
    /// Parent domain of pool prefix domains (`TESSERA_AUTH_DOMAIN`).
    pub auth_domain: Option<String>,
    /// Parsed signing keys and rendered JWKS / discovery documents (see `keys`).
    pub keys: std::sync::Arc<keys::KeyCache>,
    /// App clients and their pools, checked against the pool's configuration counter (see
    /// `client_cache`).
    pub clients: std::sync::Arc<client_cache::ClientCache>,
    /// Calls the pools' trigger functions and webhooks.
    pub triggers: std::sync::Arc<crate::triggers::Invoker>,
    /// Talks to upstream identity providers.
    pub federation: std::sync::Arc<crate::federation::Upstreams>,
    /// Asks Amazon Cognito pools that users migrate from (`cognito_migration`).
    pub cognito: std::sync::Arc<crate::aws::cognito::CognitoClient>,
    /// Appends to the audit trail.
    pub audit: audit::AuditLog,
}

impl Services {
    /// The current time from the injected clock.
    pub fn now(&self) -> Millis {
        self.clock.now()
    }

    /// Loads a pool or fails with Cognito's ResourceNotFoundException.
    pub async fn require_pool(&self, pool_id: &str) -> Result<UserPool, AuthError> {
        self.store
            .get_pool(pool_id)
            .await?
            .ok_or_else(|| AuthError::pool_not_found(pool_id))
    }

    /// The pool's ARN, in AWS's format with a fixed account id.
    pub fn pool_arn(&self, pool_id: &str) -> String {
        format!(
            "arn:aws:cognito-idp:{}:{}:userpool/{pool_id}",
            self.region, ACCOUNT_ID
        )
    }
}

/// The account id Tessera reports where AWS shows one (ARNs, DescribeUserPoolDomain).
pub const ACCOUNT_ID: &str = "000000000000";

/// Encodes an opaque pagination token.
pub fn encode_token(value: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.as_bytes())
}

/// Decodes a pagination token made by [`encode_token`]; a bad token is the caller's error.
pub fn decode_token(token: &str) -> Result<String, AuthError> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.as_bytes())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| AuthError::InvalidParameter("Invalid pagination token.".into()))
}

/// A page of items and the token for the next page.
pub type Page<T> = (Vec<T>, Option<String>);

/// Turns `limit + 1` rows fetched in key order into a page of `limit` and, when there was a
/// further row, the token that resumes after the page's last key.
pub fn paginate<T>(mut items: Vec<T>, limit: i64, key: impl Fn(&T) -> String) -> Page<T> {
    if items.len() as i64 > limit {
        items.truncate(limit.max(0) as usize);
        let next = items.last().map(|i| encode_token(&key(i)));
        (items, next)
    } else {
        (items, None)
    }
}

/// Checks a `MaxResults`/`Limit` page size and returns it with Cognito's default for 0/absent.
pub fn page_size(value: Option<i64>, member: &str, max: i64) -> Result<i64, AuthError> {
    let mut v = crate::domain::validate::Violations::new();
    v.range(member, value, 0, max);
    v.finish()?;
    Ok(match value {
        None | Some(0) => max,
        Some(n) => n,
    })
}
