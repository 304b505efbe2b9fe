//! Cognito's SRP-6a variant, server side (reference §3.5): the 3072-bit group of RFC 5054,
//! g = 2, SHA-256, Java-style padded hex, x from `poolName ‖ username ‖ ":" ‖ password`, the
//! "Caldera Derived Key" HKDF and the PASSWORD_CLAIM_SIGNATURE HMAC. Checked against
//! amazon-cognito-identity-js and pycognito.
//!
//! INTERFACE STUB: the bodies are being written (issue 3); signatures are the contract.

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

/// The pool name SRP uses: the part of the pool id after the first `_`.
pub fn pool_name(pool_id: &str) -> &str {
    pool_id.split_once('_').map(|(_, n)| n).unwrap_or(pool_id)
}

/// A fresh random salt and the verifier `g^x mod N` for this password.
pub fn make_verifier(_pool_name: &str, _username: &str, _password: &str) -> Verifier {
    Verifier {
        salt: String::new(),
        verifier: String::new(),
    }
}

/// Checks SRP_A (hex, nonzero mod N).
pub fn check_a(_a: &str) -> Result<(), SrpError> {
    Err(SrpError::InvalidA)
}

/// A fresh `b` and `B = k·v + g^b mod N` for the stored verifier.
pub fn server_ephemeral(_verifier: &Verifier) -> Result<ServerEphemeral, SrpError> {
    Err(SrpError::Corrupt("not implemented".into()))
}

/// Whether the client's signature proves knowledge of the password (constant-time compare).
/// The timestamp's freshness is the caller's check ([`parse_timestamp`]).
pub fn verify_claim(_claim: &Claim<'_>) -> Result<bool, SrpError> {
    Ok(false)
}

/// Parses Cognito's TIMESTAMP (`Tue Mar 3 09:05:07 UTC 2026`) into epoch milliseconds.
pub fn parse_timestamp(_value: &str) -> Option<i64> {
    None
}

/// A salt for a user that does not exist, the same for the same (key, pool, username), so an
/// observer cannot tell unknown users from real ones by repeating InitiateAuth.
pub fn fake_salt(_key: &[u8], _pool_id: &str, _username: &str) -> String {
    String::new()
}
