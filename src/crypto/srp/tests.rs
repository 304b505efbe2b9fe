//! A test-only client doing acij's client math (`AuthenticationHelper.js`), round trips through
//! the server functions, and a vector captured from amazon-cognito-identity-js itself
//! (`tests/clients/srp_vector.mjs`), so the server is checked against the real client and not
//! only against this port of it.

use super::*;
use crypto_bigint::U1024;

const POOL: &str = "AbC123xyz";
const USER: &str = "6f1c2d3e-0000-4000-8000-1234567890ab";
const PASSWORD: &str = "Correct-Horse-9";
const BLOCK: &str = "c2VjcmV0LWJsb2NrLW9wYXF1ZS10by10aGUtY2xpZW50";
const TIMESTAMP: &str = "Tue Mar 3 09:05:07 UTC 2026";

/// What acij's client does after InitiateAuth, with this file's fixed names.
struct TestClient(client::Client);

impl TestClient {
    fn with_secret(a: U1024) -> Self {
        Self(client::Client::with_secret(a))
    }

    fn random() -> Self {
        Self(client::Client::random())
    }

    fn a_hex(&self) -> String {
        self.0.a_hex()
    }

    fn sign(&self, salt: &str, big_b: &str, password: &str) -> String {
        self.0.sign(&client::Proof {
            pool_name: POOL,
            username: USER,
            password,
            salt,
            b: big_b,
            secret_block: BLOCK,
            timestamp: TIMESTAMP,
        })
    }
}

#[test]
fn client_timestamp_is_acijs_format_and_parses_back() {
    // 2026-03-03 09:05:07 UTC was a Tuesday.
    let ms = 1_772_528_707_000;
    assert_eq!(client::timestamp(ms).as_deref(), Some(TIMESTAMP));
    assert_eq!(parse_timestamp(TIMESTAMP), Some(ms));
}

#[test]
fn client_timestamps_are_acijs_bytes() {
    for (ms, text) in [
        (0, "Thu Jan 1 00:00:00 UTC 1970"),
        (-1000, "Wed Dec 31 23:59:59 UTC 1969"),
        (971_172_610_000, "Tue Oct 10 10:10:10 UTC 2000"),
        (1_709_208_000_000, "Thu Feb 29 12:00:00 UTC 2024"),
        // Milliseconds are dropped, not rounded.
        (1_772_528_707_999, "Tue Mar 3 09:05:07 UTC 2026"),
        (1_796_740_385_000, "Tue Dec 8 14:33:05 UTC 2026"),
        (1_798_761_599_000, "Thu Dec 31 23:59:59 UTC 2026"),
    ] {
        assert_eq!(client::timestamp(ms).as_deref(), Some(text), "{ms}");
    }
    assert_eq!(client::timestamp(i64::MAX), None);
}

#[test]
fn client_timestamps_parse_back_over_four_centuries() {
    // 1900-01-01 onwards, a day and 3,661 seconds apart, so every weekday, month, day, hour,
    // minute and second comes round.
    let start = -2_208_988_800_000_i64;
    for step in 0..146_097 {
        let ms = start + step * (86_400_000 + 3_661_000) + 123;
        let text = client::timestamp(ms).unwrap();
        assert_eq!(parse_timestamp(&text), Some(ms - 123), "{text}");
    }
}

fn claim<'a>(v: &'a Verifier, a: &'a str, e: &'a ServerEphemeral, sig: &'a str) -> Claim<'a> {
    Claim {
        pool_name: POOL,
        username: USER,
        verifier: v,
        a,
        ephemeral: e,
        secret_block: BLOCK,
        timestamp: TIMESTAMP,
        signature: sig,
    }
}

#[test]
fn round_trip_right_password_is_accepted() {
    for _ in 0..3 {
        let v = make_verifier(POOL, USER, PASSWORD);
        let e = server_ephemeral(&v).unwrap();
        let client = TestClient::random();
        let a = client.a_hex();
        check_a(&a).unwrap();
        let sig = client.sign(&v.salt, &e.public, PASSWORD);
        assert!(verify_claim(&claim(&v, &a, &e, &sig)).unwrap());
    }
}

#[test]
fn round_trip_wrong_password_or_tampering_is_refused() {
    let v = make_verifier(POOL, USER, PASSWORD);
    let e = server_ephemeral(&v).unwrap();
    let client = TestClient::random();
    let a = client.a_hex();
    let wrong = client.sign(&v.salt, &e.public, "Correct-Horse-8");
    assert!(!verify_claim(&claim(&v, &a, &e, &wrong)).unwrap());

    let right = client.sign(&v.salt, &e.public, PASSWORD);
    let mut other_time = claim(&v, &a, &e, &right);
    other_time.timestamp = "Tue Mar 3 09:05:08 UTC 2026";
    assert!(!verify_claim(&other_time).unwrap());
    let mut other_user = claim(&v, &a, &e, &right);
    other_user.username = "someone-else";
    assert!(!verify_claim(&other_user).unwrap());
    let other_e = server_ephemeral(&v).unwrap();
    assert!(!verify_claim(&claim(&v, &a, &other_e, &right)).unwrap());
    assert!(!verify_claim(&claim(&v, &a, &e, "not base64!")).unwrap());
    assert!(!verify_claim(&claim(&v, &a, &e, "")).unwrap());
}

#[test]
fn a_padded_or_uppercase_is_the_same_a() {
    let v = make_verifier(POOL, USER, PASSWORD);
    let e = server_ephemeral(&v).unwrap();
    let client = TestClient::random();
    let sig = client.sign(&v.salt, &e.public, PASSWORD);
    let padded = format!("000{}", client.a_hex().to_uppercase());
    assert!(verify_claim(&claim(&v, &padded, &e, &sig)).unwrap());
}

#[test]
fn a_zero_mod_n_or_not_hex_is_refused() {
    let n = minimal_hex(PARAMS.modulus().as_ref());
    let two_n = minimal_hex(
        &PARAMS
            .modulus()
            .as_ref()
            .wrapping_add(PARAMS.modulus().as_ref()),
    );
    assert!(
        two_n.len() == n.len(),
        "2N overflows 3072 bits, so it is refused as too long"
    );
    for bad in [
        "",
        "0",
        "00000",
        n.as_str(),
        "xyz",
        "-1",
        "12 34",
        &"f".repeat(769),
    ] {
        assert_eq!(check_a(bad), Err(SrpError::InvalidA), "{bad:?}");
    }
    // A ≡ 0 mod N in a claim is refused before any signature check.
    let v = make_verifier(POOL, USER, PASSWORD);
    let e = server_ephemeral(&v).unwrap();
    assert_eq!(
        verify_claim(&claim(&v, &n, &e, "AAAA")),
        Err(SrpError::InvalidA)
    );
    check_a("1").unwrap();
    check_a(&"f".repeat(768)).unwrap(); // above N but not ≡ 0: accepted, reduced in the math
}

#[test]
fn pad_hex_matches_java_biginteger() {
    assert_eq!(pad_hex(&[]), "00");
    assert_eq!(pad_hex(&[0, 0]), "00");
    assert_eq!(pad_hex(&[0x14]), "14");
    assert_eq!(pad_hex(&[0x7f]), "7f");
    assert_eq!(pad_hex(&[0x80]), "0080");
    assert_eq!(pad_hex(&[0xec]), "00ec");
    assert_eq!(pad_hex(&[0x00, 0x0a, 0xbc]), "0abc");
    assert_eq!(pad_hex(&[0x00, 0x8a, 0xbc]), "008abc");
    // N starts with F: padHex(N) has the extra 00 byte; k = H(padHex(N) ‖ "02").
    assert!(pad_hex(&uint_bytes(PARAMS.modulus().as_ref())).starts_with("00ffffffff"));
    assert_eq!(
        minimal_hex(&multiplier().retrieve()),
        "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"
    );
}

#[test]
fn salts_look_alike_and_fake_ones_are_deterministic() {
    let real = make_verifier(POOL, USER, PASSWORD).salt;
    let fake = fake_salt(b"server key", "local_AbC123xyz", "nobody");
    for salt in [&real, &fake] {
        assert!(salt.len() <= 34 && salt.len() % 2 == 0, "{salt}");
        assert!(
            salt.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }
    assert_eq!(fake, fake_salt(b"server key", "local_AbC123xyz", "nobody"));
    assert_ne!(fake, fake_salt(b"server key", "local_AbC123xyz", "nobody2"));
    assert_ne!(fake, fake_salt(b"server key", "local_Other", "nobody"));
    assert_ne!(fake, fake_salt(b"other key", "local_AbC123xyz", "nobody"));
    assert_ne!(real, make_verifier(POOL, USER, PASSWORD).salt);
}

#[test]
fn corrupt_stored_values_are_errors_not_panics() {
    let good = make_verifier(POOL, USER, PASSWORD);
    let bad = Verifier {
        salt: good.salt.clone(),
        verifier: "not hex".into(),
    };
    assert!(matches!(server_ephemeral(&bad), Err(SrpError::Corrupt(_))));
    let e = server_ephemeral(&good).unwrap();
    let client = TestClient::random();
    let a = client.a_hex();
    let broken_b = ServerEphemeral {
        secret: "f".repeat(200),
        public: e.public.clone(),
    };
    assert!(matches!(
        verify_claim(&claim(&good, &a, &broken_b, "AAAA")),
        Err(SrpError::Corrupt(_))
    ));
    let mut broken_block = claim(&good, &a, &e, "AAAA");
    broken_block.secret_block = "%%%";
    assert!(matches!(
        verify_claim(&broken_block),
        Err(SrpError::Corrupt(_))
    ));
}

/// Inputs of the captured vector: fixed salt, b and a (a is acij's `smallAValue`).
const VECTOR_SALT: &str = "00d2a8e0d3e1b4f1a52e7b2a6c1f3e4d5c";
const VECTOR_B_SECRET: &str = "3c1e5a7b9d2f4e6a8c0b1d3f5e7a9c2b4d6f8e0a1c3e5b7d9f2a4c6e8b0d1f3a";
const VECTOR_SMALL_A: &str = "5a1b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b";

fn vector_inputs() -> (Verifier, ServerEphemeral) {
    let v = verifier_with_salt(VECTOR_SALT.into(), POOL, USER, PASSWORD);
    let b = U512::from_be_slice(&left_pad::<{ U512::BYTES }>(
        &parse_hex(VECTOR_B_SECRET).unwrap(),
    ));
    let e = ephemeral_with_secret(&parse_stored(&v.verifier, "v").unwrap(), &b).unwrap();
    (v, e)
}

/// SRP_A and PASSWORD_CLAIM_SIGNATURE computed by amazon-cognito-identity-js 6.3.21 (Node 20,
/// `tests/clients/srp_vector.mjs`) from the inputs above and the B this server derives from them.
/// pycognito 2024.5.1's `AWSSRP.get_password_authentication_key` gives the same signature.
const VECTOR_ACIJ_A: &str = concat!(
    "2b523ef571f41b623c33a4fde1d34e05af3be724cbdeb2ef7b1fd18f15a089f80099d8ac859e76b6a56e9fb565708bce",
    "45f6d14af295f139156f003f11d800288a2f04fa2e9dff8b41442e5fd75501784514725199dc68ad933b1caff094a589",
    "3b63291c6528682c246f31ad00d138df23856cc3a824242bd6d29f5caea11985cfcdd529c177534e8ae9f116614aec0d",
    "81d2cf65f39995976e09341e5d9a578ed009f5a97a530b0d48ea222bb049f9ed085158034b8d04eefdf80a3d84cc9124",
    "f767ff364b7c44e865f22b6ed7a16ee8026557572c4e14f2fc19a9c94d90958af1caecba751d7d0b3d1d37b1cc643150",
    "0fde42eec07dcb206080b2d6d0a3fce837c1f47cbb36266aa07c7ca1bb5b2c0946a34c94a669d0b591c24fc0b9b52fe7",
    "eadf42a72fb4597b5fe821a9cdea45466976bd10babbd4469c3a27cd18e39df37403cd8479b7cb2609beab4b56820f8f",
    "2454001738554d09898b9a09bbf9b2a895d6c6fef0e2303140b74685133290b28163b10dc7bc714a657d0934b3f6d9f",
);
const VECTOR_ACIJ_SIGNATURE: &str = "kTJKcPvnvUDy3SD/dIh5uVL6/85PcCnyDvjzaFtMZoI=";

#[test]
fn accepts_the_signature_amazon_cognito_identity_js_computed() {
    let (v, e) = vector_inputs();
    assert!(verify_claim(&claim(&v, VECTOR_ACIJ_A, &e, VECTOR_ACIJ_SIGNATURE)).unwrap());
    let mut wrong = claim(&v, VECTOR_ACIJ_A, &e, VECTOR_ACIJ_SIGNATURE);
    wrong.pool_name = "AbC123xyZ";
    assert!(!verify_claim(&wrong).unwrap());
}

#[test]
fn test_client_agrees_with_amazon_cognito_identity_js() {
    let (v, e) = vector_inputs();
    let a = U1024::from_be_slice(&left_pad::<{ U1024::BYTES }>(
        &parse_hex(VECTOR_SMALL_A).unwrap(),
    ));
    let client = TestClient::with_secret(a);
    assert_eq!(client.a_hex(), VECTOR_ACIJ_A);
    assert_eq!(
        client.sign(&v.salt, &e.public, PASSWORD),
        VECTOR_ACIJ_SIGNATURE
    );
}

/// SRP_B this server derives from the vector's verifier and b: the value given to
/// `tests/clients/srp_vector.mjs` (with the constants above) when the acij vector was captured.
/// If the server's B ever changes, the captured vector no longer describes this code.
const VECTOR_SRP_B: &str = concat!(
    "d39c24e08ddf896f5993e06a89eb0e68216ea6178d7736bed798a0837dafeb1d2587f184c9a73e79dcb0f9b3723e94f0",
    "dbc063f52a231824303c80993d9ad078bbaff830527e6650c639f8caf8bdd788d3f2dece3d483108c882d4bf300ec6cc",
    "6543fa2508db2ab07a0009867ac78226d14f66d25aeedcf9e1b086f2c2ab3e52526037a05dc13634f8fe9593fda830ed",
    "2e0a7d256a46d5b9015465461680fd12eb9645c418dcf7548b194280ab90dcd5f16a21613294cd57b8c711851678642c",
    "f4a2239dae9a17d077833363f01140eae89160d3eb06e046e7743bffcba93ed2b0e5a476de7c1cc989e322ecad671a25",
    "364d0b8f57f0369845ae2fb9598d400402aa93168c9f110e1ecbafb94b9e79b4d4a45b584e9923eb22d399c59ae815a0",
    "7cc81518316a67bfdc7b7903a363387cbe1e4016fd93da7c2d2b81540b8b08c5928b2120f3b4cb222ca241a9c00c8c03",
    "1cb2dc0765f7a34f9ccd37d288d7bd838f4b1d18df06628ff47fbabff862ab5a20c6d6b6515b16480786f9a7a323c56b",
);

#[test]
fn vector_b_is_the_one_the_acij_vector_was_computed_from() {
    let (_, e) = vector_inputs();
    assert_eq!(e.public, VECTOR_SRP_B);
}
