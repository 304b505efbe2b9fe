//! Verifying AWS Signature Version 4 on admin actions: we rebuild the canonical request from
//! the request as received (method, path, query, the headers it says it signed, the SHA-256 of
//! the body we actually got), derive the signing key from the secret we hold for its access key,
//! and compare signatures in constant time. Any region is accepted; the service must be
//! `cognito-idp`. Reference: <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>.

use super::error::ApiError;
use crate::crypto::constant_time_eq;
use sha2::{Digest, Sha256};
use time::PrimitiveDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// How far the request's timestamp may be from our clock.
pub const MAX_SKEW_MILLIS: i64 = 5 * 60 * 1000;

const SERVICE: &str = "cognito-idp";

/// The parts of a request the signature covers.
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// The path as sent (already URI-encoded by the client).
    pub path: &'a str,
    pub query: &'a str,
    /// All headers, names in any case; repeated names allowed.
    pub headers: Vec<(String, String)>,
    pub body: &'a [u8],
}

/// The parsed `Authorization` header.
#[derive(Debug, PartialEq, Eq)]
pub struct Authorization {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

fn incomplete(message: &str) -> ApiError {
    ApiError::new("IncompleteSignatureException", message)
}

/// Parses `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
pub fn parse_authorization(header: &str) -> Result<Authorization, ApiError> {
    let rest = header
        .trim()
        .strip_prefix("AWS4-HMAC-SHA256")
        .ok_or_else(|| {
            incomplete("Unsupported authorization type; only AWS4-HMAC-SHA256 is accepted.")
        })?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = Some(v);
        }
    }
    let mut missing = Vec::new();
    if credential.is_none() {
        missing.push("Authorization header requires 'Credential' parameter.");
    }
    if signed.is_none() {
        missing.push("Authorization header requires 'SignedHeaders' parameter.");
    }
    if signature.is_none() {
        missing.push("Authorization header requires 'Signature' parameter.");
    }
    let (Some(credential), Some(signed), Some(signature)) = (credential, signed, signature) else {
        return Err(incomplete(&format!(
            "{} Authorization={header_kind}",
            missing.join(" "),
            header_kind = "AWS4-HMAC-SHA256"
        )));
    };
    let scope: Vec<&str> = credential.split('/').collect();
    if scope.len() != 5 || scope[4] != "aws4_request" || scope.iter().any(|s| s.is_empty()) {
        return Err(incomplete(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/aws4_request.",
        ));
    }
    Ok(Authorization {
        access_key_id: scope[0].to_string(),
        date: scope[1].to_string(),
        region: scope[2].to_string(),
        service: scope[3].to_string(),
        signed_headers: signed
            .split(';')
            .map(|h| h.trim().to_ascii_lowercase())
            .collect(),
        signature: signature.trim().to_string(),
    })
}

/// Parses `20261123T101500Z` (ISO 8601 basic format, UTC) into epoch milliseconds. Anything
/// else is None, impossible dates and times included (2026-02-31, month 13, hour 24, second 60).
pub fn parse_amz_date(value: &str) -> Option<i64> {
    const FORMAT: &[BorrowedFormatItem<'_>] =
        format_description!("[year][month][day]T[hour][minute][second]Z");
    // `[year]` would take a sign (`+2026…`); the basic format has none.
    if !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let at = PrimitiveDateTime::parse(value, FORMAT).ok()?.assume_utc();
    Some(at.unix_timestamp() * 1000)
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    crate::crypto::hmac_sha256(key, &[data])
}

fn encode(value: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(value, SET).to_string()
}

fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .to_string()
            };
            (encode(&decode(k)), encode(&decode(v)))
        })
        .collect();
    pairs.sort();
    pairs
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The values of a header, each with SigV4's "Trimall" applied, joined by commas.
fn header_values(headers: &[(String, String)], name: &str) -> Option<String> {
    let values: Vec<String> = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| trim_all(v))
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

/// SigV4's "Trimall": spaces around the value removed, runs of spaces made one. Only the space
/// character: the signers (aws-sigv4, the SDKs) keep a tab or any other white space inside a
/// value as it is.
fn trim_all(value: &str) -> String {
    value
        .split(' ')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The canonical request: method, path, query, signed headers and the body's hash.
fn canonical_request(
    request: &SignedRequest<'_>,
    signed_headers: &[String],
    body_hash: &str,
) -> String {
    let mut canonical_headers = String::new();
    for name in signed_headers {
        let value = header_values(&request.headers, name).unwrap_or_default();
        canonical_headers.push_str(&format!("{name}:{value}\n"));
    }
    let path = if request.path.is_empty() {
        "/"
    } else {
        request.path
    };
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method,
        path,
        canonical_query(request.query),
        canonical_headers,
        signed_headers.join(";"),
        body_hash
    )
}

/// The hex signature of a canonical request under the credential scope of `auth`.
fn signature(
    secret: &str,
    auth: &Authorization,
    amz_date: &str,
    canonical_request: &str,
) -> String {
    let scope = format!(
        "{}/{}/{}/aws4_request",
        auth.date, auth.region, auth.service
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), auth.date.as_bytes());
    let k_region = hmac(&k_date, auth.region.as_bytes());
    let k_service = hmac(&k_region, auth.service.as_bytes());
    let k_signing = hmac(&k_service, b"aws4_request");
    hex::encode(hmac(&k_signing, string_to_sign.as_bytes()))
}

/// The result of a successful verification.
#[derive(Debug)]
pub struct Verified {
    pub access_key_id: String,
}

/// Verifies a request. `secret_of` returns the secret for a key id (None: unknown key).
pub fn verify(
    request: &SignedRequest<'_>,
    now_millis: i64,
    secret_of: impl FnOnce(&str) -> Option<String>,
) -> Result<Verified, ApiError> {
    let authorization_headers = request
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .count();
    if authorization_headers > 1 {
        return Err(incomplete("Only one Authorization header is allowed."));
    }
    let Some(header) = header_values(&request.headers, "authorization") else {
        return Err(ApiError::new(
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        ));
    };
    let auth = parse_authorization(&header)?;
    if auth.service != SERVICE {
        return Err(ApiError::new(
            "InvalidSignatureException",
            format!("Credential should be scoped to correct service: '{SERVICE}'."),
        ));
    }
    // The target names the action: unsigned, a captured request could be replayed as another
    // action with the same body.
    for required in ["host", "x-amz-target"] {
        if !auth.signed_headers.iter().any(|h| h == required) {
            return Err(ApiError::new(
                "InvalidSignatureException",
                format!("'{required}' must be a 'SignedHeader' in the AWS Authorization."),
            ));
        }
    }
    let amz_date = header_values(&request.headers, "x-amz-date").ok_or_else(|| {
        incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        )
    })?;
    let signed_at = parse_amz_date(&amz_date).ok_or_else(|| {
        incomplete(&format!(
            "Date must be in ISO-8601 'basic format'. Got '{amz_date}'."
        ))
    })?;
    if !amz_date.starts_with(&auth.date) {
        return Err(ApiError::new(
            "InvalidSignatureException",
            format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{amz_date}'.",
                auth.date,
                amz_date.get(..8).unwrap_or_default()
            ),
        ));
    }
    if (now_millis - signed_at).abs() > MAX_SKEW_MILLIS {
        return Err(ApiError::new(
            "InvalidSignatureException",
            format!(
                "Signature expired: {amz_date} is now earlier than the allowed window (5 minutes) around the server time."
            ),
        ));
    }
    let Some(secret) = secret_of(&auth.access_key_id) else {
        return Err(ApiError::new(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ));
    };
    let body_hash = hex::encode(Sha256::digest(request.body));
    if let Some(claimed) = header_values(&request.headers, "x-amz-content-sha256")
        && claimed != "UNSIGNED-PAYLOAD"
        && claimed != body_hash
    {
        return Err(ApiError::new(
            "InvalidSignatureException",
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        ));
    }
    let canonical = canonical_request(request, &auth.signed_headers, &body_hash);
    let expected = signature(&secret, &auth, &amz_date, &canonical);
    if !constant_time_eq(
        expected.as_bytes(),
        auth.signature.to_ascii_lowercase().as_bytes(),
    ) {
        return Err(ApiError::new(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        ));
    }
    Ok(Verified {
        access_key_id: auth.access_key_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The "get-vanilla" case of AWS's SigV4 test suite (service `service`, so we check the
    /// signature maths through `signature_for`).
    #[test]
    fn amz_dates() {
        assert_eq!(parse_amz_date("19700101T000000Z"), Some(0));
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(1_440_938_160_000));
        assert_eq!(parse_amz_date("20240229T235959Z"), Some(1_709_251_199_000));
        assert_eq!(parse_amz_date("20261231T235959Z"), Some(1_798_761_599_000));
        assert_eq!(parse_amz_date("2015-08-30"), None);
    }

    #[test]
    fn impossible_or_malformed_amz_dates_are_refused() {
        for bad in [
            "20260231T120000Z", // February 31st
            "20260229T120000Z", // 2026 is not a leap year
            "21000229T120000Z", // nor is 2100
            "20260431T120000Z", // April has 30 days
            "20261301T120000Z", // month 13
            "20260001T120000Z", // month 0
            "20260100T120000Z", // day 0
            "20260101T240000Z", // hour 24
            "20260101T126000Z", // minute 60
            "20260101T120060Z", // second 60
            "20260101T120000",
            "20260101 120000Z",
            "+2026010T120000Z",
            "-20260101T120000Z",
            "2026010+T120000Z",
            "20260101T12000+Z",
            "20260101T120000Z ",
            "",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad:?}");
        }
    }

    /// An impossible date is refused like any other malformed one, before the key or the
    /// signature is looked at.
    #[test]
    fn an_impossible_date_gets_the_malformed_date_error() {
        let request = |date: &str| SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: vec![
                ("host".into(), "127.0.0.1".into()),
                ("x-amz-date".into(), date.into()),
                (
                    "authorization".into(),
                    "AWS4-HMAC-SHA256 Credential=A/20260231/local/cognito-idp/aws4_request, \
                     SignedHeaders=host;x-amz-date;x-amz-target, Signature=x"
                        .into(),
                ),
            ],
            body: b"{}",
        };
        let malformed = verify(&request("2026-02-31T12:00:00Z"), 0, |_| None).unwrap_err();
        for impossible in ["20260231T120000Z", "20261301T120000Z", "20260230T240000Z"] {
            let e = verify(&request(impossible), 0, |_| None).unwrap_err();
            // Accepted, it would have failed later as InvalidSignatureException (scope date,
            // expiry).
            assert_eq!(e.type_name, malformed.type_name, "{impossible}");
            assert_eq!(e.status, malformed.status);
        }
    }

    #[test]
    fn parses_authorization() {
        let a = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/cognito-idp/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=abc",
        )
        .unwrap();
        assert_eq!(a.access_key_id, "AKID");
        assert_eq!(a.signed_headers, vec!["host", "x-amz-date"]);
        let e =
            parse_authorization("AWS4-HMAC-SHA256 Credential=AKID/x/y/z/aws4_request").unwrap_err();
        assert_eq!(e.type_name, "IncompleteSignatureException");
    }

    /// A request as an AWS SDK signs it (aws-sigv4, the SDKs' signer), at `seconds`.
    fn signed_by_aws(
        headers: &[(&str, &str)],
        query: &str,
        body: &[u8],
        seconds: u64,
    ) -> Vec<(String, String)> {
        use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
        let identity =
            aws_credential_types::Credentials::new("AKID", "secret", None, None, "test").into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region("local")
            .name("cognito-idp")
            .time(std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds))
            .settings(SigningSettings::default())
            .build()
            .unwrap()
            .into();
        let uri = format!("https://127.0.0.1/?{query}");
        let signable = SignableRequest::new(
            "POST",
            &uri,
            headers.iter().copied(),
            SignableBody::Bytes(body),
        )
        .unwrap();
        let (instructions, _) = sign(signable, &params).unwrap().into_parts();
        let (added, _) = instructions.into_parts();
        headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .chain(
                added
                    .into_iter()
                    .map(|h| (h.name().to_string(), h.value().to_string())),
            )
            .collect()
    }

    /// Found by the `sigv4` fuzz target: a tab (or any white space but the space) inside a
    /// header value is signed as it is; collapsing it refused a correctly signed request.
    #[test]
    fn white_space_other_than_spaces_is_kept_as_signed() {
        for value in ["a\tb", "a \t b", "a\u{a0}b", "  a   b  "] {
            let headers = signed_by_aws(
                &[
                    ("host", "127.0.0.1"),
                    (
                        "x-amz-target",
                        "AWSCognitoIdentityProviderService.ListUsers",
                    ),
                    ("x-custom", value),
                ],
                "a=1&b=%20x",
                b"{}",
                1_440_938_160,
            );
            let request = SignedRequest {
                method: "POST",
                path: "/",
                query: "a=1&b=%20x",
                headers,
                body: b"{}",
            };
            let verified = verify(&request, 1_440_938_160_000, |_| Some("secret".into()));
            assert_eq!(verified.unwrap().access_key_id, "AKID", "{value:?}");
        }
        assert_eq!(trim_all("  a \t  b "), "a \t b");
    }

    #[test]
    fn canonical_query_is_sorted_and_encoded() {
        assert_eq!(canonical_query("b=2&a=1 2"), "a=1%202&b=2");
        assert_eq!(canonical_query(""), "");
    }

    #[test]
    fn aws_test_suite_get_vanilla() {
        // AWS's published SigV4 test suite, case "get-vanilla".
        let request = SignedRequest {
            method: "GET",
            path: "/",
            query: "",
            headers: vec![
                ("Host".to_string(), "example.amazonaws.com".to_string()),
                ("X-Amz-Date".to_string(), "20150830T123600Z".to_string()),
            ],
            body: b"",
        };
        let auth = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=x",
        )
        .unwrap();
        let body_hash = hex::encode(Sha256::digest(b""));
        let canonical = canonical_request(&request, &auth.signed_headers, &body_hash);
        assert_eq!(
            signature(
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                &auth,
                "20150830T123600Z",
                &canonical
            ),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    #[test]
    fn missing_header_and_wrong_service() {
        let mut request = SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: vec![],
            body: b"{}",
        };
        assert_eq!(
            verify(&request, 0, |_| None).unwrap_err().type_name,
            "MissingAuthenticationTokenException"
        );
        request.headers.push((
            "Authorization".into(),
            "AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x".into(),
        ));
        assert_eq!(
            verify(&request, 0, |_| None).unwrap_err().type_name,
            "InvalidSignatureException"
        );
    }

    #[test]
    fn target_must_be_signed_and_authorization_single() {
        let mut request = SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: vec![
                ("host".into(), "127.0.0.1".into()),
                ("x-amz-date".into(), "20150830T123600Z".into()),
                (
                    "x-amz-target".into(),
                    "AWSCognitoIdentityProviderService.AdminDeleteUser".into(),
                ),
                (
                    "authorization".into(),
                    "AWS4-HMAC-SHA256 Credential=A/20150830/local/cognito-idp/aws4_request, \
                     SignedHeaders=host;x-amz-date, Signature=x"
                        .into(),
                ),
            ],
            body: b"{}",
        };
        let e = verify(&request, 1_440_938_160_000, |_| Some("s".into())).unwrap_err();
        assert_eq!(e.type_name, "InvalidSignatureException");
        assert!(e.message.contains("x-amz-target"), "{}", e.message);
        request.headers.push((
            "Authorization".into(),
            "AWS4-HMAC-SHA256 Credential=B/20150830/local/cognito-idp/aws4_request, \
             SignedHeaders=host;x-amz-date;x-amz-target, Signature=x"
                .into(),
        ));
        let e = verify(&request, 1_440_938_160_000, |_| Some("s".into())).unwrap_err();
        assert_eq!(e.type_name, "IncompleteSignatureException");
    }
}
