//! The ListUsers `Filter` grammar (reference §6.1): `attribute = "value"` (exact) or
//! `attribute ^= "value"` (prefix), spaces around the operator optional, inner quotes escaped
//! with a backslash, the empty string meaning no filter. Only the searchable attributes are
//! accepted; [`Filter::plan`] turns a filter into what the store looks up, with the pool's
//! case rules applied.

use super::AuthError;
use super::pool::UserPool;
use super::user::{User, search_key};

/// An indexed column a filter can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchColumn {
    /// `username` (matched on the username key).
    Username,
    Email,
    PhoneNumber,
    Name,
    GivenName,
    FamilyName,
    PreferredUsername,
    /// `cognito:user_status`.
    Status,
    Sub,
}

/// The filter operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    /// `=`
    Equals,
    /// `^=`
    StartsWith,
}

/// A parsed filter: attribute name as written, operator and unescaped value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub attribute: String,
    pub op: FilterOp,
    pub value: String,
}

/// What the store must do for a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterPlan {
    /// Every user.
    All,
    /// No user can match.
    Nothing,
    /// Users whose `enabled` flag is this.
    Enabled(bool),
    /// Users whose column equals (or starts with) the value, already normalised.
    Column {
        column: SearchColumn,
        prefix: bool,
        value: String,
    },
}

const SEARCHABLE: &[(&str, Option<SearchColumn>)] = &[
    ("username", Some(SearchColumn::Username)),
    ("email", Some(SearchColumn::Email)),
    ("phone_number", Some(SearchColumn::PhoneNumber)),
    ("name", Some(SearchColumn::Name)),
    ("given_name", Some(SearchColumn::GivenName)),
    ("family_name", Some(SearchColumn::FamilyName)),
    ("preferred_username", Some(SearchColumn::PreferredUsername)),
    ("cognito:user_status", Some(SearchColumn::Status)),
    ("sub", Some(SearchColumn::Sub)),
    ("status", None),
];

fn parse_error() -> AuthError {
    AuthError::InvalidParameter("Error while parsing filter.".into())
}

impl Filter {
    /// Parses a filter; `Ok(None)` for the empty (or all-blank) string.
    pub fn parse(text: &str) -> Result<Option<Filter>, AuthError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let name_end = text
            .find(|c: char| c.is_whitespace() || c == '=' || c == '^')
            .ok_or_else(parse_error)?;
        let attribute = &text[..name_end];
        if attribute.is_empty() {
            return Err(parse_error());
        }
        let rest = text[name_end..].trim_start();
        let (op, rest) = if let Some(r) = rest.strip_prefix("^=") {
            (FilterOp::StartsWith, r)
        } else if let Some(r) = rest.strip_prefix('=') {
            (FilterOp::Equals, r)
        } else {
            return Err(parse_error());
        };
        let quoted = rest
            .trim_start()
            .strip_prefix('"')
            .ok_or_else(parse_error)?;
        let mut value = String::new();
        let mut chars = quoted.chars();
        loop {
            match chars.next() {
                None => return Err(parse_error()),
                Some('\\') => value.push(chars.next().ok_or_else(parse_error)?),
                Some('"') => break,
                Some(c) => value.push(c),
            }
        }
        if !chars.as_str().trim().is_empty() {
            return Err(parse_error());
        }
        if !SEARCHABLE.iter().any(|(n, _)| *n == attribute) {
            return Err(AuthError::InvalidParameter(
                format!("Invalid search attribute: {attribute}").into(),
            ));
        }
        Ok(Some(Filter {
            attribute: attribute.to_string(),
            op,
            value,
        }))
    }

    /// The lookup for this filter in `pool`: case-insensitive pools compare usernames, emails
    /// and preferred usernames without case; `cognito:user_status` ignores case; `status` is
    /// `Enabled` or `Disabled` exactly.
    pub fn plan(&self, pool: &UserPool) -> FilterPlan {
        let prefix = self.op == FilterOp::StartsWith;
        let Some((_, column)) = SEARCHABLE.iter().find(|(n, _)| *n == self.attribute) else {
            return FilterPlan::Nothing;
        };
        let Some(column) = *column else {
            let matches = |word: &str| {
                if prefix {
                    word.starts_with(&self.value)
                } else {
                    word == self.value
                }
            };
            return match (matches("Enabled"), matches("Disabled")) {
                (true, true) => FilterPlan::All,
                (true, false) => FilterPlan::Enabled(true),
                (false, true) => FilterPlan::Enabled(false),
                (false, false) => FilterPlan::Nothing,
            };
        };
        let value = match column {
            SearchColumn::Status => self.value.to_uppercase(),
            _ => search_key(pool, &self.attribute, &self.value),
        };
        FilterPlan::Column {
            column,
            prefix,
            value,
        }
    }
}

/// The value a user has in a search column (as stored: the match key), for pagination cursors.
pub fn column_value(user: &User, pool: &UserPool, column: SearchColumn) -> String {
    let c = user.columns(pool);
    let value = match column {
        SearchColumn::Username => Some(c.username_key),
        SearchColumn::Email => c.email,
        SearchColumn::PhoneNumber => c.phone_number,
        SearchColumn::Name => c.name,
        SearchColumn::GivenName => c.given_name,
        SearchColumn::FamilyName => c.family_name,
        SearchColumn::PreferredUsername => c.preferred_username,
        SearchColumn::Status => Some(user.status.as_str().to_string()),
        SearchColumn::Sub => Some(user.sub.clone()),
    };
    value.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Filter {
        Filter::parse(text).unwrap().unwrap()
    }

    #[test]
    fn exact_and_prefix_with_optional_spaces() {
        let f = parsed(r#"email = "a@b.io""#);
        assert_eq!((f.attribute.as_str(), f.op), ("email", FilterOp::Equals));
        assert_eq!(f.value, "a@b.io");
        let f = parsed(r#"family_name^="Re""#);
        assert_eq!(f.op, FilterOp::StartsWith);
        assert_eq!(f.value, "Re");
        let f = parsed(r#"  name   ^=   "x y"  "#);
        assert_eq!(f.value, "x y");
    }

    #[test]
    fn escapes_and_empty() {
        assert_eq!(parsed(r#"name = "say \"hi\"""#).value, r#"say "hi""#);
        assert_eq!(parsed(r#"name = "back\\slash""#).value, r"back\slash");
        assert_eq!(parsed(r#"name = """#).value, "");
        assert!(Filter::parse("").unwrap().is_none());
        assert!(Filter::parse("   ").unwrap().is_none());
    }

    #[test]
    fn bad_filters_are_invalid_parameters() {
        for bad in [
            "email",
            "email =",
            r#"email = a@b.io"#,
            r#"email = "open"#,
            r#"email == "x""#,
            r#"email != "x""#,
            r#"email = "x" extra"#,
            r#"= "x""#,
            r#"custom:tenant = "x""#,
            r#"address = "x""#,
        ] {
            let e = Filter::parse(bad).unwrap_err();
            assert_eq!(e.type_name(), "InvalidParameterException", "{bad}");
        }
        assert_eq!(
            Filter::parse(r#"locale = "x""#).unwrap_err().to_string(),
            "Invalid search attribute: locale"
        );
    }

    #[test]
    fn plans() {
        let pool = crate::domain::pool::UserPool {
            id: "p".into(),
            name: "p".into(),
            settings: crate::domain::pool::PoolSettings::for_create(
                &crate::domain::pool::PoolInput {
                    pool_name: Some("p".into()),
                    username_configuration: Some(crate::domain::pool::UsernameConfiguration {
                        case_sensitive: Some(false),
                    }),
                    ..Default::default()
                },
            )
            .unwrap()
            .into(),
            version: 0,
            created_at: 0,
            updated_at: 0,
        };
        assert_eq!(
            parsed(r#"cognito:user_status = "confirmed""#).plan(&pool),
            FilterPlan::Column {
                column: SearchColumn::Status,
                prefix: false,
                value: "CONFIRMED".into()
            }
        );
        assert_eq!(
            parsed(r#"email ^= "JA""#).plan(&pool),
            FilterPlan::Column {
                column: SearchColumn::Email,
                prefix: true,
                value: "ja".into()
            }
        );
        assert_eq!(
            parsed(r#"status = "Disabled""#).plan(&pool),
            FilterPlan::Enabled(false)
        );
        assert_eq!(
            parsed(r#"status = "disabled""#).plan(&pool),
            FilterPlan::Nothing
        );
        assert_eq!(parsed(r#"status ^= """#).plan(&pool), FilterPlan::All);
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        fn attribute() -> impl Strategy<Value = String> {
            prop::sample::select(SEARCHABLE.iter().map(|(n, _)| *n).collect::<Vec<_>>())
                .prop_map(str::to_string)
        }

        fn op() -> impl Strategy<Value = FilterOp> {
            prop_oneof![Just(FilterOp::Equals), Just(FilterOp::StartsWith)]
        }

        /// A filter as a client writes it, with the spaces given around its parts.
        fn print(f: &Filter, spaces: &[String; 4]) -> String {
            let op = match f.op {
                FilterOp::Equals => "=",
                FilterOp::StartsWith => "^=",
            };
            let value = f.value.replace('\\', "\\\\").replace('"', "\\\"");
            let [a, b, c, d] = spaces;
            format!("{a}{}{b}{op}{c}\"{value}\"{d}", f.attribute)
        }

        proptest! {
            /// Any filter of a searchable attribute, printed with any spacing, parses back to
            /// itself.
            #[test]
            fn printed_filters_parse_back(
                attribute in attribute(),
                op in op(),
                value in any::<String>(),
                spaces in prop::array::uniform4("\\s{0,3}"),
            ) {
                let f = Filter { attribute, op, value };
                let text = print(&f, &spaces);
                prop_assert_eq!(Filter::parse(&text).unwrap(), Some(f), "{:?}", text);
            }

            /// Garbage, and text close to a filter, never panics: it parses, or is an
            /// InvalidParameterException; what parses names a searchable attribute.
            #[test]
            fn garbage_is_an_invalid_parameter(
                text in prop_oneof![
                    any::<String>(),
                    r#"\s?[a-z_:]{0,20}\s?\^?=?\s?"?([^"\\]|\\.?){0,8}"?\s?.{0,3}"#,
                ]
            ) {
                match Filter::parse(&text) {
                    Ok(None) => prop_assert!(text.trim().is_empty()),
                    Ok(Some(f)) => {
                        prop_assert!(SEARCHABLE.iter().any(|(n, _)| *n == f.attribute));
                    }
                    Err(e) => prop_assert_eq!(e.type_name(), "InvalidParameterException"),
                }
            }
        }
    }
}
