//! SetUICustomization: CSS and a logo (`ImageFile`, base64 on the wire) for the whole pool
//! (`ClientId` absent or "ALL") or one of its clients; neither member removes that level's
//! customization. The rules are in `services::branding`.

use super::get_ui_customization::ui_customization_type;
use crate::domain::AuthError;
use crate::services::Services;
use crate::services::branding::{self, ALL_CLIENTS};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub client_id: Option<String>,
    #[serde(rename = "CSS")]
    pub css: Option<String>,
    /// The logo's bytes, base64-encoded (an AWS JSON blob).
    pub image_file: Option<String>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let image = req
        .image_file
        .as_deref()
        .map(|text| {
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|_| AuthError::InvalidParameter("ImageFile is not valid base64.".into()))
        })
        .transpose()?;
    let client_id = req.client_id.as_deref();
    let stored = branding::set(
        svc,
        &req.user_pool_id,
        client_id,
        req.css.as_deref(),
        image.as_deref(),
    )
    .await?;
    let level = client_id.unwrap_or(ALL_CLIENTS);
    Ok(json!({
        "UICustomization": ui_customization_type(svc, &req.user_pool_id, level, stored.as_ref()).await?
    }))
}
