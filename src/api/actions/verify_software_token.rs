//! VerifySoftwareToken: the first code from the authenticator makes the associated secret the
//! user's verified software token — for the signed-in user (AccessToken) or during MFA_SETUP
//! (Session, answered with the Session to respond to MFA_SETUP with).

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
    pub user_code: Option<String>,
    pub friendly_device_name: Option<String>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    v.required("UserCode", req.user_code.as_ref());
    if let Some(code) = &req.user_code
        && (code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(AuthError::InvalidParameter(
            "1 validation error detected: Value at 'userCode' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [0-9]+ and have length 6"
                .into(),
        ));
    }
    v.length(
        "FriendlyDeviceName",
        req.friendly_device_name.as_deref(),
        0,
        131072,
    );
    let Some(token) = req.access_token else {
        v.finish()?;
        let Some(session) = req.session.filter(|s| !s.is_empty()) else {
            return Err(AuthError::InvalidParameter(
                "Either AccessToken or Session is required.".into(),
            ));
        };
        let code = req.user_code.unwrap_or_default();
        let next =
            mfa::verify_with_session(svc, &session, &code, req.friendly_device_name.as_deref())
                .await?;
        return Ok(json!({ "Status": "SUCCESS", "Session": next }));
    };
    access_token(&mut v, &token);
    v.finish()?;
    let code = req.user_code.unwrap_or_default();
    mfa::verify_software_token(svc, &token, &code, req.friendly_device_name.as_deref()).await?;
    Ok(json!({ "Status": "SUCCESS" }))
}
