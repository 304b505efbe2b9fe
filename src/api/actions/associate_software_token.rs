//! AssociateSoftwareToken (with an AccessToken): a new TOTP secret as `SecretCode`. The Session
//! form (MFA_SETUP during sign-in) comes with the MFA challenges.

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
        return Err(AuthError::InvalidParameter(if req.session.is_some() {
            "AssociateSoftwareToken with a Session is not served yet.".into()
        } else {
            "Either AccessToken or Session is required.".into()
        }));
    };
    let mut v = Violations::new();
    access_token(&mut v, &token);
    v.finish()?;
    let secret = mfa::associate_software_token(svc, &token).await?;
    Ok(json!({ "SecretCode": secret }))
}
