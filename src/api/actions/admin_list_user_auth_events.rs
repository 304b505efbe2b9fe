//! AdminListUserAuthEvents: a user's sign-ins, sign-ups, password resets and changes from the
//! audit trail, newest first, in Cognito's `AuthEventType` shape (`MaxResults` 0–60,
//! `NextToken`). Cognito answers it only with threat protection on; Tessera always keeps the
//! trail, so it always answers. Risk is not scored: every event is `NoRisk`.

use super::shapes::check_user_ref;
use crate::api::wire::epoch;
use crate::domain::AuthError;
use crate::domain::audit::{AuditEvent, auth_event_type};
use crate::services::{Services, audit, page_size};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    pub user_pool_id: String,
    pub username: String,
    pub max_results: Option<i64>,
    pub next_token: Option<String>,
}

/// `AuthEventType`.
fn auth_event(e: &AuditEvent) -> Value {
    let response = match e.outcome.as_str() {
        "success" => "Pass",
        "failure" => "Fail",
        _ => "InProgress",
    };
    let mut out = json!({
        "EventId": e.id.to_string(),
        "EventType": auth_event_type(&e.event).unwrap_or("SignIn"),
        "CreationDate": epoch(e.at),
        "EventResponse": response,
        "EventRisk": { "RiskDecision": "NoRisk", "CompromisedCredentialsDetected": false },
        "ChallengeResponses": [],
    });
    let mut context = serde_json::Map::new();
    if let Some(ip) = &e.ip {
        context.insert("IpAddress".into(), json!(ip));
    }
    if let Some(agent) = &e.user_agent {
        context.insert("DeviceName".into(), json!(agent));
    }
    if !context.is_empty() {
        out["EventContextData"] = Value::Object(context);
    }
    out
}

pub async fn handle(svc: &Services, req: Request) -> Result<Value, AuthError> {
    check_user_ref(&req.user_pool_id, &req.username)?;
    let max = page_size(req.max_results, "MaxResults", 60)?;
    let (events, next) = audit::user_auth_events(
        svc,
        &req.user_pool_id,
        &req.username,
        max,
        req.next_token.as_deref(),
    )
    .await?;
    let mut out = json!({ "AuthEvents": events.iter().map(auth_event).collect::<Vec<_>>() });
    if let Some(token) = next {
        out["NextToken"] = json!(token);
    }
    Ok(out)
}
