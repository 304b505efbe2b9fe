//! Parsing AWS JSON 1.1 request bodies into typed requests, with AWS's errors: malformed JSON
//! is a SerializationException, a missing required member an InvalidParameterException in
//! AWS's "validation error detected" wording.

use super::error::ApiError;
use serde::de::DeserializeOwned;

/// Fails with SerializationException unless the body is a JSON object (or empty).
pub fn check_json(body: &[u8]) -> Result<(), ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        Ok(_) if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') => Ok(()),
        Ok(_) => Err(ApiError::serialization(
            "Start of structure or map found where not expected.",
        )),
        Err(e) => Err(ApiError::serialization(format!(
            "The request body is not valid JSON: {e}"
        ))),
    }
}

/// Parses a request body. An empty body counts as `{}`.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::serialization(format!("The request body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::serialization(
            "Start of structure or map found where not expected.",
        ));
    }
    serde_json::from_value(value).map_err(|e| {
        let text = e.to_string();
        if let Some(field) = missing_field(&text) {
            ApiError::new(
                "InvalidParameterException",
                format!(
                    "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                    lower_first(field)
                ),
            )
        } else {
            ApiError::serialization(format!("Could not read the request: {text}"))
        }
    })
}

fn missing_field(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("missing field `")?;
    rest.split('`').next()
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

/// Epoch seconds as AWS puts them on the wire (a JSON number).
pub fn epoch(millis: i64) -> serde_json::Value {
    serde_json::json!(crate::clock::to_epoch_seconds(millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(rename_all = "PascalCase")]
    #[allow(dead_code)]
    struct R {
        user_pool_id: String,
    }

    #[test]
    fn errors_look_like_aws() {
        let e = parse::<R>(b"{").unwrap_err();
        assert_eq!(e.type_name, "SerializationException");
        let e = parse::<R>(b"{}").unwrap_err();
        assert_eq!(e.type_name, "InvalidParameterException");
        assert!(
            e.message.contains("Value null at 'userPoolId'"),
            "{}",
            e.message
        );
        let e = parse::<R>(br#"{"UserPoolId": 5}"#).unwrap_err();
        assert_eq!(e.type_name, "SerializationException");
        assert!(parse::<R>(br#"{"UserPoolId": "x"}"#).is_ok());
    }
}
