//! Cognito's SRP-6a variant, server side (reference §3.5): the 3072-bit group of RFC 5054,
//! g = 2, SHA-256, Java-style padded hex, x from `poolName ‖ username ‖ ":" ‖ password`, the
//! "Caldera Derived Key" HKDF and the PASSWORD_CLAIM_SIGNATURE HMAC.
//!
//! Mirrors the client math of amazon-cognito-identity-js `AuthenticationHelper.js` and
//! `CognitoUser.js` (tag `amazon-cognito-identity-js@6.3.20`); `srp/tests.rs` holds a vector
//! captured from that library running in Node and a test-only client doing the same math.
//! Modular arithmetic is crypto-bigint's constant-time Montgomery form over `U3072`.
//! No I/O; the caller keeps `b` in its session and checks the timestamp's freshness.

pub mod client;
mod timestamp;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

use super::hmac_sha256;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Odd, U256, U512, U3072};
use rand::RngCore;
use sha2::{Digest, Sha256};

pub use timestamp::parse_timestamp;

/// A user's SRP salt and verifier, both as hex, stored with every password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    pub salt: String,
    pub verifier: String,
}

/// The server's ephemeral pair for one PASSWORD_VERIFIER challenge (hex). `secret` is `b`
/// and is kept only in the server-side session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerEphemeral {
    pub secret: String,
    pub public: String,
}

/// Why an SRP step was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SrpError {
    /// SRP_A is not hex or is 0 mod N.
    #[error("invalid SRP_A")]
    InvalidA,
    /// A stored value (salt, verifier, b) could not be parsed.
    #[error("invalid stored SRP value: {0}")]
    Corrupt(String),
}

/// Everything needed to check a PASSWORD_CLAIM_SIGNATURE.
#[derive(Debug, Clone)]
pub struct Claim<'a> {
    /// The part of the pool id after `_`.
    pub pool_name: &'a str,
    /// The internal username (USER_ID_FOR_SRP).
    pub username: &'a str,
    pub verifier: &'a Verifier,
    /// SRP_A as the client sent it (hex).
    pub a: &'a str,
    pub ephemeral: &'a ServerEphemeral,
    /// SECRET_BLOCK as issued (base64).
    pub secret_block: &'a str,
    /// TIMESTAMP as the client sent it.
    pub timestamp: &'a str,
    /// PASSWORD_CLAIM_SIGNATURE (base64).
    pub signature: &'a str,
}

/// The 3072-bit prime of RFC 5054 appendix A (= RFC 3526 §4), acij `AuthenticationHelper.js`
/// `initN`.
const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33",
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864",
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// Montgomery parameters for N, computed at compile time.
const PARAMS: FixedMontyParams<{ U3072::LIMBS }> =
    FixedMontyParams::new_vartime(Odd::<U3072>::from_be_hex(N_HEX));

/// The HKDF info string of acij `AuthenticationHelper.js` (`infoBits`).
const INFO: &[u8] = b"Caldera Derived Key";

/// Bytes of a user's salt (acij uses 16 for device salts; Cognito's own length is not
/// published).
const SALT_BYTES: usize = 16;

type Residue = FixedMontyForm<{ U3072::LIMBS }>;

/// The pool name SRP uses: the part of the pool id after the first `_`.
pub fn pool_name(pool_id: &str) -> &str {
    pool_id.split_once('_').map(|(_, n)| n).unwrap_or(pool_id)
}

/// A fresh random salt and the verifier `g^x mod N` for this password.
pub fn make_verifier(pool_name: &str, username: &str, password: &str) -> Verifier {
    let mut salt = [0u8; SALT_BYTES];
    rand::rng().fill_bytes(&mut salt);
    verifier_with_salt(pad_hex(&salt), pool_name, username, password)
}

fn verifier_with_salt(salt: String, pool_name: &str, username: &str, password: &str) -> Verifier {
    let x = compute_x(&salt_bytes(&salt), pool_name, username, password);
    let v = generator().pow(&x).retrieve();
    Verifier {
        salt,
        verifier: minimal_hex(&v),
    }
}

/// Checks SRP_A (hex, nonzero mod N).
pub fn check_a(a: &str) -> Result<(), SrpError> {
    parse_a(a).map(|_| ())
}

/// A fresh `b` and `B = k·v + g^b mod N` for the stored verifier.
pub fn server_ephemeral(verifier: &Verifier) -> Result<ServerEphemeral, SrpError> {
    let v = parse_stored(&verifier.verifier, "verifier")?;
    // B ≡ 0 would make the client abort; with a random b it does not happen, but retry anyway.
    for _ in 0..4 {
        let mut secret = [0u8; U512::BYTES];
        rand::rng().fill_bytes(&mut secret);
        if let Some(ephemeral) = ephemeral_with_secret(&v, &U512::from_be_slice(&secret)) {
            return Ok(ephemeral);
        }
    }
    Err(SrpError::Corrupt("B kept coming out 0".into()))
}

/// `B = k·v + g^b mod N`, or None when that is 0.
fn ephemeral_with_secret(v: &U3072, b: &U512) -> Option<ServerEphemeral> {
    let public = multiplier()
        .mul(&residue(v))
        .add(&generator().pow(b))
        .retrieve();
    (public != U3072::ZERO).then(|| ServerEphemeral {
        secret: minimal_hex(b),
        public: minimal_hex(&public),
    })
}

/// Whether the client's signature proves knowledge of the password (constant-time compare).
/// The timestamp's freshness is the caller's check ([`parse_timestamp`]).
pub fn verify_claim(claim: &Claim<'_>) -> Result<bool, SrpError> {
    let a = parse_a(claim.a)?;
    let public = parse_stored(&claim.ephemeral.public, "B")?;
    let secret = parse_hex(&claim.ephemeral.secret)
        .filter(|b| b.len() <= U512::BYTES)
        .ok_or_else(|| SrpError::Corrupt("b".into()))?;
    let b = U512::from_be_slice(&left_pad::<{ U512::BYTES }>(&secret));
    let v = residue(&parse_stored(&claim.verifier.verifier, "verifier")?);
    let secret_block = BASE64
        .decode(claim.secret_block)
        .map_err(|_| SrpError::Corrupt("SECRET_BLOCK".into()))?;

    let u = scrambler(&a, &public);
    if u == U256::ZERO {
        return Err(SrpError::InvalidA);
    }
    // S = (A · v^u)^b mod N; u is public, so v^u may take variable time.
    let s = residue(&a).mul(&v.pow_vartime(&u)).pow(&b).retrieve();
    let key = derive_key(&u, &s);
    let expected = signature(
        &key,
        claim.pool_name,
        claim.username,
        &secret_block,
        claim.timestamp,
    );
    let Ok(given) = BASE64.decode(claim.signature.trim()) else {
        return Ok(false);
    };
    Ok(super::constant_time_eq(&expected, &given))
}

/// A salt for a user that does not exist, the same for the same (key, pool, username), so an
/// observer cannot tell unknown users from real ones by repeating InitiateAuth.
pub fn fake_salt(key: &[u8], pool_id: &str, username: &str) -> String {
    let mac = hmac_sha256(
        key,
        &[
            b"fake-srp-salt\0",
            pool_id.as_bytes(),
            b"\0",
            username.as_bytes(),
        ],
    );
    pad_hex(&mac[..SALT_BYTES])
}

/// Java `BigInteger.toByteArray()`-style hex of a big-endian magnitude (acij `padHex`): no
/// leading zero bytes, even length, and `00` in front when the first nibble is 8 or more, so
/// the value reads as positive. Zero is `"00"`.
fn pad_hex(magnitude: &[u8]) -> String {
    hex::encode(pad_bytes(magnitude))
}

/// The bytes of [`pad_hex`].
fn pad_bytes(magnitude: &[u8]) -> Vec<u8> {
    let trimmed = trim_zeros(magnitude);
    let mut out = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_none_or(|b| *b >= 0x80) {
        out.push(0);
    }
    out.extend_from_slice(trimmed);
    out
}

fn trim_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// Lowercase hex without leading zeros (Java `BigInteger.toString(16)`); zero is `"0"`.
fn minimal_hex<T: crypto_bigint::Encoding>(value: &T) -> String {
    let bytes = value.to_be_bytes();
    let encoded = hex::encode(bytes.as_ref());
    let digits = encoded.trim_start_matches('0');
    if digits.is_empty() {
        "0".into()
    } else {
        digits.into()
    }
}

/// Hex (either case, any length, odd allowed) to big-endian bytes without leading zeros.
fn parse_hex(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_start_matches('0');
    if text.len() > 2 * U3072::BYTES + 1 {
        return None;
    }
    let padded = if text.len() % 2 == 1 {
        format!("0{text}")
    } else {
        text.to_owned()
    };
    hex::decode(padded).ok()
}

fn left_pad<const LEN: usize>(bytes: &[u8]) -> [u8; LEN] {
    let mut out = [0u8; LEN];
    let start = LEN.saturating_sub(bytes.len());
    out[start..].copy_from_slice(&bytes[bytes.len().saturating_sub(LEN)..]);
    out
}

fn to_uint(bytes: &[u8]) -> Option<U3072> {
    (bytes.len() <= U3072::BYTES)
        .then(|| U3072::from_be_slice(&left_pad::<{ U3072::BYTES }>(bytes)))
}

/// SRP_A as sent: hex below 2^3072 and not 0 mod N. Kept unreduced, because the client hashes
/// the value it sent into u.
fn parse_a(a: &str) -> Result<U3072, SrpError> {
    if a.is_empty() || !a.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(SrpError::InvalidA);
    }
    let value = parse_hex(a)
        .as_deref()
        .and_then(to_uint)
        .ok_or(SrpError::InvalidA)?;
    if residue(&value).retrieve() == U3072::ZERO {
        return Err(SrpError::InvalidA);
    }
    Ok(value)
}

fn parse_stored(text: &str, what: &str) -> Result<U3072, SrpError> {
    parse_hex(text)
        .filter(|_| !text.is_empty())
        .as_deref()
        .and_then(to_uint)
        .ok_or_else(|| SrpError::Corrupt(what.into()))
}

/// The salt's bytes as the client hashes them: `padHex(BigInteger(SALT, 16))`.
fn salt_bytes(salt: &str) -> Vec<u8> {
    pad_bytes(&parse_hex(salt).unwrap_or_default())
}

fn residue(value: &U3072) -> Residue {
    Residue::new(value, &PARAMS)
}

fn generator() -> Residue {
    residue(&U3072::from_u8(2))
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

fn uint_bytes<T: crypto_bigint::Encoding>(value: &T) -> Vec<u8> {
    value.to_be_bytes().as_ref().to_vec()
}

/// `k = H(padHex(N) ‖ padHex(g))`.
fn multiplier() -> Residue {
    let n = pad_bytes(&uint_bytes(PARAMS.modulus().as_ref()));
    let k = U256::from_be_slice(&sha256(&[&n, &pad_bytes(&[2])]));
    residue(&k.resize())
}

/// `x = H(padHex(salt) ‖ H(poolName ‖ username ‖ ":" ‖ password))`.
fn compute_x(salt: &[u8], pool_name: &str, username: &str, password: &str) -> U256 {
    let inner = sha256(&[
        pool_name.as_bytes(),
        username.as_bytes(),
        b":",
        password.as_bytes(),
    ]);
    U256::from_be_slice(&sha256(&[salt, &inner]))
}

/// `u = H(padHex(A) ‖ padHex(B))`.
fn scrambler(a: &U3072, b: &U3072) -> U256 {
    let a = pad_bytes(&uint_bytes(a));
    let b = pad_bytes(&uint_bytes(b));
    U256::from_be_slice(&sha256(&[&a, &b]))
}

/// The 16-byte key of acij `computehkdf(padHex(S), padHex(u))`.
fn derive_key(u: &U256, s: &U3072) -> [u8; 16] {
    let prk = hmac_sha256(&pad_bytes(&uint_bytes(u)), &[&pad_bytes(&uint_bytes(s))]);
    let okm = hmac_sha256(&prk, &[INFO, &[1]]);
    let mut key = [0u8; 16];
    key.copy_from_slice(&okm[..16]);
    key
}

/// `HMAC(K, poolName ‖ username ‖ secretBlock ‖ timestamp)`, acij `CognitoUser.js`.
fn signature(
    key: &[u8],
    pool_name: &str,
    username: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> [u8; 32] {
    hmac_sha256(
        key,
        &[
            pool_name.as_bytes(),
            username.as_bytes(),
            secret_block,
            timestamp.as_bytes(),
        ],
    )
}
