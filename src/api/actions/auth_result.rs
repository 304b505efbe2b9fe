//! What the four sign-in actions share: request checks and the response shape (a challenge,
//! or `AuthenticationResult` with an empty `ChallengeParameters`, as Cognito answers).

use crate::domain::AuthError;
use crate::domain::validate::{Violations, patterns};
use crate::services::auth::Outcome;
use crate::services::tokens::AuthenticationResult;
use serde_json::{Map, Value, json};

/// Checks ClientId (and Session when given) as Cognito's model does.
pub fn check_common(client_id: &str, session: Option<&str>, v: &mut Violations) {
    v.length("ClientId", Some(client_id), 1, 128);
    v.pattern("ClientId", Some(client_id), &patterns::CLIENT_ID, r"[\w+]+");
    v.length("Session", session, 20, 2048);
}

/// Checks the request, then `finish`es the violations.
pub fn check(
    client_id: &str,
    session: Option<&str>,
    extra: impl FnOnce(&mut Violations),
) -> Result<(), AuthError> {
    let mut v = Violations::new();
    check_common(client_id, session, &mut v);
    extra(&mut v);
    v.finish()
}

/// The response body of a sign-in step.
pub fn outcome(outcome: Outcome) -> Value {
    match outcome {
        Outcome::Tokens(t) => json!({
            "ChallengeParameters": {},
            "AuthenticationResult": authentication_result(&t),
        }),
        Outcome::Challenge(c) => {
            let mut out = json!({
                "ChallengeName": c.name,
                "ChallengeParameters": c.parameters,
            });
            if let (Some(s), Some(obj)) = (c.session, out.as_object_mut()) {
                obj.insert("Session".into(), json!(s));
            }
            if !c.available.is_empty() {
                out["AvailableChallenges"] = json!(c.available);
            }
            out
        }
    }
}

/// `AuthenticationResultType` on the wire (also what InitiateAuth returns).
pub fn authentication_result(result: &AuthenticationResult) -> Value {
    let mut m = Map::new();
    m.insert("AccessToken".into(), json!(result.access_token));
    m.insert("ExpiresIn".into(), json!(result.expires_in));
    m.insert("TokenType".into(), json!("Bearer"));
    if let Some(refresh) = &result.refresh_token {
        m.insert("RefreshToken".into(), json!(refresh));
    }
    m.insert("IdToken".into(), json!(result.id_token));
    if let Some(d) = &result.new_device {
        m.insert(
            "NewDeviceMetadata".into(),
            json!({ "DeviceKey": d.device_key, "DeviceGroupKey": d.device_group_key }),
        );
    }
    Value::Object(m)
}
