//! Hosted-UI branding (reference §5.12): SetUICustomization / GetUICustomization store a CSS
//! text and a logo for the whole pool (`ClientId` "ALL") or for one client; a client's own
//! customization wins over the pool's.

use crate::domain::AuthError;
use crate::services::Services;

/// A stored customization (without the logo bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiCustomization {
    pub pool_id: String,
    /// "ALL" for the pool-wide customization, else the client id.
    pub client_id: String,
    pub css: Option<String>,
    /// `image/png` or `image/jpeg` when a logo is stored.
    pub image_type: Option<String>,
    /// Bumped by every change; pages add it to asset URLs so browsers refetch.
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The customization that applies to a client's pages: the client's own, else the pool's
/// (`client_id` None: the pool's).
pub async fn effective(
    svc: &Services,
    pool_id: &str,
    client_id: Option<&str>,
) -> Result<Option<UiCustomization>, AuthError> {
    let _ = (svc, pool_id, client_id);
    Ok(None)
}
