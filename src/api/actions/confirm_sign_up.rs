//! ConfirmSignUp: the confirmation code makes the user CONFIRMED; for a client with
//! ALLOW_USER_AUTH, a `Session` to sign in with at once (InitiateAuth USER_AUTH).

use super::self_service::{code, user_ref};
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::Services;
use crate::services::sign_up;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub client_id: String,
    pub secret_hash: Option<String>,
    pub username: String,
    pub confirmation_code: String,
    #[serde(default)]
    pub force_alias_creation: bool,
    #[serde(default)]
    pub client_metadata: crate::services::triggers::Metadata,
    /// SignUp's session: accepted (any confirmation of this user continues the same way).
    pub session: Option<String>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    let r = user_ref(&mut v, req.client_id, req.username, req.secret_hash);
    code(&mut v, "ConfirmationCode", &req.confirmation_code);
    v.finish()?;
    let session = sign_up::confirm_sign_up(
        svc,
        r,
        &req.confirmation_code,
        req.force_alias_creation,
        &req.client_metadata,
    )
    .await?;
    Ok(match session {
        Some(s) => json!({ "Session": s }),
        None => json!({}),
    })
}
