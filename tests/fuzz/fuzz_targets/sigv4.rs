//! SigV4 on admin actions (`api::sigv4`). Two halves, chosen by the first byte:
//!
//! - raw: any `Authorization` value and `X-Amz-Date` are parsed without panicking; a parsed
//!   header printed back parses to the same thing; a parsed date prints back to itself; and
//!   a request the fuzzer made up never verifies (it cannot forge the HMAC).
//! - signed: a request built from the input (headers, query, body, key, region, time) and
//!   signed by AWS's own signer (`aws-sigv4`, as the SDKs sign) always verifies, for that key
//!   only.

#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, UNIX_EPOCH};
use tessera::api::sigv4::{self, Authorization, SignedRequest};
use time::macros::format_description;

fn print(a: &Authorization) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{}/{}/{}/aws4_request, SignedHeaders={}, Signature={}",
        a.access_key_id,
        a.date,
        a.region,
        a.service,
        a.signed_headers.join(";"),
        a.signature
    )
}

fn raw(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (header, date) = text.split_once('\n').unwrap_or((&text, ""));
    if let Ok(parsed) = sigv4::parse_authorization(header) {
        let printed = print(&parsed);
        match sigv4::parse_authorization(&printed) {
            Ok(again) => assert_eq!(again, parsed, "{printed:?}"),
            Err(e) => panic!("{printed:?} (from {header:?}): {}", e.message),
        }
    }
    if let Some(ms) = sigv4::parse_amz_date(date) {
        let Ok(at) = time::OffsetDateTime::from_unix_timestamp(ms / 1000) else {
            panic!("{date:?} parsed to {ms}, outside time's range");
        };
        let format = format_description!("[year][month][day]T[hour][minute][second]Z");
        assert_eq!(at.format(format).ok().as_deref(), Some(date), "{ms}");
    }
    let request = SignedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: vec![
            ("host".into(), "127.0.0.1".into()),
            ("x-amz-target".into(), "x".into()),
            ("x-amz-date".into(), date.into()),
            ("authorization".into(), header.into()),
        ],
        body: data,
    };
    let now = sigv4::parse_amz_date(date).unwrap_or(0);
    assert!(sigv4::verify(&request, now, |_| Some("secret".into())).is_err());
}

/// What the signed half builds a request from.
#[derive(Arbitrary, Debug)]
struct Request {
    key_id: String,
    secret: String,
    region: String,
    target: String,
    headers: Vec<(String, String)>,
    query: Vec<(String, String)>,
    body: Vec<u8>,
    seconds: u32,
}

/// The SDKs' query encoding: everything but the unreserved characters percent-encoded.
fn encode(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// Headers the signer or the test sets itself.
const OWN: &[&str] = &[
    "host",
    "x-amz-target",
    "authorization",
    "x-amz-date",
    "x-amz-content-sha256",
    "x-amz-security-token",
];

fn signed(data: &[u8]) {
    let Ok(r) = Request::arbitrary(&mut Unstructured::new(data)) else {
        return;
    };
    let key_id: String = r
        .key_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let region: String = r
        .region
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if key_id.is_empty() || region.is_empty() {
        return;
    }
    let query = r
        .query
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let uri = if query.is_empty() {
        "https://127.0.0.1/".to_string()
    } else {
        format!("https://127.0.0.1/?{query}")
    };
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), "127.0.0.1".into()),
        ("x-amz-target".into(), r.target.clone()),
    ];
    headers.extend(
        r.headers
            .iter()
            .filter(|(n, _)| !OWN.contains(&n.to_ascii_lowercase().as_str()))
            .cloned(),
    );
    // HTTP drops white space (spaces and tabs) around a header value before the server reads
    // it (RFC 9110 §5.5); the signer trims only spaces. A value with a tab at an end is signed
    // with bytes no server receives: it is not sent.
    let tab_at_end = |v: &str| {
        let t = v.trim_matches(' ');
        t.starts_with('\t') || t.ends_with('\t')
    };
    if headers.iter().any(|(_, v)| tab_at_end(v)) {
        return;
    }
    let at = UNIX_EPOCH + Duration::from_secs(u64::from(r.seconds));
    let identity =
        aws_credential_types::Credentials::new(&key_id, &r.secret, None, None, "fuzz").into();
    let Ok(params) = v4::SigningParams::builder()
        .identity(&identity)
        .region(&region)
        .name("cognito-idp")
        .time(at)
        .settings(SigningSettings::default())
        .build()
    else {
        return;
    };
    let Ok(signable) = SignableRequest::new(
        "POST",
        &uri,
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(&r.body),
    ) else {
        return;
    };
    // The signer refuses what it cannot sign (header names or values HTTP forbids).
    let Ok(output) = sign(signable, &params.into()) else {
        return;
    };
    let (instructions, _) = output.into_parts();
    let (added, _) = instructions.into_parts();
    headers.extend(
        added
            .into_iter()
            .map(|h| (h.name().to_string(), h.value().to_string())),
    );
    // What the server reads, after HTTP's parsing.
    for (_, v) in &mut headers {
        *v = v.trim_matches([' ', '\t']).to_string();
    }
    let request = SignedRequest {
        method: "POST",
        path: "/",
        query: &query,
        headers,
        body: &r.body,
    };
    let now = i64::from(r.seconds) * 1000;
    match sigv4::verify(&request, now, |id| (id == key_id).then(|| r.secret.clone())) {
        Ok(v) => assert_eq!(v.access_key_id, key_id),
        Err(e) => panic!(
            "a request signed by aws-sigv4 was refused: {} {}\n{:?}",
            e.type_name, e.message, request.headers
        ),
    }
    // Another secret for the same key: refused.
    let wrong = format!("{}x", r.secret);
    assert!(sigv4::verify(&request, now, |_| Some(wrong.clone())).is_err());
}

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((&mode, rest)) if mode % 2 == 0 => raw(rest),
        Some((_, rest)) => signed(rest),
        None => {}
    }
});
