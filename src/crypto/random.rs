//! Random identifiers and secrets in Cognito's formats (DESIGN §2 "Identifiers").

use rand::Rng;

const ALNUM: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER_ALNUM: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
const UPPER_ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn pick(set: &[u8], len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(set[rng.random_range(0..set.len())]))
        .collect()
}

/// `{region}_{9 alphanumerics}`.
pub fn pool_id(region: &str) -> String {
    format!("{region}_{}", pick(ALNUM, 9))
}

/// 26 lowercase alphanumerics.
pub fn client_id() -> String {
    pick(LOWER_ALNUM, 26)
}

/// 51 lowercase alphanumerics.
pub fn client_secret() -> String {
    pick(LOWER_ALNUM, 51)
}

/// A UUID v4 (`sub`, request ids), from the thread's CSPRNG (`rand`'s ChaCha, seeded by the
/// OS) rather than a `getrandom` system call per id.
pub fn uuid() -> String {
    uuid::Builder::from_random_bytes(rand::rng().random())
        .into_uuid()
        .to_string()
}

/// An AWS-style access key id: `AKIA` + 16 uppercase alphanumerics.
pub fn access_key_id() -> String {
    format!("AKIA{}", pick(UPPER_ALNUM, 16))
}

/// A 40-character secret access key.
pub fn secret_access_key() -> String {
    pick(ALNUM, 40)
}

/// A numeric code of `digits` digits (confirmation and reset codes).
pub fn numeric_code(digits: usize) -> String {
    pick(b"0123456789", digits)
}

/// `bytes` random bytes in standard base64 (Session strings, SRP SECRET_BLOCK).
pub fn base64_token(bytes: usize) -> String {
    use base64::Engine;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill(buf.as_mut_slice());
    base64::engine::general_purpose::STANDARD.encode(buf)
}

/// `bytes` random bytes in unpadded base64url (authorization codes: safe in a URL as they are).
pub fn url_token(bytes: usize) -> String {
    use base64::Engine;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill(buf.as_mut_slice());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let p = pool_id("local");
        assert!(p.starts_with("local_") && p.len() == 15);
        assert_eq!(client_id().len(), 26);
        assert!(
            client_id()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        assert_eq!(client_secret().len(), 51);
        assert_eq!(access_key_id().len(), 20);
        assert_eq!(numeric_code(6).len(), 6);
    }
}
