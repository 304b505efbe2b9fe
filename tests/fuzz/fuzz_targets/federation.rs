//! What federation reads from an upstream OpenID Provider (`federation`,
//! `services::federation`). The first byte picks the half:
//!
//! - token answer: any body is read as the token endpoint's JSON answer; an ID token in it
//!   never passes `check_id_token` under the provider's key set (the fuzzer cannot sign), and
//!   its payload is read without panicking.
//! - claims: ID-token claims and a user endpoint answer (two JSON texts split at the first
//!   NUL) are merged: the merge refuses another subject, keeps the signed `sub`, `email` and
//!   `email_verified`, and takes everything else from the user endpoint; mapping the claims to
//!   attributes and checking them against a schema never panics.
//! - Apple's `user`: the posted name adds `firstName`/`lastName` strings (at most 256
//!   characters) and never replaces a claim.
//! - signed: an ID token the provider signed passes `check_id_token` exactly when its issuer,
//!   audience, nonce and expiry are right.

#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use openidconnect::core::{CoreJsonWebKeySet, CoreTokenResponse};
use openidconnect::{IssuerUrl, Nonce};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::LazyLock;
use tessera::crypto::jwt::{SigningKey, generate_key};
use tessera::domain::attributes::{SchemaAttribute, WriteKind, build_schema, check_values};
use tessera::domain::identity_provider::{self as idp, IdentityProvider, ProviderType};
use tessera::federation::{check_id_token, jwt_payload, merge_user_info, user_info};

const ISSUER: &str = "https://idp.example";
const CLIENT: &str = "tessera-client";
const NONCE: &str = "n-0S6_WzA2Mj";

struct Upstream {
    key: SigningKey,
    keys: CoreJsonWebKeySet,
    issuer: IssuerUrl,
    provider: IdentityProvider,
    schema: Vec<SchemaAttribute>,
}

static UPSTREAM: LazyLock<Upstream> = LazyLock::new(|| {
    let (Ok(generated), Ok(issuer)) = (generate_key(), IssuerUrl::new(ISSUER.into())) else {
        panic!("no key or issuer");
    };
    let Ok(key) = SigningKey::from_pkcs8_base64(&generated.kid, &generated.private_pkcs8) else {
        panic!("the generated key does not parse");
    };
    let Ok(keys) = serde_json::from_value(json!({ "keys": [generated.public_jwk] })) else {
        panic!("openidconnect does not read our JWK");
    };
    let mapping = [
        ("username", "sub"),
        ("email", "email"),
        ("name", "name"),
        ("phone_number", "phone"),
        ("updated_at", "updated_at"),
        ("custom:tier", "tier"),
    ];
    let provider = IdentityProvider {
        pool_id: "local_p".into(),
        name: "Upstream".into(),
        kind: ProviderType::Oidc,
        details: BTreeMap::new(),
        attribute_mapping: mapping
            .iter()
            .map(|(a, c)| (a.to_string(), c.to_string()))
            .collect(),
        idp_identifiers: Vec::new(),
        created_at: 0,
        updated_at: 0,
    };
    let tier = SchemaAttribute {
        name: Some("tier".into()),
        attribute_data_type: Some("String".into()),
        ..Default::default()
    };
    let Ok(schema) = build_schema(&[tier]) else {
        panic!("schema");
    };
    Upstream {
        key,
        keys,
        issuer,
        provider,
        schema,
    }
});

fn token_answer(body: &[u8]) {
    let Ok(answer) = serde_json::from_slice::<CoreTokenResponse>(body) else {
        return;
    };
    use openidconnect::TokenResponse;
    let Some(id_token) = answer.id_token() else {
        return;
    };
    let u = &*UPSTREAM;
    let verdict = check_id_token(
        id_token,
        u.keys.clone(),
        CLIENT,
        &u.issuer,
        &Nonce::new(NONCE.into()),
    );
    assert!(verdict.is_err(), "a made-up ID token passed: {body:?}");
    let _ = jwt_payload(&id_token.to_string());
}

fn object(text: &[u8]) -> Option<Map<String, Value>> {
    user_info(text).ok()
}

fn claims(data: &[u8]) {
    let (a, b) = match data.iter().position(|&c| c == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &b"{}"[..]),
    };
    let (Some(signed), Some(info)) = (object(a), object(b)) else {
        return;
    };
    let mut merged = signed.clone();
    match merge_user_info(&mut merged, info.clone()) {
        Err(_) => assert_ne!(info.get("sub"), signed.get("sub")),
        Ok(()) => {
            assert_eq!(info.get("sub"), signed.get("sub"));
            for (name, value) in &merged {
                let kept = matches!(name.as_str(), "sub" | "email" | "email_verified")
                    && signed.contains_key(name);
                let want = if kept {
                    signed.get(name)
                } else {
                    info.get(name).or(signed.get(name))
                };
                assert_eq!(Some(value), want, "{name}");
            }
            for name in info.keys().chain(signed.keys()) {
                assert!(merged.contains_key(name), "{name} lost");
            }
        }
    }
    let u = &*UPSTREAM;
    let mapped = u.provider.map_claims(&merged);
    assert!(!mapped.contains_key("username"));
    for attribute in mapped.keys() {
        assert!(u.provider.attribute_mapping.contains_key(attribute));
    }
    let _ = check_values(&u.schema, &mapped, WriteKind::Update);
    let _ = idp::subject_of(&merged, u.provider.subject_claim());
    let _ = idp::email_verified(&merged);
}

fn apple(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (before, user) = text.split_once('\u{0}').unwrap_or(("{}", &text));
    let Some(original) = object(before.as_bytes()) else {
        return;
    };
    let mut claims = original.clone();
    tessera::fuzzing::apple_name(&mut claims, user);
    for (name, value) in &claims {
        match original.get(name) {
            Some(was) => assert_eq!(was, value, "{name} replaced"),
            None => {
                assert!(
                    matches!(name.as_str(), "firstName" | "lastName"),
                    "{name} added"
                );
                let Value::String(s) = value else {
                    panic!("{name} is not a string");
                };
                assert!(s.chars().count() <= 256);
            }
        }
    }
    assert!(original.keys().all(|k| claims.contains_key(k)));
}

#[derive(Arbitrary, Debug)]
struct IdToken {
    right_issuer: bool,
    right_audience: bool,
    right_nonce: bool,
    current: bool,
    sub: String,
    extra: Vec<(String, String)>,
}

fn signed(data: &[u8]) {
    let Ok(t) = IdToken::arbitrary(&mut Unstructured::new(data)) else {
        return;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let mut claims = Map::new();
    // Names of their own: a standard claim of the wrong type is refused, rightly.
    for (k, v) in t.extra {
        claims.insert(format!("x_{k}"), Value::String(v));
    }
    let sub = if t.sub.is_empty() {
        "s".to_string()
    } else {
        t.sub
    };
    let fixed = [
        (
            "iss",
            json!(if t.right_issuer {
                ISSUER
            } else {
                "https://other.example"
            }),
        ),
        (
            "aud",
            json!(if t.right_audience {
                CLIENT
            } else {
                "someone-else"
            }),
        ),
        (
            "nonce",
            json!(if t.right_nonce { NONCE } else { "replayed" }),
        ),
        (
            "exp",
            json!(if t.current { now + 3600 } else { now - 3600 }),
        ),
        ("iat", json!(now - 60)),
        ("sub", json!(sub)),
    ];
    for (k, v) in fixed {
        claims.insert(k.into(), v);
    }
    let u = &*UPSTREAM;
    let Ok(jwt) = u.key.sign(&Value::Object(claims)) else {
        panic!("signing failed");
    };
    let answer = json!({"access_token": "a", "token_type": "Bearer", "id_token": jwt});
    let Ok(answer) = serde_json::from_value::<CoreTokenResponse>(answer) else {
        panic!("our token answer does not parse");
    };
    use openidconnect::TokenResponse;
    let Some(id_token) = answer.id_token() else {
        panic!("no id_token");
    };
    let verdict = check_id_token(
        id_token,
        u.keys.clone(),
        CLIENT,
        &u.issuer,
        &Nonce::new(NONCE.into()),
    );
    let right = t.right_issuer && t.right_audience && t.right_nonce && t.current;
    assert_eq!(verdict.is_ok(), right, "{verdict:?}");
    if right {
        assert!(jwt_payload(&jwt).is_ok());
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => token_answer(rest),
        1 => claims(rest),
        2 => apple(rest),
        _ => signed(rest),
    }
});
