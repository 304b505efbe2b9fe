//! `/oauth2/userInfo` (reference §1.6, OpenID Connect Core §5.3): the signed-in user's claims,
//! as the access token's scopes allow.

use crate::domain::oauth_error::OAuthError;
use crate::services::Services;
use serde_json::{Map, Value};

/// The claims for a bearer access token of the pool `pool_id`.
pub async fn userinfo(
    svc: &Services,
    pool_id: &str,
    access_token: &str,
) -> Result<Map<String, Value>, OAuthError> {
    let _ = (svc, pool_id, access_token);
    Err(OAuthError::server_error())
}
