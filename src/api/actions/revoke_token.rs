//! RevokeToken: revokes a refresh token and every access token of its sign-in. Public (no
//! SigV4): the client authenticates with its id and, when it has one, its secret. A failed
//! client authentication is UnauthorizedException, as RFC 7009's `invalid_client`.

use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::Services;
use crate::services::client_tokens;
use regex::Regex;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::LazyLock;

/// Cognito's pattern for token members (`TokenModelType`).
static TOKEN: LazyLock<Regex> =
    LazyLock::new(|| crate::domain::validate::pattern(r"^[A-Za-z0-9_=.\-]+$"));

/// Checks a token member (required, Cognito's pattern).
pub(super) fn check_token(v: &mut Violations, member: &str, value: Option<&str>) {
    v.required(member, value.as_ref());
    v.length(member, value, 1, 131_072);
    v.pattern(member, value, &TOKEN, "[A-Za-z0-9-_=.]+");
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub token: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    check_token(&mut v, "Token", req.token.as_deref());
    v.required("ClientId", req.client_id.as_ref());
    v.length("ClientId", req.client_id.as_deref(), 1, 128);
    v.finish()?;
    let (Some(token), Some(client_id)) = (req.token, req.client_id) else {
        return Err(AuthError::InvalidParameter(
            "Token and ClientId are required.".into(),
        ));
    };
    client_tokens::revoke(svc, &client_id, req.client_secret.as_deref(), &token).await?;
    Ok(json!({}))
}
