//! AdminCreateUser: a FORCE_CHANGE_PASSWORD user and its invitation; `MessageAction` RESEND /
//! SUPPRESS; `DesiredDeliveryMediums` EMAIL / SMS (default SMS).

use super::shapes::{AttributeInput, attribute_map, check_user_ref, user_type};
use crate::domain::AuthError;
use crate::domain::validate::{Violations, patterns};
use crate::services::Services;
use crate::services::admin::create_user::{self, Medium, MessageAction, NewUser};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub username: String,
    #[serde(default)]
    pub user_attributes: Vec<AttributeInput>,
    pub temporary_password: Option<String>,
    #[serde(default)]
    pub force_alias_creation: bool,
    pub message_action: Option<String>,
    #[serde(default)]
    pub desired_delivery_mediums: Vec<String>,
    #[serde(default)]
    pub validation_data: Vec<AttributeInput>,
    #[serde(default)]
    pub client_metadata: crate::services::triggers::Metadata,
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    check_user_ref(&req.user_pool_id, &req.username)?;
    let mut v = Violations::new();
    let password = req.temporary_password.as_deref();
    v.length("TemporaryPassword", password, 1, 256);
    v.pattern(
        "TemporaryPassword",
        password,
        &patterns::PASSWORD,
        r"[\S]+(.*[\S]+)?",
    );
    v.one_of(
        "MessageAction",
        req.message_action.as_deref(),
        &["RESEND", "SUPPRESS"],
    );
    for m in &req.desired_delivery_mediums {
        v.one_of("DesiredDeliveryMediums", Some(m), &["SMS", "EMAIL"]);
    }
    v.finish()?;
    let message_action = match req.message_action.as_deref() {
        Some("RESEND") => MessageAction::Resend,
        Some(_) => MessageAction::Suppress,
        None => MessageAction::Send,
    };
    let mut mediums = Vec::new();
    for m in &req.desired_delivery_mediums {
        let medium = if m == "EMAIL" {
            Medium::Email
        } else {
            Medium::Sms
        };
        if !mediums.contains(&medium) {
            mediums.push(medium);
        }
    }
    let input = NewUser {
        username: req.username,
        attributes: attribute_map(req.user_attributes),
        temporary_password: req.temporary_password,
        force_alias_creation: req.force_alias_creation,
        message_action,
        mediums,
        validation_data: attribute_map(req.validation_data),
        client_metadata: req.client_metadata,
    };
    let user = create_user::create_user(svc, &req.user_pool_id, input).await?;
    Ok(json!({ "User": user_type(&user, None) }))
}
