//! Cryptographic building blocks: password hashing, random identifiers and secrets,
//! constant-time comparison. No I/O beyond the blocking pool used for hashing.

pub mod jwt;
pub mod password;
pub mod random;
pub mod srp;
pub mod totp;

/// Compares two secrets in constant time (for equal lengths).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}
