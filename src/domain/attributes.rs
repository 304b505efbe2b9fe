//! The attribute schema of a pool: the standard OIDC attributes every pool has, `custom:`
//! attributes added at creation (or with AddCustomAttributes), and the rules a user's attribute
//! values must follow. See reference §5.3.

use super::AuthError;
use super::error::{AttributeProblem, Reason};
use super::validate::Violations;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `SchemaAttributeType` as Cognito describes it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct SchemaAttribute {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_data_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub developer_only_attribute: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mutable: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_attribute_constraints: Option<NumberConstraints>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_attribute_constraints: Option<StringConstraints>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct NumberConstraints {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_value: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct StringConstraints {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<String>,
}

/// The standard attributes: (name, data type, mutable, min length, max length).
const STANDARD: &[(&str, &str, bool, u32, u32)] = &[
    ("sub", "String", false, 1, 2048),
    ("name", "String", true, 0, 2048),
    ("given_name", "String", true, 0, 2048),
    ("family_name", "String", true, 0, 2048),
    ("middle_name", "String", true, 0, 2048),
    ("nickname", "String", true, 0, 2048),
    ("preferred_username", "String", true, 0, 2048),
    ("profile", "String", true, 0, 2048),
    ("picture", "String", true, 0, 2048),
    ("website", "String", true, 0, 2048),
    ("email", "String", true, 0, 2048),
    ("email_verified", "Boolean", true, 0, 0),
    ("gender", "String", true, 0, 2048),
    ("birthdate", "String", true, 10, 10),
    ("zoneinfo", "String", true, 0, 2048),
    ("locale", "String", true, 0, 2048),
    ("phone_number", "String", true, 0, 2048),
    ("phone_number_verified", "Boolean", true, 0, 0),
    ("address", "String", true, 0, 2048),
    ("updated_at", "Number", true, 0, 0),
];

/// Custom attributes a pool may have at most.
pub const MAX_CUSTOM_ATTRIBUTES: usize = 50;

/// The default description of a standard attribute, as DescribeUserPool shows it.
fn standard_attribute(
    name: &str,
    kind: &str,
    mutable: bool,
    min: u32,
    max: u32,
) -> SchemaAttribute {
    let mut attr = SchemaAttribute {
        name: Some(name.to_string()),
        attribute_data_type: Some(kind.to_string()),
        developer_only_attribute: Some(false),
        mutable: Some(mutable),
        required: Some(name == "sub"),
        ..Default::default()
    };
    match kind {
        "String" => {
            attr.string_attribute_constraints = Some(StringConstraints {
                min_length: Some(min.to_string()),
                max_length: Some(max.to_string()),
            })
        }
        "Number" if name == "updated_at" => {
            attr.number_attribute_constraints = Some(NumberConstraints {
                min_value: Some("0".into()),
                max_value: None,
            })
        }
        _ => {}
    }
    attr
}

/// True for the standard attribute names (not `custom:`).
pub fn is_standard(name: &str) -> bool {
    STANDARD.iter().any(|(n, ..)| *n == name)
}

/// Builds a pool's full schema from the `Schema` given to CreateUserPool: every standard
/// attribute (with `Required`/`Mutable` as given) followed by the custom attributes.
pub fn build_schema(requested: &[SchemaAttribute]) -> Result<Vec<SchemaAttribute>, AuthError> {
    let mut schema: Vec<SchemaAttribute> = STANDARD
        .iter()
        .map(|(n, k, m, min, max)| standard_attribute(n, k, *m, *min, *max))
        .collect();
    let mut custom = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for attr in requested {
        let Some(name) = attr.name.as_deref() else {
            return Err(AuthError::InvalidParameter(
                "Schema attributes must have a name.".into(),
            ));
        };
        let bare = name.strip_prefix("custom:").unwrap_or(name);
        if !seen.insert(bare.to_string()) {
            return Err(AuthError::InvalidParameter(
                format!("Duplicate attribute name: {name}").into(),
            ));
        }
        if let Some(std_attr) = schema.iter_mut().find(|a| a.name.as_deref() == Some(name)) {
            apply_standard_override(std_attr, attr)?;
        } else {
            custom.push(validate_custom(attr)?);
        }
    }
    if custom.len() > MAX_CUSTOM_ATTRIBUTES {
        return Err(AuthError::LimitExceeded(
            format!("A user pool can have at most {MAX_CUSTOM_ATTRIBUTES} custom attributes.")
                .into(),
        ));
    }
    schema.extend(custom);
    Ok(schema)
}

/// Adds custom attributes to an existing schema (AddCustomAttributes).
pub fn add_custom(
    schema: &mut Vec<SchemaAttribute>,
    added: &[SchemaAttribute],
) -> Result<(), AuthError> {
    for attr in added {
        let custom = validate_custom(attr)?;
        if schema.iter().any(|a| a.name == custom.name) {
            return Err(AuthError::InvalidParameter(
                format!(
                    "Existing attribute already has name {}.",
                    custom.name.as_deref().unwrap_or_default()
                )
                .into(),
            ));
        }
        schema.push(custom);
    }
    if schema.iter().filter(|a| is_custom(a)).count() > MAX_CUSTOM_ATTRIBUTES {
        return Err(AuthError::LimitExceeded(
            format!("A user pool can have at most {MAX_CUSTOM_ATTRIBUTES} custom attributes.")
                .into(),
        ));
    }
    Ok(())
}

fn is_custom(a: &SchemaAttribute) -> bool {
    a.name
        .as_deref()
        .is_some_and(|n| n.starts_with("custom:") || n.starts_with("dev:"))
}

fn apply_standard_override(
    std_attr: &mut SchemaAttribute,
    given: &SchemaAttribute,
) -> Result<(), AuthError> {
    let name = std_attr.name.clone().unwrap_or_default();
    if let Some(kind) = &given.attribute_data_type
        && Some(kind) != std_attr.attribute_data_type.as_ref()
    {
        return Err(AuthError::InvalidParameter(
            format!("{name}: The attribute data type cannot be changed for a standard attribute.")
                .into(),
        ));
    }
    if name == "sub" {
        if given.mutable == Some(true) || given.required == Some(false) {
            return Err(AuthError::InvalidParameter(
                "sub: The attribute sub cannot be changed.".into(),
            ));
        }
        return Ok(());
    }
    if let Some(required) = given.required {
        if required && name.ends_with("_verified") {
            return Err(AuthError::InvalidParameter(
                format!("{name}: The attribute cannot be required.").into(),
            ));
        }
        std_attr.required = Some(required);
    }
    if let Some(mutable) = given.mutable {
        std_attr.mutable = Some(mutable);
    }
    if let Some(c) = &given.string_attribute_constraints {
        check_string_constraints(&name, c)?;
        std_attr.string_attribute_constraints = Some(c.clone());
    }
    Ok(())
}

fn check_string_constraints(name: &str, c: &StringConstraints) -> Result<(), AuthError> {
    let min = parse_bound(name, "MinLength", c.min_length.as_deref())?;
    let max = parse_bound(name, "MaxLength", c.max_length.as_deref())?;
    if max.is_some_and(|m| m > 2048.0) {
        return Err(AuthError::InvalidParameter(
            format!("{name}: String attributes cannot have a length of more than 2048").into(),
        ));
    }
    if min.is_some_and(|m| m < 0.0) {
        return Err(AuthError::InvalidParameter(
            format!("{name}: String attributes cannot have a negative minimum length").into(),
        ));
    }
    if let (Some(a), Some(b)) = (min, max)
        && a > b
    {
        return Err(AuthError::InvalidParameter(
            format!("{name}: MinLength must not be greater than MaxLength").into(),
        ));
    }
    Ok(())
}

fn parse_bound(name: &str, which: &str, value: Option<&str>) -> Result<Option<f64>, AuthError> {
    value
        .map(|v| {
            v.trim().parse::<f64>().map_err(|_| {
                AuthError::InvalidParameter(
                    format!("{name}: {which} must be a number, got '{v}'").into(),
                )
            })
        })
        .transpose()
}

fn validate_custom(attr: &SchemaAttribute) -> Result<SchemaAttribute, AuthError> {
    let raw = attr.name.clone().unwrap_or_default();
    let bare = raw.strip_prefix("custom:").unwrap_or(&raw).to_string();
    let mut v = Violations::new();
    v.length("Name", Some(&bare), 1, 20);
    v.pattern(
        "Name",
        Some(&bare),
        &super::validate::patterns::CUSTOM_ATTRIBUTE_NAME,
        r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+",
    );
    v.one_of(
        "AttributeDataType",
        attr.attribute_data_type.as_deref(),
        &["String", "Number", "DateTime", "Boolean"],
    );
    v.finish()?;
    if attr.required == Some(true) {
        return Err(AuthError::InvalidParameter(
            "Required custom attributes are not supported currently.".into(),
        ));
    }
    let kind = attr
        .attribute_data_type
        .clone()
        .unwrap_or_else(|| "String".into());
    let developer_only = attr.developer_only_attribute.unwrap_or(false);
    let name = if developer_only {
        format!("dev:custom:{bare}")
    } else {
        format!("custom:{bare}")
    };
    let mut out = SchemaAttribute {
        name: Some(name.clone()),
        attribute_data_type: Some(kind.clone()),
        developer_only_attribute: Some(developer_only),
        mutable: Some(attr.mutable.unwrap_or(true)),
        required: Some(false),
        ..Default::default()
    };
    match kind.as_str() {
        "String" => {
            let c = attr
                .string_attribute_constraints
                .clone()
                .unwrap_or_default();
            check_string_constraints(&name, &c)?;
            out.string_attribute_constraints = Some(c);
        }
        "Number" => {
            let c = attr
                .number_attribute_constraints
                .clone()
                .unwrap_or_default();
            let min = parse_bound(&name, "MinValue", c.min_value.as_deref())?;
            let max = parse_bound(&name, "MaxValue", c.max_value.as_deref())?;
            if let (Some(a), Some(b)) = (min, max)
                && a > b
            {
                return Err(AuthError::InvalidParameter(
                    format!("{name}: MinValue must not be greater than MaxValue").into(),
                ));
            }
            out.number_attribute_constraints = Some(c);
        }
        _ => {}
    }
    Ok(out)
}

/// How an attribute write is being made; decides which rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    /// At user creation (immutable attributes may be set).
    Create,
    /// A later update (immutable attributes are refused).
    Update,
}

/// Checks user attribute values against the pool's schema. Returns the normalised map.
pub fn check_values(
    schema: &[SchemaAttribute],
    values: &BTreeMap<String, String>,
    kind: WriteKind,
) -> Result<(), AuthError> {
    for (name, value) in values {
        let Some(attr) = schema
            .iter()
            .find(|a| a.name.as_deref() == Some(name.as_str()))
        else {
            return Err(schema_error(name, AttributeProblem::NotInSchema));
        };
        if name == "sub" {
            return Err(schema_error(name, AttributeProblem::CannotBeUpdated));
        }
        if kind == WriteKind::Update && attr.mutable == Some(false) {
            return Err(schema_error(name, AttributeProblem::Immutable));
        }
        if value.len() > 2048 {
            return Err(schema_error(
                name,
                AttributeProblem::Value("String must be no longer than 2048 characters".into()),
            ));
        }
        check_value(attr, name, value)?;
    }
    Ok(())
}

fn schema_error(name: &str, problem: AttributeProblem) -> AuthError {
    AuthError::InvalidParameter(Reason::Attribute {
        name: name.to_string(),
        problem,
    })
}

fn check_value(attr: &SchemaAttribute, name: &str, value: &str) -> Result<(), AuthError> {
    let bad = |why: &str| Err(schema_error(name, AttributeProblem::Value(why.to_string())));
    match name {
        "email" if !value.is_empty() && !is_email(value) => {
            return Err(AuthError::InvalidParameter(Reason::InvalidEmail));
        }
        "phone_number" if !value.is_empty() && !is_e164(value) => {
            return Err(AuthError::InvalidParameter(Reason::InvalidPhoneNumber));
        }
        "birthdate" if !value.is_empty() && !is_birthdate(value) => {
            return bad("The attribute must be in the format YYYY-MM-DD");
        }
        _ => {}
    }
    match attr.attribute_data_type.as_deref() {
        Some("Boolean") if value != "true" && value != "false" => {
            bad("The attribute must be a boolean (\"true\" or \"false\")")
        }
        Some("Number") => {
            // NaN compares false with every bound, so it would pass any; infinities are no
            // number a client can mean.
            let Some(n) = value.trim().parse::<f64>().ok().filter(|n| n.is_finite()) else {
                return bad("Number must be a valid number");
            };
            if let Some(c) = &attr.number_attribute_constraints {
                if let Some(min) = c.min_value.as_deref().and_then(|m| m.parse::<f64>().ok())
                    && n < min
                {
                    return bad(&format!("Number must be greater than or equal to {min}"));
                }
                if let Some(max) = c.max_value.as_deref().and_then(|m| m.parse::<f64>().ok())
                    && n > max
                {
                    return bad(&format!("Number must be less than or equal to {max}"));
                }
            }
            Ok(())
        }
        Some("String") => {
            if let Some(c) = &attr.string_attribute_constraints {
                let len = value.chars().count() as f64;
                if !value.is_empty()
                    && let Some(min) = c.min_length.as_deref().and_then(|m| m.parse::<f64>().ok())
                    && len < min
                {
                    return bad(&format!("String must be no shorter than {min} characters"));
                }
                if let Some(max) = c.max_length.as_deref().and_then(|m| m.parse::<f64>().ok())
                    && len > max
                {
                    return bad(&format!("String must be no longer than {max} characters"));
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A deliberately simple, RFC-5322-ish address check: one `@`, a non-empty local part, a domain
/// with a dot and no spaces.
pub fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(char::is_whitespace)
        && !local.contains('@')
}

/// E.164: `+` then 2 to 15 digits, no leading zero.
pub fn is_e164(value: &str) -> bool {
    let Some(digits) = value.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0')
}

fn is_birthdate(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// The names of the attributes marked `Required` in a schema.
pub fn required_names(schema: &[SchemaAttribute]) -> Vec<String> {
    schema
        .iter()
        .filter(|a| a.required == Some(true) && a.name.as_deref() != Some("sub"))
        .filter_map(|a| a.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom(name: &str, kind: &str) -> SchemaAttribute {
        SchemaAttribute {
            name: Some(name.into()),
            attribute_data_type: Some(kind.into()),
            ..Default::default()
        }
    }

    #[test]
    fn schema_has_standard_then_custom() {
        let s = build_schema(&[custom("tenant", "String")]).unwrap();
        assert_eq!(s.len(), STANDARD.len() + 1);
        assert_eq!(s.last().unwrap().name.as_deref(), Some("custom:tenant"));
    }

    #[test]
    fn custom_cannot_be_required_or_too_many() {
        let mut a = custom("x", "String");
        a.required = Some(true);
        assert!(build_schema(&[a]).is_err());
        let many: Vec<_> = (0..51)
            .map(|i| custom(&format!("a{i}"), "Number"))
            .collect();
        assert!(matches!(
            build_schema(&many),
            Err(AuthError::LimitExceeded(_))
        ));
    }

    #[test]
    fn values_checked_against_types() {
        let s = build_schema(&[custom("age", "Number")]).unwrap();
        let mut v = BTreeMap::new();
        v.insert("custom:age".to_string(), "abc".to_string());
        assert!(check_values(&s, &v, WriteKind::Create).is_err());
        v.insert("custom:age".to_string(), "42".to_string());
        assert!(check_values(&s, &v, WriteKind::Create).is_ok());
        v.insert("email".to_string(), "not-an-email".to_string());
        assert!(check_values(&s, &v, WriteKind::Create).is_err());
    }

    /// Found by `accepted_numbers_are_finite_and_in_bounds`: "NaN" passed every bound.
    #[test]
    fn numbers_are_finite() {
        let mut age = custom("age", "Number");
        age.number_attribute_constraints = Some(NumberConstraints {
            min_value: Some("0".into()),
            max_value: Some("150".into()),
        });
        let s = build_schema(&[age]).unwrap();
        for bad in ["NaN", "nan", "inf", "-infinity", "1e999"] {
            let v = BTreeMap::from([("custom:age".to_string(), bad.to_string())]);
            assert!(check_values(&s, &v, WriteKind::Create).is_err(), "{bad}");
        }
        let v = BTreeMap::from([("custom:age".to_string(), "42.5".to_string())]);
        assert!(check_values(&s, &v, WriteKind::Create).is_ok());
    }

    #[test]
    fn formats() {
        assert!(is_email("a@b.co"));
        assert!(!is_email("a@b"));
        assert!(is_e164("+14325551212"));
        assert!(!is_e164("14325551212"));
        assert!(is_birthdate("1990-01-31"));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn one(name: &str, value: &str) -> BTreeMap<String, String> {
            BTreeMap::from([(name.to_string(), value.to_string())])
        }

        fn number_text() -> impl Strategy<Value = String> {
            prop_oneof![
                any::<f64>().prop_map(|n| n.to_string()),
                (-1000i64..1000).prop_map(|n| n.to_string()),
                prop::sample::select(vec![
                    "NaN", "nan", "inf", "-inf", "infinity", "1e999", " 5 "
                ])
                .prop_map(str::to_string),
                ".{0,8}",
            ]
        }

        proptest! {
            /// An accepted Number is a finite number within the attribute's bounds.
            #[test]
            fn accepted_numbers_are_finite_and_in_bounds(
                low in -100i64..100,
                span in 0i64..100,
                value in number_text(),
            ) {
                let mut attr = custom("n", "Number");
                attr.number_attribute_constraints = Some(NumberConstraints {
                    min_value: Some(low.to_string()),
                    max_value: Some((low + span).to_string()),
                });
                let schema = build_schema(&[attr]).unwrap();
                if check_values(&schema, &one("custom:n", &value), WriteKind::Create).is_ok() {
                    let n: f64 = value.trim().parse().unwrap();
                    prop_assert!(n.is_finite(), "{:?}", value);
                    prop_assert!(low as f64 <= n && n <= (low + span) as f64, "{:?}", value);
                }
            }

            /// A String is accepted exactly when it is empty or within its length bounds (in
            /// characters), and at most 2048 bytes.
            #[test]
            fn strings_are_accepted_within_their_bounds(
                min in 0u32..20,
                span in prop_oneof![0u32..40, 600u32..2029],
                value in prop_oneof![".{0,70}", "[a-z]{0,70}", "[é€😀]{0,700}"],
            ) {
                let mut attr = custom("s", "String");
                attr.string_attribute_constraints = Some(StringConstraints {
                    min_length: Some(min.to_string()),
                    max_length: Some((min + span).to_string()),
                });
                let schema = build_schema(&[attr]).unwrap();
                let chars = value.chars().count() as u32;
                let within = (value.is_empty() || chars >= min)
                    && chars <= min + span
                    && value.len() <= 2048;
                let verdict = check_values(&schema, &one("custom:s", &value), WriteKind::Create);
                prop_assert_eq!(verdict.is_ok(), within, "{:?}", value);
            }

            /// Booleans are exactly "true" and "false".
            #[test]
            fn booleans_are_true_or_false(value in prop_oneof![".{0,6}", "(true|false|True|FALSE| true)"]) {
                let schema = build_schema(&[]).unwrap();
                let verdict = check_values(&schema, &one("email_verified", &value), WriteKind::Update);
                prop_assert_eq!(verdict.is_ok(), value == "true" || value == "false");
            }

            /// Phone numbers: E.164 exactly (`+`, then 2 to 15 digits, the first not 0).
            #[test]
            fn phone_numbers_are_e164(value in prop_oneof![r"\+?[0-9]{0,17}", ".{0,12}"]) {
                let e164 = regex::Regex::new(r"^\+[1-9][0-9]{1,14}$").unwrap();
                prop_assert_eq!(is_e164(&value), e164.is_match(&value), "{:?}", value);
            }

            /// An accepted email has one `@`, no white space, and a domain with an inner dot.
            #[test]
            fn accepted_emails_have_their_shape(value in prop_oneof![".{0,20}", "[a@. ]{0,10}"]) {
                if is_email(&value) {
                    prop_assert_eq!(value.matches('@').count(), 1);
                    prop_assert!(!value.chars().any(char::is_whitespace));
                    let (_, domain) = value.split_once('@').unwrap();
                    let chars: Vec<char> = domain.chars().collect();
                    let inner: String = chars[1..chars.len() - 1].iter().collect();
                    prop_assert!(inner.contains('.'), "{:?}", value);
                }
            }

            /// Birthdates: `YYYY-MM-DD` in ASCII digits; any text is checked without panicking.
            #[test]
            fn birthdates_are_dates(value in prop_oneof![".{0,12}", "[0-9-]{10}", "[0-9]{4}-[0-9]{2}-[0-9]{2}"]) {
                let shape = regex::Regex::new(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$").unwrap();
                prop_assert_eq!(is_birthdate(&value), shape.is_match(&value), "{:?}", value);
            }

            /// Whatever the value: `sub` is never written, unknown names are refused, and an
            /// immutable attribute is refused on update.
            #[test]
            fn names_decide_before_values(value in ".{0,10}", name in "[a-z_:]{1,12}") {
                let mut fixed = custom("fixed", "String");
                fixed.mutable = Some(false);
                let schema = build_schema(&[fixed]).unwrap();
                for kind in [WriteKind::Create, WriteKind::Update] {
                    prop_assert!(check_values(&schema, &one("sub", &value), kind).is_err());
                }
                prop_assert!(check_values(&schema, &one("custom:fixed", &value), WriteKind::Update).is_err());
                if !schema.iter().any(|a| a.name.as_deref() == Some(name.as_str())) {
                    prop_assert!(check_values(&schema, &one(&name, &value), WriteKind::Create).is_err());
                }
            }
        }
    }
}
