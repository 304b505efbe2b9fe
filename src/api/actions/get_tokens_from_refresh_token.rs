//! GetTokensFromRefreshToken: new ID and access tokens for a refresh token, and a new refresh
//! token when the client has RefreshTokenRotation enabled. Public (no SigV4).

use super::auth_result::authentication_result;
use super::revoke_token::check_token;
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::Services;
use crate::services::client_tokens;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub refresh_token: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// The remembered device the sign-in was made on (required for such sign-ins).
    pub device_key: Option<String>,
    /// For the PreTokenGeneration trigger.
    #[serde(default)]
    pub client_metadata: crate::services::triggers::Metadata,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    check_token(&mut v, "RefreshToken", req.refresh_token.as_deref());
    v.required("ClientId", req.client_id.as_ref());
    v.length("ClientId", req.client_id.as_deref(), 1, 128);
    v.length("DeviceKey", req.device_key.as_deref(), 1, 55);
    v.finish()?;
    let (Some(refresh_token), Some(client_id)) = (req.refresh_token, req.client_id) else {
        return Err(AuthError::InvalidParameter(
            "RefreshToken and ClientId are required.".into(),
        ));
    };
    let result = client_tokens::refresh(
        svc,
        &client_id,
        req.client_secret.as_deref(),
        &refresh_token,
        Some(&req.client_metadata),
        req.device_key.as_deref(),
    )
    .await?;
    Ok(json!({ "AuthenticationResult": authentication_result(&result) }))
}
