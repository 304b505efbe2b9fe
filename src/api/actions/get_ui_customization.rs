//! GetUICustomization: the customization a client's pages show (its own, else the pool's with
//! `ClientId` "ALL"), or the pool's when `ClientId` is absent or "ALL".

use crate::api::wire::epoch;
use crate::domain::AuthError;
use crate::services::Services;
use crate::services::branding::{self, ALL_CLIENTS, UiCustomization};
use serde::Deserialize;
use serde_json::{Map, Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub client_id: Option<String>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let found = branding::get(svc, &req.user_pool_id, req.client_id.as_deref()).await?;
    Ok(json!({
        "UICustomization": ui_customization_type(svc, &req.user_pool_id, ALL_CLIENTS, found.as_ref()).await?
    }))
}

/// `UICustomizationType`: the stored customization, or only `UserPoolId` and `ClientId`
/// (`level`) when there is none.
pub async fn ui_customization_type(
    svc: &Services,
    pool_id: &str,
    level: &str,
    c: Option<&UiCustomization>,
) -> Result<Value, AuthError> {
    let mut m = Map::new();
    m.insert("UserPoolId".into(), json!(pool_id));
    let Some(c) = c else {
        m.insert("ClientId".into(), json!(level));
        return Ok(Value::Object(m));
    };
    m.insert("ClientId".into(), json!(c.client_id));
    if let Some(url) = branding::image_url(svc, c).await? {
        m.insert("ImageUrl".into(), json!(url));
    }
    if let Some(css) = &c.css {
        m.insert("CSS".into(), json!(css));
    }
    m.insert("CSSVersion".into(), json!(c.version.to_string()));
    m.insert("LastModifiedDate".into(), epoch(c.updated_at));
    m.insert("CreationDate".into(), epoch(c.created_at));
    Ok(Value::Object(m))
}
