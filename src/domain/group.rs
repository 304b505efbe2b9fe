//! Groups of a pool (reference §5.12): name 1–128, description ≤2048, an IAM role ARN and a
//! precedence ≥0 (lower wins; none = lowest). Token claims list a user's groups by precedence.

use super::AuthError;
use super::validate::{Violations, patterns};

/// A group as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub pool_id: String,
    pub name: String,
    pub description: Option<String>,
    pub role_arn: Option<String>,
    pub precedence: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The members CreateGroup and UpdateGroup carry besides the names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupInput {
    pub description: Option<String>,
    pub role_arn: Option<String>,
    pub precedence: Option<i64>,
}

/// Checks a group name (1–128, Cognito's pattern).
pub fn check_name(v: &mut Violations, name: &str) {
    v.length("GroupName", Some(name), 1, 128);
    v.pattern(
        "GroupName",
        Some(name),
        &patterns::GROUP_NAME,
        r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+",
    );
}

impl GroupInput {
    /// Checks the members' constraints (description length, ARN pattern, precedence ≥0).
    pub fn check(&self, v: &mut Violations) {
        v.length("Description", self.description.as_deref(), 0, 2048);
        v.length("RoleArn", self.role_arn.as_deref(), 20, 2048);
        v.pattern(
            "RoleArn",
            self.role_arn.as_deref(),
            &patterns::ARN,
            r"arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]*:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?",
        );
        v.range("Precedence", self.precedence, 0, i64::from(i32::MAX));
    }
}

impl Group {
    /// Applies UpdateGroup: only the members given change.
    pub fn apply(&mut self, input: GroupInput, now: i64) {
        if input.description.is_some() {
            self.description = input.description;
        }
        if input.role_arn.is_some() {
            self.role_arn = input.role_arn;
        }
        if input.precedence.is_some() {
            self.precedence = input.precedence;
        }
        self.updated_at = now;
    }
}

/// Cognito's message for a duplicate group.
pub fn exists_error(name: &str) -> AuthError {
    AuthError::GroupExists(format!("A group with the name {name} already exists.").into())
}

/// Cognito's message for an unknown group.
pub fn not_found() -> AuthError {
    AuthError::ResourceNotFound("Group not found.".into())
}

/// Orders groups as token claims list them: by precedence, groups without one last, then name.
pub fn sort_by_precedence(groups: &mut [Group]) {
    groups.sort_by(|a, b| {
        (a.precedence.is_none(), a.precedence, &a.name).cmp(&(
            b.precedence.is_none(),
            b.precedence,
            &b.name,
        ))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: &str, precedence: Option<i64>) -> Group {
        Group {
            pool_id: "p".into(),
            name: name.into(),
            description: None,
            role_arn: None,
            precedence,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn precedence_orders_with_nulls_last() {
        let mut g = vec![group("c", None), group("b", Some(5)), group("a", Some(1))];
        sort_by_precedence(&mut g);
        let names: Vec<_> = g.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }

    #[test]
    fn inputs_are_checked() {
        let mut v = Violations::new();
        GroupInput {
            role_arn: Some("not an arn".into()),
            precedence: Some(-1),
            ..Default::default()
        }
        .check(&mut v);
        check_name(&mut v, "");
        let e = v.finish().unwrap_err().to_string();
        assert!(e.starts_with("5 validation errors"), "{e}");
    }

    #[test]
    fn update_changes_only_given_members() {
        let mut g = group("a", Some(3));
        g.description = Some("d".into());
        g.apply(
            GroupInput {
                precedence: Some(1),
                ..Default::default()
            },
            9,
        );
        assert_eq!(g.description.as_deref(), Some("d"));
        assert_eq!(g.precedence, Some(1));
    }
}
