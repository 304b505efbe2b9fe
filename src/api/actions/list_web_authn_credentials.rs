//! ListWebAuthnCredentials: the signed-in user's passkeys (`MaxResults` 0–20, `NextToken`).

use super::self_service::access_token;
use crate::api::wire::epoch;
use crate::domain::AuthError;
use crate::domain::passkeys::PasskeyCredential;
use crate::domain::validate::Violations;
use crate::services::{Services, page_size, passkeys};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub access_token: String,
    pub max_results: Option<i64>,
    pub next_token: Option<String>,
}

/// `WebAuthnCredentialDescription`.
fn description(c: &PasskeyCredential) -> Value {
    let mut out = json!({
        "CredentialId": c.credential_id,
        "RelyingPartyId": c.relying_party_id,
        "AuthenticatorTransports": c.transports,
        "CreatedAt": epoch(c.created_at),
    });
    if let Some(name) = &c.friendly_name {
        out["FriendlyCredentialName"] = json!(name);
    }
    if let Some(attachment) = &c.attachment {
        out["AuthenticatorAttachment"] = json!(attachment);
    }
    out
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    access_token(&mut v, &req.access_token);
    v.finish()?;
    let max = page_size(req.max_results, "MaxResults", 20)?;
    let (found, next) =
        passkeys::list(svc, &req.access_token, max, req.next_token.as_deref()).await?;
    let mut out = json!({ "Credentials": found.iter().map(description).collect::<Vec<_>>() });
    if let Some(token) = next {
        out["NextToken"] = json!(token);
    }
    Ok(out)
}
