//! AdminGetUser: the user's attributes (with `sub`), dates, Enabled and UserStatus. `UserMFASettingList` and
//! `PreferredMfaSetting` appear once the user has a factor enabled.

use super::shapes::{attribute_list, check_user_ref};
use crate::api::wire::epoch;
use crate::domain::AuthError;
use crate::services::admin::users;
use crate::services::{Services, mfa};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub username: String,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    check_user_ref(&req.user_pool_id, &req.username)?;
    let user = users::get_user(svc, &req.user_pool_id, &req.username).await?;
    let mut out = json!({
        "Username": user.username,
        "UserAttributes": attribute_list(&user, None),
        "UserCreateDate": epoch(user.created_at),
        "UserLastModifiedDate": epoch(user.updated_at),
        "Enabled": user.enabled,
        "UserStatus": user.status.as_str(),
    });
    crate::api::actions::shapes::add_mfa_settings(&mut out, &mfa::user_mfa(svc, &user).await?);
    Ok(out)
}
