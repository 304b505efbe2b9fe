//! GetUser: the signed-in user's username and attributes (`sub` first). `UserMFASettingList` and
//! `PreferredMfaSetting` appear once the user has a factor enabled.

use super::self_service::access_token;
use super::shapes::attribute_list;
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::Services;
use crate::services::account;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub access_token: String,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    access_token(&mut v, &req.access_token);
    v.finish()?;
    let (user, mfa) = account::get_user(svc, &req.access_token).await?;
    let mut out = json!({
        "Username": user.username,
        "UserAttributes": attribute_list(&user, None),
    });
    crate::api::actions::shapes::add_mfa_settings(&mut out, &mfa);
    Ok(out)
}
