//! Tessera's JWTs (`crypto::jwt`), as GetUser, userInfo, RevokeToken and refresh meet them.
//! The first byte picks the half:
//!
//! - raw: any text is split and decoded without panicking; `looks_like_jwt` (which tells an
//!   access or ID token from an opaque refresh token) agrees with the parser; and nothing the
//!   fuzzer makes up verifies under a pool key.
//! - signed: claims from the input are signed with a pool key, then the token is changed at a
//!   position and to a byte the input chooses. The untouched token verifies and gives back
//!   its claims; any change to it is refused (by the parser or by the signature).

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use std::sync::LazyLock;
use tessera::crypto::jwt::{
    SigningKey, UnverifiedToken, VerifyingKey, generate_key, looks_like_jwt,
};

struct Keys {
    signing: SigningKey,
    verifying: VerifyingKey,
}

static KEYS: LazyLock<Keys> = LazyLock::new(|| {
    let Ok(generated) = generate_key() else {
        panic!("no RSA key");
    };
    let Ok(signing) = SigningKey::from_pkcs8_base64(&generated.kid, &generated.private_pkcs8)
    else {
        panic!("the generated key does not parse");
    };
    let Ok(verifying) = signing.verifying_key() else {
        panic!("no public key");
    };
    Keys { signing, verifying }
});

fn raw(text: &str) {
    let parsed = UnverifiedToken::parse(text);
    assert_eq!(looks_like_jwt(text), parsed.is_ok());
    if let Ok(token) = parsed {
        assert!(
            KEYS.verifying.verify(&token).is_err(),
            "a made-up token verified: {text:?}"
        );
    }
}

fn signed(data: &[u8]) {
    // Claims: a map of short names to strings, from the input's text.
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\u{0}');
    let mutation = parts.next().unwrap_or_default().as_bytes().to_vec();
    let mut claims = Map::new();
    while let (Some(k), Some(v)) = (parts.next(), parts.next()) {
        claims.insert(k.to_string(), Value::String(v.to_string()));
    }
    claims.insert("token_use".into(), Value::String("access".into()));
    let claims = Value::Object(claims);
    let Ok(token) = KEYS.signing.sign(&claims) else {
        panic!("signing failed");
    };
    let Ok(parsed) = UnverifiedToken::parse(&token) else {
        panic!("our own token does not parse: {token}");
    };
    let Ok(verified) = KEYS.verifying.verify(&parsed) else {
        panic!("our own token does not verify: {token}");
    };
    assert_eq!(verified.claims::<Value>().ok(), Some(claims));

    // The change: bytes 0-1 the position, byte 2 the new character.
    let &[hi, lo, new, ..] = mutation.as_slice() else {
        return;
    };
    let mut bytes = token.clone().into_bytes();
    let at = usize::from(u16::from_be_bytes([hi, lo])) % bytes.len();
    bytes[at] = new;
    let Ok(changed) = String::from_utf8(bytes) else {
        return;
    };
    if changed == token {
        return;
    }
    if let Ok(t) = UnverifiedToken::parse(&changed) {
        assert!(
            KEYS.verifying.verify(&t).is_err(),
            "a changed token still verifies: byte {at} to {new:#x}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((&mode, rest)) if mode % 4 != 0 => raw(&String::from_utf8_lossy(rest)),
        Some((_, rest)) => signed(rest),
        None => {}
    }
});
