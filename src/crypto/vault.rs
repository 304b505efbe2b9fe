//! Secrets at rest, by envelope encryption. A random data key seals every secret column
//! (AES-256-GCM, a fresh 96-bit nonce per value, the column's name as associated data so a
//! value cannot be moved to another column); the master key — `TESSERA_MASTER_KEY` or the
//! key file in the data directory — seals the data key, which the database keeps. A copy of
//! the database without the master key holds no usable secret, and rotating the master key
//! re-seals one row.
//!
//! A sealed value is `v1.` followed by base64url (unpadded) of nonce ‖ ciphertext ‖ tag.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use rand::Rng;

const PREFIX: &str = "v1.";
const NONCE_LEN: usize = 12;
/// Associated data of the sealed data key.
const DATA_KEY_AAD: &[u8] = b"tessera data key";

/// A sealed value that does not open: another key sealed it, or it was altered or moved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a sealed value does not open ({0}): wrong master key, or the value was altered")]
pub struct OpenError(pub &'static str);

/// 32 bytes of key material, never printed.
#[derive(Clone)]
pub struct Key([u8; 32]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

impl Key {
    /// A new random key.
    pub fn generate() -> Key {
        Key(rand::rng().random())
    }

    /// Reads a key written by [`Key::encode`] (standard or URL-safe base64, padded or not,
    /// surrounding whitespace ignored).
    pub fn decode(text: &str) -> Result<Key, &'static str> {
        let text = text.trim();
        let bytes = [STANDARD, URL_SAFE]
            .iter()
            .find_map(|engine| engine.decode(text).ok())
            .or_else(|| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok())
            .ok_or("a master key is 32 bytes in base64")?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "a master key is 32 bytes in base64")?;
        Ok(Key(bytes))
    }

    /// Standard base64 (44 characters).
    pub fn encode(&self) -> String {
        STANDARD.encode(self.0)
    }

    fn cipher(&self) -> Aes256Gcm {
        // A 32-byte slice is always a valid AES-256 key.
        Aes256Gcm::new(aes_gcm::Key::<Aes256Gcm>::from_slice(&self.0))
    }
}

/// Seals with `cipher`: `v1.` + base64url(nonce ‖ ciphertext ‖ tag).
fn seal_with(cipher: &Aes256Gcm, aad: &[u8], plaintext: &[u8]) -> String {
    let nonce: [u8; NONCE_LEN] = rand::rng().random();
    // Encryption fails only for plaintexts beyond GCM's 64 GiB limit.
    let ciphertext = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .unwrap_or_default();
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ciphertext);
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out))
}

fn open_with(cipher: &Aes256Gcm, aad: &[u8], sealed: &str) -> Result<Vec<u8>, OpenError> {
    let body = sealed
        .strip_prefix(PREFIX)
        .ok_or(OpenError("not a sealed value"))?;
    let bytes = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| OpenError("not base64url"))?;
    if bytes.len() < NONCE_LEN + 16 {
        return Err(OpenError("too short"));
    }
    let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map_err(|_| OpenError("authentication failed"))
}

/// The data key, open: seals and opens secret columns.
#[derive(Clone)]
pub struct Vault {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(…)")
    }
}

impl Vault {
    /// A vault over `data_key`.
    pub fn new(data_key: &Key) -> Vault {
        Vault {
            cipher: data_key.cipher(),
        }
    }

    /// Seals `plaintext` for `column` (its associated data).
    pub fn seal(&self, column: &str, plaintext: &str) -> String {
        seal_with(&self.cipher, column.as_bytes(), plaintext.as_bytes())
    }

    /// Opens a value [`Vault::seal`] made for `column`.
    pub fn open(&self, column: &str, sealed: &str) -> Result<String, OpenError> {
        let bytes = open_with(&self.cipher, column.as_bytes(), sealed)?;
        String::from_utf8(bytes).map_err(|_| OpenError("not UTF-8"))
    }
}

/// The data key sealed under `master`, as the database keeps it.
pub fn wrap_data_key(master: &Key, data_key: &Key) -> String {
    seal_with(&master.cipher(), DATA_KEY_AAD, &data_key.0)
}

/// The data key from its sealed form; fails when `master` is not the key that sealed it.
pub fn unwrap_data_key(master: &Key, wrapped: &str) -> Result<Key, OpenError> {
    let bytes = open_with(&master.cipher(), DATA_KEY_AAD, wrapped)?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| OpenError("a data key is 32 bytes"))?;
    Ok(Key(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_per_column() {
        let vault = Vault::new(&Key::generate());
        let sealed = vault.seal("users.srp_verifier", "abc123");
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("abc123"));
        assert_eq!(vault.open("users.srp_verifier", &sealed).unwrap(), "abc123");
        // Fresh nonce each time.
        assert_ne!(sealed, vault.seal("users.srp_verifier", "abc123"));
        // Moved to another column, altered, or opened with another key: refused.
        assert!(vault.open("user_mfa.totp_secret", &sealed).is_err());
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert!(
            vault
                .open("users.srp_verifier", &String::from_utf8(altered).unwrap())
                .is_err()
        );
        assert!(
            Vault::new(&Key::generate())
                .open("users.srp_verifier", &sealed)
                .is_err()
        );
        assert!(vault.open("users.srp_verifier", "abc123").is_err());
        assert!(vault.open("users.srp_verifier", "v1.").is_err());
    }

    #[test]
    fn data_key_opens_only_under_its_master() {
        let (master, data) = (Key::generate(), Key::generate());
        let wrapped = wrap_data_key(&master, &data);
        assert_eq!(unwrap_data_key(&master, &wrapped).unwrap().0, data.0);
        assert!(unwrap_data_key(&Key::generate(), &wrapped).is_err());
    }

    #[test]
    fn keys_read_back_from_any_base64() {
        let key = Key::generate();
        let text = key.encode();
        assert_eq!(text.len(), 44);
        assert_eq!(Key::decode(&format!(" {text}\n")).unwrap().0, key.0);
        let url = URL_SAFE_NO_PAD.encode(key.0);
        assert_eq!(Key::decode(&url).unwrap().0, key.0);
        assert!(Key::decode("c2hvcnQ=").is_err());
        assert!(Key::decode("not base64 at all!").is_err());
        assert!(!format!("{key:?}").contains(&text));
    }
}
