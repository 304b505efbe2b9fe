//! SignUp: an UNCONFIRMED user, and a confirmation code per AutoVerifiedAttributes (or what
//! the PreSignUp trigger decides, which receives ValidationData and ClientMetadata).
//! UserContextData and AnalyticsMetadata are accepted and not used.

use super::self_service::{code_delivery, password, user_ref};
use super::shapes::{AttributeInput, attribute_map};
use crate::domain::AuthError;
use crate::domain::validate::Violations;
use crate::services::Services;
use crate::services::sign_up::{self, SignUp};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub client_id: String,
    pub secret_hash: Option<String>,
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub user_attributes: Vec<AttributeInput>,
    #[serde(default)]
    pub validation_data: Vec<AttributeInput>,
    #[serde(default)]
    pub client_metadata: crate::services::triggers::Metadata,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    let mut v = Violations::new();
    let r = user_ref(&mut v, req.client_id, req.username, req.secret_hash);
    password(&mut v, "Password", Some(&req.password));
    v.finish()?;
    let outcome = sign_up::sign_up(
        svc,
        SignUp {
            client_id: r.client_id,
            secret_hash: r.secret_hash,
            username: r.username,
            password: req.password,
            attributes: attribute_map(req.user_attributes),
            validation_data: attribute_map(req.validation_data),
            client_metadata: req.client_metadata,
        },
    )
    .await?;
    let mut out = json!({
        "UserConfirmed": outcome.confirmed,
        "UserSub": outcome.user_sub,
    });
    if let Some(d) = &outcome.delivery {
        out["CodeDeliveryDetails"] = code_delivery(d);
    }
    Ok(out)
}
