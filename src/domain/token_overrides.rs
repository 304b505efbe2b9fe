//! What a PreTokenGeneration trigger may change in the tokens it is asked about (reference §7,
//! §4.2): claims to add or override and claims to suppress, per token (V1: the ID token only;
//! V2/V3: both, and the access token's scopes), and the groups and roles. Claims that carry
//! the token's identity and validity are reserved: changes to them are ignored, as Cognito
//! ignores them. Pure: reads the function's `response`, changes claim maps.

use super::triggers::PreTokenVersion;
use serde_json::{Map, Value};

/// ID token claims no function may change.
const ID_RESERVED: &[&str] = &[
    "acr",
    "amr",
    "aud",
    "at_hash",
    "auth_time",
    "azp",
    "cognito:username",
    "exp",
    "iat",
    "identities",
    "iss",
    "jti",
    "nbf",
    "nonce",
    "origin_jti",
    "sub",
    "token_use",
    "event_id",
];

/// Access token claims no function may change (`scope` changes through scopesToAdd and
/// scopesToSuppress, groups through groupOverrideDetails).
const ACCESS_RESERVED: &[&str] = &[
    "auth_time",
    "client_id",
    "cognito:groups",
    "event_id",
    "exp",
    "iat",
    "iss",
    "jti",
    "nbf",
    "origin_jti",
    "scope",
    "sub",
    "token_use",
    "username",
    "version",
    "device_key",
];

/// Changes to one token's claims.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClaimChanges {
    pub add_or_override: Map<String, Value>,
    pub suppress: Vec<String>,
}

/// `groupOverrideDetails`: each list, when given, replaces what the user's groups give.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupOverride {
    pub groups: Option<Vec<String>>,
    pub roles: Option<Vec<String>>,
    pub preferred_role: Option<String>,
}

/// Everything a PreTokenGeneration response asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TokenOverrides {
    pub id: ClaimChanges,
    pub access: ClaimChanges,
    pub groups: Option<GroupOverride>,
    pub scopes_to_add: Vec<String>,
    pub scopes_to_suppress: Vec<String>,
}

/// The response is not of the trigger's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

fn object(v: Option<&Value>) -> Result<Option<&Map<String, Value>>, Malformed> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => Err(Malformed),
    }
}

fn strings(v: Option<&Value>) -> Result<Option<Vec<String>>, Malformed> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string).ok_or(Malformed))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(Malformed),
    }
}

/// One token's `claimsToAddOrOverride` and `claimsToSuppress`. V1 values are strings; later
/// versions may give any JSON value.
fn claim_changes(
    o: Option<&Map<String, Value>>,
    any_json: bool,
) -> Result<ClaimChanges, Malformed> {
    let Some(o) = o else {
        return Ok(ClaimChanges::default());
    };
    let add_or_override = object(o.get("claimsToAddOrOverride"))?
        .cloned()
        .unwrap_or_default();
    if !any_json && add_or_override.values().any(|v| !v.is_string()) {
        return Err(Malformed);
    }
    Ok(ClaimChanges {
        add_or_override,
        suppress: strings(o.get("claimsToSuppress"))?.unwrap_or_default(),
    })
}

fn group_override(o: Option<&Map<String, Value>>) -> Result<Option<GroupOverride>, Malformed> {
    let Some(o) = o else { return Ok(None) };
    let preferred_role = match o.get("preferredRole") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(Malformed),
    };
    Ok(Some(GroupOverride {
        groups: strings(o.get("groupsToOverride"))?,
        roles: strings(o.get("iamRolesToOverride"))?,
        preferred_role,
    }))
}

impl TokenOverrides {
    /// Reads a function's `response` for the event `version` it was sent.
    pub fn from_response(version: PreTokenVersion, response: &Value) -> Result<Self, Malformed> {
        let response = object(Some(response))?;
        let Some(response) = response else {
            return Ok(TokenOverrides::default());
        };
        if version == PreTokenVersion::V1 {
            let Some(d) = object(response.get("claimsOverrideDetails"))? else {
                return Ok(TokenOverrides::default());
            };
            return Ok(TokenOverrides {
                id: claim_changes(Some(d), false)?,
                groups: group_override(object(d.get("groupOverrideDetails"))?)?,
                ..TokenOverrides::default()
            });
        }
        let Some(d) = object(response.get("claimsAndScopeOverrideDetails"))? else {
            return Ok(TokenOverrides::default());
        };
        let access = object(d.get("accessTokenGeneration"))?;
        Ok(TokenOverrides {
            id: claim_changes(object(d.get("idTokenGeneration"))?, true)?,
            access: claim_changes(access, true)?,
            groups: group_override(object(d.get("groupOverrideDetails"))?)?,
            scopes_to_add: strings(access.and_then(|a| a.get("scopesToAdd")))?.unwrap_or_default(),
            scopes_to_suppress: strings(access.and_then(|a| a.get("scopesToSuppress")))?
                .unwrap_or_default(),
        })
    }

    /// Changes the ID token's claims.
    pub fn apply_to_id(&self, claims: &mut Map<String, Value>) {
        if let Some(g) = &self.groups {
            replace_list(claims, "cognito:groups", &g.groups);
            replace_list(claims, "cognito:roles", &g.roles);
            if let Some(role) = &g.preferred_role {
                claims.insert("cognito:preferred_role".into(), Value::String(role.clone()));
            }
        }
        apply(claims, &self.id, ID_RESERVED);
    }

    /// Changes the access token's claims.
    pub fn apply_to_access(&self, claims: &mut Map<String, Value>) {
        if let Some(g) = &self.groups {
            replace_list(claims, "cognito:groups", &g.groups);
        }
        if !self.scopes_to_add.is_empty() || !self.scopes_to_suppress.is_empty() {
            let current = claims
                .get("scope")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let mut scopes: Vec<&str> = current
                .split(' ')
                .filter(|s| !s.is_empty() && !self.scopes_to_suppress.iter().any(|x| x == s))
                .collect();
            for s in &self.scopes_to_add {
                if !s.is_empty() && !s.contains(' ') && !scopes.contains(&s.as_str()) {
                    scopes.push(s);
                }
            }
            claims.insert("scope".into(), Value::String(scopes.join(" ")));
        }
        apply(claims, &self.access, ACCESS_RESERVED);
    }
}

fn replace_list(claims: &mut Map<String, Value>, name: &str, with: &Option<Vec<String>>) {
    match with {
        None => {}
        Some(list) if list.is_empty() => {
            claims.remove(name);
        }
        Some(list) => {
            claims.insert(name.into(), Value::from(list.clone()));
        }
    }
}

fn apply(claims: &mut Map<String, Value>, changes: &ClaimChanges, reserved: &[&str]) {
    for name in &changes.suppress {
        if !reserved.contains(&name.as_str()) {
            claims.remove(name);
        }
    }
    for (name, value) in &changes.add_or_override {
        if !reserved.contains(&name.as_str()) {
            claims.insert(name.clone(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn v1_changes_the_id_token_only_and_keeps_reserved_claims() {
        let o = TokenOverrides::from_response(
            PreTokenVersion::V1,
            &json!({"claimsOverrideDetails": {
                "claimsToAddOrOverride": {"tier": "gold", "sub": "forged", "email": "x@y.z"},
                "claimsToSuppress": ["phone_number", "iss"],
                "groupOverrideDetails": {"groupsToOverride": ["admins"]},
            }}),
        )
        .unwrap();
        let mut id =
            claims(json!({"sub": "s", "iss": "i", "email": "a@b.c", "phone_number": "+1"}));
        o.apply_to_id(&mut id);
        assert_eq!(
            Value::Object(id),
            json!({"sub": "s", "iss": "i", "email": "x@y.z", "tier": "gold", "cognito:groups": ["admins"]})
        );
        let mut access = claims(json!({"sub": "s", "scope": "openid"}));
        o.apply_to_access(&mut access);
        assert_eq!(access.get("cognito:groups"), Some(&json!(["admins"])));
        assert_eq!(access.get("tier"), None);
        // V1 takes strings only.
        assert!(
            TokenOverrides::from_response(
                PreTokenVersion::V1,
                &json!({"claimsOverrideDetails": {"claimsToAddOrOverride": {"n": 1}}})
            )
            .is_err()
        );
    }

    #[test]
    fn v2_changes_both_tokens_and_scopes() {
        let o = TokenOverrides::from_response(
            PreTokenVersion::V2,
            &json!({"claimsAndScopeOverrideDetails": {
                "idTokenGeneration": {"claimsToAddOrOverride": {"roles": ["a", "b"]}},
                "accessTokenGeneration": {
                    "claimsToAddOrOverride": {"tenant": {"id": 7}, "client_id": "forged"},
                    "scopesToAdd": ["api/read"],
                    "scopesToSuppress": ["email"],
                },
                "groupOverrideDetails": null,
            }}),
        )
        .unwrap();
        let mut access = claims(json!({"client_id": "c", "scope": "openid email"}));
        o.apply_to_access(&mut access);
        assert_eq!(
            Value::Object(access),
            json!({"client_id": "c", "scope": "openid api/read", "tenant": {"id": 7}})
        );
        let mut id = claims(json!({}));
        o.apply_to_id(&mut id);
        assert_eq!(id.get("roles"), Some(&json!(["a", "b"])));
    }

    #[test]
    fn empty_and_malformed_responses() {
        for empty in [
            json!({}),
            json!(null),
            json!({"claimsAndScopeOverrideDetails": null}),
        ] {
            assert_eq!(
                TokenOverrides::from_response(PreTokenVersion::V2, &empty),
                Ok(TokenOverrides::default())
            );
        }
        for bad in [
            json!([]),
            json!({"claimsAndScopeOverrideDetails": "x"}),
            json!({"claimsAndScopeOverrideDetails": {"accessTokenGeneration": {"scopesToAdd": "a"}}}),
        ] {
            assert!(
                TokenOverrides::from_response(PreTokenVersion::V2, &bad).is_err(),
                "{bad}"
            );
        }
    }
}
