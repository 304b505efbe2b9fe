//! A resource server of a pool: an API identifier and the custom scopes clients may be granted
//! as `<identifier>/<scope name>` (reference §5.12, §8.2).

use super::AuthError;
use super::validate::{Violations, patterns};
use serde::{Deserialize, Serialize};

/// Resource servers a pool may have (Cognito's default quota).
pub const MAX_PER_POOL: i64 = 25;

/// `ResourceServerScopeType`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceServerScope {
    pub scope_name: String,
    pub scope_description: String,
}

/// The members of CreateResourceServer / UpdateResourceServer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceServerInput {
    pub identifier: Option<String>,
    pub name: Option<String>,
    pub scopes: Option<Vec<ResourceServerScope>>,
}

/// A resource server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceServer {
    pub pool_id: String,
    pub identifier: String,
    pub name: String,
    pub scopes: Vec<ResourceServerScope>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ResourceServer {
    /// The full scope strings clients name: `<identifier>/<scope name>`.
    pub fn full_scopes(&self) -> Vec<String> {
        self.scopes
            .iter()
            .map(|s| format!("{}/{}", self.identifier, s.scope_name))
            .collect()
    }
}

/// Checks an identifier (1–256, Cognito's pattern).
pub fn check_identifier(v: &mut Violations, identifier: Option<&str>) {
    v.required("Identifier", identifier.as_ref());
    v.length("Identifier", identifier, 1, 256);
    v.pattern(
        "Identifier",
        identifier,
        &patterns::RESOURCE_SERVER_ID,
        r"[\x21\x23-\x5B\x5D-\x7E]+",
    );
}

/// Checks the members of a create or update request and returns `(identifier, name, scopes)`.
pub fn check_input(
    input: &ResourceServerInput,
) -> Result<(String, String, Vec<ResourceServerScope>), AuthError> {
    let mut v = Violations::new();
    check_identifier(&mut v, input.identifier.as_deref());
    v.required("Name", input.name.as_ref());
    v.length("Name", input.name.as_deref(), 1, 256);
    v.pattern(
        "Name",
        input.name.as_deref(),
        &patterns::POOL_NAME,
        r"[\w\s+=,.@-]+",
    );
    v.count("Scopes", input.scopes.as_ref().map(Vec::len), 0, 100);
    for scope in input.scopes.iter().flatten() {
        v.length("Scopes.member.scopeName", Some(&scope.scope_name), 1, 256);
        v.pattern(
            "Scopes.member.scopeName",
            Some(&scope.scope_name),
            &patterns::SCOPE_NAME,
            r"[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+",
        );
        v.length(
            "Scopes.member.scopeDescription",
            Some(&scope.scope_description),
            1,
            256,
        );
    }
    v.finish()?;
    let scopes = input.scopes.clone().unwrap_or_default();
    let mut seen = std::collections::BTreeSet::new();
    if let Some(dup) = scopes.iter().find(|s| !seen.insert(s.scope_name.as_str())) {
        return Err(AuthError::InvalidParameter(
            format!(
                "Duplicate scope name {} in resource server.",
                dup.scope_name
            )
            .into(),
        ));
    }
    Ok((
        input.identifier.clone().unwrap_or_default(),
        input.name.clone().unwrap_or_default(),
        scopes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(name: &str) -> ResourceServerScope {
        ResourceServerScope {
            scope_name: name.into(),
            scope_description: "d".into(),
        }
    }

    fn input(id: &str, scopes: Vec<ResourceServerScope>) -> ResourceServerInput {
        ResourceServerInput {
            identifier: Some(id.into()),
            name: Some("API".into()),
            scopes: Some(scopes),
        }
    }

    #[test]
    fn identifiers_and_scope_names() {
        assert!(check_input(&input("https://api.example.com", vec![scope("read")])).is_ok());
        assert!(check_input(&input("has space", vec![])).is_err());
        assert!(check_input(&input("api", vec![scope("a/b")])).is_err());
        assert!(check_input(&input("api", vec![scope("r"), scope("r")])).is_err());
        let many = (0..101).map(|i| scope(&format!("s{i}"))).collect();
        assert!(check_input(&input("api", many)).is_err());
    }

    #[test]
    fn full_scopes() {
        let rs = ResourceServer {
            pool_id: "p".into(),
            identifier: "api".into(),
            name: "API".into(),
            scopes: vec![scope("read"), scope("write")],
            created_at: 0,
            updated_at: 0,
        };
        assert_eq!(rs.full_scopes(), vec!["api/read", "api/write"]);
    }
}
