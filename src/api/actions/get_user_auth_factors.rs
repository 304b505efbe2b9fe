//! GetUserAuthFactors: the signed-in user's MFA settings and `ConfiguredUserAuthFactors`, the
//! first factors choice-based sign-in (USER_AUTH) can use for them.

use super::self_service::access_token;
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
    let (user, mfa, factors) = account::auth_factors(svc, &req.access_token).await?;
    let mut out = json!({
        "Username": user.username,
        "ConfiguredUserAuthFactors": factors,
    });
    super::shapes::add_mfa_settings(&mut out, &mfa);
    Ok(out)
}
