//! The SRP arithmetic against an independent reference: the same formulas written with
//! `num-bigint` (plain big integers, Java's `toByteArray` for acij's `padHex`) and an HMAC
//! written out from RFC 2104, instead of crypto-bigint's Montgomery form and the `hmac` crate.

use super::*;
use num_bigint::{BigInt, BigUint};
use proptest::prelude::*;

fn n() -> BigUint {
    BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap()
}

fn g() -> BigUint {
    BigUint::from(2u8)
}

/// acij `padHex`: Java `BigInteger.toByteArray()` of a non-negative value.
fn pad(value: &BigUint) -> Vec<u8> {
    BigInt::from(value.clone()).to_signed_bytes_be()
}

fn hash(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().to_vec()
}

/// RFC 2104 HMAC-SHA256, written out.
fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&hash(&[key]));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    hash(&[&opad, &hash(&[&ipad, message])])
}

fn int(bytes: &[u8]) -> BigUint {
    BigUint::from_bytes_be(bytes)
}

fn hex_of(value: &BigUint) -> String {
    value.to_str_radix(16)
}

/// `x = H(padHex(salt) ‖ H(poolName ‖ username ‖ ":" ‖ password))`.
fn x(salt: &BigUint, pool: &str, user: &str, password: &str) -> BigUint {
    let inner = hash(&[pool.as_bytes(), user.as_bytes(), b":", password.as_bytes()]);
    int(&hash(&[&pad(salt), &inner]))
}

fn k() -> BigUint {
    int(&hash(&[&pad(&n()), &pad(&g())]))
}

/// What acij's client sends as PASSWORD_CLAIM_SIGNATURE, computed with the reference.
#[allow(clippy::too_many_arguments)]
fn reference_signature(
    a: &BigUint,
    big_b: &BigUint,
    salt: &BigUint,
    pool: &str,
    user: &str,
    password: &str,
    block: &[u8],
    timestamp: &str,
) -> String {
    let n = n();
    let big_a = g().modpow(a, &n);
    let u = int(&hash(&[&pad(&big_a), &pad(big_b)]));
    let x = x(salt, pool, user, password);
    let kgx = (k() * g().modpow(&x, &n)) % &n;
    let base = (big_b + &n - kgx) % &n;
    let s = base.modpow(&(a + &u * &x), &n);
    let prk = hmac(&pad(&u), &pad(&s));
    let mut info = INFO.to_vec();
    info.push(1);
    let key = &hmac(&prk, &info)[..16];
    let mut message = Vec::new();
    message.extend_from_slice(pool.as_bytes());
    message.extend_from_slice(user.as_bytes());
    message.extend_from_slice(block);
    message.extend_from_slice(timestamp.as_bytes());
    BASE64.encode(hmac(key, &message))
}

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.@+-]{1,24}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The stored verifier is `g^x mod N`, its salt acij's `padHex`.
    #[test]
    fn verifier_is_g_to_the_x(
        salt in prop::collection::vec(any::<u8>(), 16),
        pool in name(),
        user in name(),
        password in ".{0,32}",
    ) {
        let salt_int = int(&salt);
        let v = verifier_with_salt(pad_hex(&salt), &pool, &user, &password);
        prop_assert_eq!(&v.salt, &hex::encode(pad(&salt_int)));
        let want = g().modpow(&x(&salt_int, &pool, &user, &password), &n());
        prop_assert_eq!(v.verifier, hex_of(&want));
    }

    /// `B = k·v + g^b mod N`, for any stored verifier below N and any b.
    #[test]
    fn server_public_is_kv_plus_g_to_the_b(
        v in prop::collection::vec(any::<u8>(), U3072::BYTES),
        b in prop::collection::vec(any::<u8>(), U512::BYTES),
    ) {
        let n = n();
        let v_int = int(&v) % &n;
        let v_uint = U3072::from_be_slice(&left_pad::<{ U3072::BYTES }>(&v_int.to_bytes_be()));
        let want = (k() * &v_int + g().modpow(&int(&b), &n)) % &n;
        match ephemeral_with_secret(&v_uint, &U512::from_be_slice(&b)) {
            Some(e) => {
                prop_assert_eq!(e.public, hex_of(&want));
                prop_assert_eq!(int(&parse_hex(&e.secret).unwrap()), int(&b));
            }
            None => prop_assert_eq!(want, BigUint::from(0u8)),
        }
    }

    /// SRP_A is refused exactly when it is not hex, has more than 3072 bits, or is 0 mod N.
    #[test]
    fn a_is_refused_only_when_zero_mod_n(
        bytes in prop::collection::vec(any::<u8>(), 0..=U3072::BYTES),
        multiple in 0u8..2,
        zeros in 0usize..4,
        upper in any::<bool>(),
    ) {
        let n = n();
        let value = if multiple == 1 && bytes.len() % 2 == 0 { n.clone() } else { int(&bytes) };
        let mut text = format!("{}{}", "0".repeat(zeros), hex_of(&value));
        if upper {
            text = text.to_uppercase();
        }
        let zero = (&value % &n) == BigUint::from(0u8);
        prop_assert_eq!(check_a(&text).is_ok(), !zero, "{}", text);
        let not_hex = format!("{text}g");
        prop_assert!(check_a(&not_hex).is_err());
        let too_long = format!("1{}", "0".repeat(768));
        prop_assert!(check_a(&too_long).is_err());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// A client doing the reference's arithmetic (acij's formulas) is accepted with the right
    /// password and refused with another.
    #[test]
    fn claims_of_a_reference_client_verify(
        a in prop::collection::vec(any::<u8>(), 128),
        b in prop::collection::vec(any::<u8>(), U512::BYTES),
        salt in prop::collection::vec(any::<u8>(), 16),
        pool in name(),
        user in name(),
        password in ".{1,32}",
        block in prop::collection::vec(any::<u8>(), 1..64),
        timestamp in "[A-Za-z0-9: ]{1,32}",
    ) {
        let verifier = verifier_with_salt(pad_hex(&salt), &pool, &user, &password);
        let v = parse_stored(&verifier.verifier, "verifier").unwrap();
        let ephemeral = ephemeral_with_secret(&v, &U512::from_be_slice(&b)).unwrap();
        let (a_int, salt_int) = (int(&a), int(&salt));
        let big_a = hex_of(&g().modpow(&a_int, &n()));
        let big_b = int(&parse_hex(&ephemeral.public).unwrap());
        let secret_block = BASE64.encode(&block);
        let sign = |password: &str| {
            reference_signature(&a_int, &big_b, &salt_int, &pool, &user, password, &block, &timestamp)
        };
        let right = sign(&password);
        let wrong = sign(&format!("{password}!"));
        let claim = |signature: &str| {
            verify_claim(&Claim {
                pool_name: &pool,
                username: &user,
                verifier: &verifier,
                a: &big_a,
                ephemeral: &ephemeral,
                secret_block: &secret_block,
                timestamp: &timestamp,
                signature,
            })
        };
        prop_assert_eq!(claim(&right), Ok(true));
        prop_assert_eq!(claim(&wrong), Ok(false));
    }
}
