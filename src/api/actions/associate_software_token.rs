//! AssociateSoftwareToken: a new TOTP secret as `SecretCode`, for the signed-in user
//! (AccessToken) or during MFA_SETUP (Session, answered with a new Session).

use super::self_service::access_token;
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::{Services, mfa};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub access_token: Option<String>,
    pub session: Option<String>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let Some(token) = req.access_token else {
        let Some(session) = req.session.filter(|s| !s.is_empty()) else {
            return Err(AuthError::InvalidParameter(
                "Either AccessToken or Session is required.".into(),
            ));
        };
        let (secret, next) = mfa::associate_with_session(svc, &session).await?;
        return Ok(json!({ "SecretCode": secret, "Session": next }));
    };
    let mut v = Violations::new();
    access_token(&mut v, &token);
    v.finish()?;
    let secret = mfa::associate_software_token(svc, &token).await?;
    Ok(json!({ "SecretCode": secret }))
}
