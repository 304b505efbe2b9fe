//! GlobalSignOut: the caller (by access token) signs out everywhere: every refresh token of the
//! user stops working and every access token of the user is refused by Tessera.

use super::revoke_token::check_token;
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::Services;
use crate::services::tokens;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub access_token: Option<String>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    check_token(&mut v, "AccessToken", req.access_token.as_deref());
    v.finish()?;
    let token = req.access_token.unwrap_or_default();
    let ctx = tokens::authenticate_user(svc, &token).await?;
    tokens::global_sign_out(svc, &ctx.user).await?;
    Ok(json!({}))
}
