//! Hosted-UI branding (reference §5.12): SetUICustomization / GetUICustomization store a CSS
//! text and a logo for the whole pool (`ClientId` "ALL") or for one client; a client's own
//! customization wins over the pool's, as a whole (a client with only CSS shows no pool logo).
//!
//! Unlike Cognito, which accepts only its `*-customizable` classes, Tessera accepts any selector:
//! the CSS is served as a separate `text/css` resource under a `style-src 'self'` policy, and
//! [`css::check`] refuses what could load anything from elsewhere. Logos are PNG or JPEG (told
//! by their first bytes, whatever the caller claims), at most 100 KB.

pub mod css;

use crate::domain::AuthError;
use crate::services::Services;
use crate::store::ui_customizations::{UiCustomizationRow, UiCustomizationWrite};
use base64::Engine;

/// The `ClientId` of the pool-wide customization.
pub const ALL_CLIENTS: &str = "ALL";

/// The largest logo accepted, in bytes (Cognito's limit).
pub const MAX_LOGO_BYTES: usize = 100 * 1024;

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

impl From<UiCustomizationRow> for UiCustomization {
    fn from(r: UiCustomizationRow) -> Self {
        UiCustomization {
            pool_id: r.pool_id,
            client_id: r.client_id,
            css: r.css,
            image_type: r.image_type,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A logo as the logo route serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// The version of the customization it belongs to.
    pub version: i64,
}

/// The level a `ClientId` member names: "ALL" when absent.
fn level(client_id: Option<&str>) -> &str {
    match client_id {
        None => ALL_CLIENTS,
        Some(id) => id,
    }
}

/// Checks that the pool exists and, for a client level, that the client belongs to it.
async fn require_level(svc: &Services, pool_id: &str, level: &str) -> Result<(), AuthError> {
    svc.require_pool(pool_id).await?;
    if level != ALL_CLIENTS && svc.store.get_client(pool_id, level).await?.is_none() {
        return Err(AuthError::client_not_found(level));
    }
    Ok(())
}

/// The content type of a PNG or JPEG image, told by its first bytes.
pub fn image_type(bytes: &[u8]) -> Result<&'static str, AuthError> {
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(AuthError::InvalidParameter(format!(
            "The image file is {} bytes; the largest accepted is {MAX_LOGO_BYTES} bytes (100 KB).",
            bytes.len()
        ).into()));
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok("image/jpeg")
    } else {
        Err(AuthError::InvalidParameter(
            "The image file must be a PNG or JPEG image.".into(),
        ))
    }
}

/// SetUICustomization: replaces the customization of the pool (`client_id` None or "ALL") or
/// of one of its clients. With neither CSS nor an image, the level's customization is removed
/// and None is returned.
pub async fn set(
    svc: &Services,
    pool_id: &str,
    client_id: Option<&str>,
    css: Option<&str>,
    image: Option<&[u8]>,
) -> Result<Option<UiCustomization>, AuthError> {
    let css = css.filter(|c| !c.is_empty());
    let image = image.filter(|i| !i.is_empty());
    if let Some(css) = css {
        css::check(css)?;
    }
    let image = image
        .map(|bytes| {
            image_type(bytes).map(|t| (t, base64::engine::general_purpose::STANDARD.encode(bytes)))
        })
        .transpose()?;
    let level = level(client_id);
    require_level(svc, pool_id, level).await?;
    if css.is_none() && image.is_none() {
        svc.store.delete_ui_customization(pool_id, level).await?;
        return Ok(None);
    }
    let row = svc
        .store
        .put_ui_customization(&UiCustomizationWrite {
            pool_id,
            client_id: level,
            css,
            image: image.as_ref().map(|(t, b)| (*t, b.as_str())),
            now: svc.now(),
        })
        .await?;
    Ok(Some(row.into()))
}

/// GetUICustomization: the customization that applies to the client (its own, else the
/// pool's), or the pool's for `client_id` None or "ALL". None when nothing applies.
pub async fn get(
    svc: &Services,
    pool_id: &str,
    client_id: Option<&str>,
) -> Result<Option<UiCustomization>, AuthError> {
    let level = level(client_id);
    require_level(svc, pool_id, level).await?;
    effective(svc, pool_id, Some(level)).await
}

/// The customization that applies to a client's pages: the client's own, else the pool's
/// (`client_id` None: the pool's).
pub async fn effective(
    svc: &Services,
    pool_id: &str,
    client_id: Option<&str>,
) -> Result<Option<UiCustomization>, AuthError> {
    if let Some(client_id) = client_id.filter(|c| *c != ALL_CLIENTS)
        && let Some(own) = svc.store.get_ui_customization(pool_id, client_id).await?
    {
        return Ok(Some(own.into()));
    }
    Ok(svc
        .store
        .get_ui_customization(pool_id, ALL_CLIENTS)
        .await?
        .map(UiCustomization::from))
}

/// The logo shown on a client's pages (see [`effective`]), if that customization has one.
pub async fn effective_logo(
    svc: &Services,
    pool_id: &str,
    client_id: Option<&str>,
) -> Result<Option<Logo>, AuthError> {
    let Some(c) = effective(svc, pool_id, client_id).await? else {
        return Ok(None);
    };
    let Some((content_type, data)) = svc.store.get_ui_logo(pool_id, &c.client_id).await? else {
        return Ok(None);
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|e| AuthError::Internal(format!("stored logo of {pool_id}: {e}")))?;
    Ok(Some(Logo {
        content_type,
        bytes,
        version: c.version,
    }))
}

/// The path, under a pool's base URL, of the logo of a customization (`/ui/logo?…`), with its
/// version so that browsers fetch a changed logo at once.
pub fn logo_path(c: &UiCustomization) -> String {
    format!("/ui/logo?client_id={}&v={}", c.client_id, c.version)
}

/// The path, under a pool's base URL, of the CSS of a customization (`/ui/custom.css?…`).
pub fn css_path(c: &UiCustomization) -> String {
    format!("/ui/custom.css?client_id={}&v={}", c.client_id, c.version)
}

/// The absolute URL of a customization's logo (`ImageUrl`), when it has one.
pub async fn image_url(svc: &Services, c: &UiCustomization) -> Result<Option<String>, AuthError> {
    if c.image_type.is_none() {
        return Ok(None);
    }
    let base = crate::services::oauth::site::public_base(svc, &c.pool_id).await?;
    Ok(Some(format!("{base}{}", logo_path(c))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_types_by_magic_bytes() {
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\nrest"), Ok("image/png"));
        assert_eq!(image_type(&[0xFF, 0xD8, 0xFF, 0xE0, 0]), Ok("image/jpeg"));
        for bad in [&b"GIF89a"[..], b"<svg/>", b"\x89PNG", b""] {
            assert!(matches!(
                image_type(bad),
                Err(AuthError::InvalidParameter(_))
            ));
        }
        let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
        big.resize(MAX_LOGO_BYTES + 1, 0);
        assert_eq!(
            image_type(&big),
            Err(AuthError::InvalidParameter(
                format!(
                    "The image file is {} bytes; the largest accepted is 102400 bytes (100 KB).",
                    MAX_LOGO_BYTES + 1
                )
                .into()
            ))
        );
        big.truncate(MAX_LOGO_BYTES);
        assert_eq!(image_type(&big), Ok("image/png"));
    }
}
