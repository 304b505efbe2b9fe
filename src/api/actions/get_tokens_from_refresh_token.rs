//! GetTokensFromRefreshToken: new ID and access tokens for a refresh token, and a new refresh
//! token when the client has RefreshTokenRotation enabled. Public (no SigV4).

use super::revoke_token::check_token;
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::Services;
use crate::services::tokens::AuthenticationResult;
use crate::services::{client_auth, tokens};
use serde::Deserialize;
use serde_json::{Map, Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub refresh_token: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Accepted; device tracking is not implemented.
    pub device_key: Option<String>,
    /// Accepted for the (future) pre-token-generation trigger.
    pub client_metadata: Option<Value>,
}

/// `AuthenticationResultType` on the wire (also what InitiateAuth returns).
pub fn authentication_result(result: &AuthenticationResult) -> Value {
    let mut m = Map::new();
    m.insert("AccessToken".into(), json!(result.access_token));
    m.insert("ExpiresIn".into(), json!(result.expires_in));
    m.insert("TokenType".into(), json!("Bearer"));
    if let Some(refresh) = &result.refresh_token {
        m.insert("RefreshToken".into(), json!(refresh));
    }
    m.insert("IdToken".into(), json!(result.id_token));
    Value::Object(m)
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
    let _ = req.client_metadata;
    let (pool, client) = client_auth::load_client(svc, &client_id).await?;
    client_auth::check_client_secret(&client, req.client_secret.as_deref())?;
    if !client.auth_flow_allowed("REFRESH_TOKEN_AUTH") {
        return Err(AuthError::InvalidParameter(
            "REFRESH_TOKEN_AUTH flow not enabled for this client".into(),
        ));
    }
    let result = tokens::refresh(svc, &pool, &client, &refresh_token, true).await?;
    Ok(json!({ "AuthenticationResult": authentication_result(&result) }))
}
