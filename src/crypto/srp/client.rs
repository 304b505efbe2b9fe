//! The client side of Cognito's SRP, as amazon-cognito-identity-js computes it
//! (`AuthenticationHelper.js`, `CognitoUser.js`): A from a random a, then the
//! PASSWORD_CLAIM_SIGNATURE from SALT, SRP_B and SECRET_BLOCK. Tessera itself never signs in
//! as a user; this is for its tests and its load generator, which must speak SRP like the
//! real clients (checked against the vector captured from acij in `tests.rs`).

use super::{
    BASE64, U3072, compute_x, derive_key, generator, minimal_hex, multiplier, parse_hex, residue,
    salt_bytes, scrambler, signature, to_uint,
};
use base64::Engine as _;
use crypto_bigint::{U1024, U2048};
use rand::RngCore;

/// One sign-in attempt's client secret `a` and public `A`.
#[derive(Debug, Clone)]
pub struct Client {
    a: U1024,
    big_a: U3072,
}

/// What the client needs from the PASSWORD_VERIFIER challenge and itself to sign.
#[derive(Debug, Clone, Copy)]
pub struct Proof<'a> {
    pub pool_name: &'a str,
    /// USER_ID_FOR_SRP.
    pub username: &'a str,
    pub password: &'a str,
    /// SALT (hex).
    pub salt: &'a str,
    /// SRP_B (hex).
    pub b: &'a str,
    /// SECRET_BLOCK (base64).
    pub secret_block: &'a str,
    /// TIMESTAMP, as sent.
    pub timestamp: &'a str,
}

impl Client {
    /// A client with a given secret `a` (tests with fixed vectors).
    pub fn with_secret(a: U1024) -> Self {
        let big_a = generator().pow(&a).retrieve();
        Client { a, big_a }
    }

    /// A client with a fresh random `a` (1024 bits, as acij).
    pub fn random() -> Self {
        let mut bytes = [0u8; U1024::BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self::with_secret(U1024::from_be_slice(&bytes))
    }

    /// SRP_A as acij sends it (hex, no padding).
    pub fn a_hex(&self) -> String {
        minimal_hex(&self.big_a)
    }

    /// PASSWORD_CLAIM_SIGNATURE (base64): `S = (B − k·g^x)^(a + u·x) mod N`, the HKDF key, and
    /// the HMAC over pool name, username, secret block and timestamp.
    pub fn sign(&self, p: &Proof<'_>) -> String {
        let b = to_uint(&parse_hex(p.b).unwrap_or_default()).unwrap_or(U3072::ZERO);
        let u = scrambler(&self.big_a, &b);
        let x = compute_x(&salt_bytes(p.salt), p.pool_name, p.username, p.password);
        let base = residue(&b).sub(&multiplier().mul(&generator().pow(&x)));
        let exponent = u
            .resize::<{ U2048::LIMBS }>()
            .wrapping_mul(&x)
            .wrapping_add(&self.a.resize());
        let s = base.pow(&exponent).retrieve();
        let key = derive_key(&u, &s);
        let block = BASE64.decode(p.secret_block).unwrap_or_default();
        BASE64.encode(signature(
            &key,
            p.pool_name,
            p.username,
            &block,
            p.timestamp,
        ))
    }
}

/// A TIMESTAMP in acij's format (`Tue Mar 3 09:05:07 UTC 2026`) for epoch milliseconds; None
/// for an instant `time` cannot hold (beyond the year 9999).
pub fn timestamp(epoch_ms: i64) -> Option<String> {
    let at = time::OffsetDateTime::from_unix_timestamp(epoch_ms.div_euclid(1000)).ok()?;
    at.format(super::timestamp::FORMAT).ok()
}
