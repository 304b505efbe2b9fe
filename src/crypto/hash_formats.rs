//! Password hashes made elsewhere, kept as given until the user's next sign-in turns them into
//! argon2id (`services::passwords`): bcrypt, argon2 (PHC), scrypt (PHC, passlib, Django),
//! Firebase's modified scrypt, and PBKDF2 with SHA-256 or SHA-512 (Django, passlib, PHC).
//!
//! [`parse`] reads one hash and refuses what it cannot verify, or what would cost more to
//! verify than a sign-in may ([`HashFormatError::TooCostly`]); [`Foreign::verify`] checks a
//! password against it in constant time. Every derivation is a maintained crate's (bcrypt,
//! argon2, scrypt, pbkdf2, aes/ctr); this module only reads the formats.
//!
//! Formats (the hash's own text is what is stored):
//! - bcrypt: `$2a$`, `$2b$`, `$2x$` or `$2y$` modular crypt, cost ≤ [`MAX_BCRYPT_COST`];
//! - argon2: PHC `$argon2id$v=19$m=…,t=…,p=…$salt$hash` (also argon2i, argon2d);
//! - scrypt: PHC or passlib `$scrypt$ln=…,r=…,p=…$salt$hash`, Django `scrypt$N$salt$r$p$hash`;
//! - Firebase: `$firebase-scrypt$rounds=…,mem_cost=…$salt_separator$signer_key$salt$hash`,
//!   every part in standard base64 as Firebase's console and CLI give them;
//! - PBKDF2: Django `pbkdf2_sha256$iterations$salt$hash`, passlib `$pbkdf2-sha256$i$salt$hash`
//!   (and `-sha512`), PHC `$pbkdf2-sha256$i=…,l=…$salt$hash`.

use crate::crypto::constant_time_eq;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

/// bcrypt's largest accepted cost (2^15 rounds, about 2 s here).
pub const MAX_BCRYPT_COST: u32 = 15;
/// The most memory a hash may ask for (argon2, scrypt): 256 MiB.
pub const MAX_MEMORY_BYTES: u64 = 256 << 20;
/// PBKDF2's largest accepted iteration count.
pub const MAX_PBKDF2_ITERATIONS: u32 = 5_000_000;
/// argon2's and scrypt's largest accepted passes (t, or scrypt's p).
pub const MAX_PASSES: u32 = 16;

/// A hash family, as Cognito's `PasswordHashingAlgorithm` names the four it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Bcrypt,
    Argon2id,
    /// argon2i or argon2d: accepted from files, not by Cognito's ARGON2ID.
    Argon2Other,
    Scrypt,
    FirebaseScrypt,
    Pbkdf2Sha256,
    Pbkdf2Sha512,
}

/// Why a hash was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HashFormatError {
    #[error("the password hash is in no format Tessera reads")]
    Unknown,
    #[error("the password hash is malformed")]
    Malformed,
    #[error("the password hash's parameters cost more than a sign-in may")]
    TooCostly,
}

/// A hash read by [`parse`].
#[derive(Debug, Clone)]
pub enum Foreign {
    Bcrypt(String),
    Argon2 {
        phc: String,
        argon2id: bool,
    },
    Scrypt(Scrypt),
    Firebase {
        scrypt: Scrypt,
        signer_key: Vec<u8>,
    },
    Pbkdf2 {
        sha512: bool,
        iterations: u32,
        salt: Vec<u8>,
        hash: Vec<u8>,
    },
}

/// scrypt's inputs (for Firebase, `salt` already ends with the salt separator and `hash` is
/// the encrypted signer key).
#[derive(Debug, Clone)]
pub struct Scrypt {
    log_n: u8,
    r: u32,
    p: u32,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

type Result<T> = std::result::Result<T, HashFormatError>;

/// Reads a hash; refuses unknown formats, malformed ones and ones too costly to verify.
pub fn parse(text: &str) -> Result<Foreign> {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix("$2") {
        return bcrypt_hash(text, rest);
    }
    if text.starts_with("$argon2") {
        return argon2_hash(text);
    }
    if let Some(rest) = text.strip_prefix("$scrypt$") {
        return phc_scrypt(rest).map(Foreign::Scrypt);
    }
    if let Some(rest) = text.strip_prefix("scrypt$") {
        return django_scrypt(rest).map(Foreign::Scrypt);
    }
    if let Some(rest) = text.strip_prefix("$firebase-scrypt$") {
        return firebase(rest);
    }
    for (prefix, sha512) in [("pbkdf2_sha256$", false), ("pbkdf2_sha512$", true)] {
        if let Some(rest) = text.strip_prefix(prefix) {
            return django_pbkdf2(rest, sha512);
        }
    }
    for (prefix, sha512) in [("$pbkdf2-sha256$", false), ("$pbkdf2-sha512$", true)] {
        if let Some(rest) = text.strip_prefix(prefix) {
            return dollar_pbkdf2(rest, sha512);
        }
    }
    Err(HashFormatError::Unknown)
}

impl Foreign {
    pub fn family(&self) -> Family {
        match self {
            Foreign::Bcrypt(_) => Family::Bcrypt,
            Foreign::Argon2 { argon2id: true, .. } => Family::Argon2id,
            Foreign::Argon2 { .. } => Family::Argon2Other,
            Foreign::Scrypt(_) => Family::Scrypt,
            Foreign::Firebase { .. } => Family::FirebaseScrypt,
            Foreign::Pbkdf2 { sha512: false, .. } => Family::Pbkdf2Sha256,
            Foreign::Pbkdf2 { sha512: true, .. } => Family::Pbkdf2Sha512,
        }
    }

    /// Whether `password` is the one hashed. Argon2 hashes are verified by
    /// `crypto::password` (with its reusable memory), not here: false.
    pub fn verify(&self, password: &str) -> bool {
        match self {
            Foreign::Bcrypt(h) => bcrypt::verify(password, h).unwrap_or(false),
            Foreign::Argon2 { .. } => false,
            Foreign::Scrypt(s) => s
                .derive(password, s.hash.len())
                .is_some_and(|out| constant_time_eq(&out, &s.hash)),
            Foreign::Firebase { scrypt, signer_key } => {
                scrypt.derive(password, 64).is_some_and(|key| {
                    constant_time_eq(&firebase_seal(&key, signer_key), &scrypt.hash)
                })
            }
            Foreign::Pbkdf2 {
                sha512,
                iterations,
                salt,
                hash,
            } => {
                let mut out = vec![0u8; hash.len()];
                if *sha512 {
                    pbkdf2::pbkdf2_hmac::<sha2::Sha512>(
                        password.as_bytes(),
                        salt,
                        *iterations,
                        &mut out,
                    );
                } else {
                    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(
                        password.as_bytes(),
                        salt,
                        *iterations,
                        &mut out,
                    );
                }
                constant_time_eq(&out, hash)
            }
        }
    }
}

impl Scrypt {
    fn new(log_n: u8, r: u32, p: u32, salt: Vec<u8>, hash: Vec<u8>) -> Result<Scrypt> {
        if hash.is_empty() || hash.len() > 128 || r == 0 || p == 0 || log_n == 0 || log_n >= 32 {
            return Err(HashFormatError::Malformed);
        }
        let memory = 128u64 * u64::from(r) * (1u64 << log_n);
        if memory > MAX_MEMORY_BYTES || p > MAX_PASSES || u64::from(r) * u64::from(p) >= 1 << 30 {
            return Err(HashFormatError::TooCostly);
        }
        Ok(Scrypt {
            log_n,
            r,
            p,
            salt,
            hash,
        })
    }

    fn derive(&self, password: &str, len: usize) -> Option<Vec<u8>> {
        let params = scrypt::Params::new(self.log_n, self.r, self.p, len).ok()?;
        let mut out = vec![0u8; len];
        scrypt::scrypt(password.as_bytes(), &self.salt, &params, &mut out).ok()?;
        Some(out)
    }
}

fn bcrypt_hash(text: &str, rest: &str) -> Result<Foreign> {
    // `$2b$12$` + 53 characters of salt and hash.
    let (variant, rest) = rest.split_once('$').ok_or(HashFormatError::Malformed)?;
    let (cost, body) = rest.split_once('$').ok_or(HashFormatError::Malformed)?;
    if !["a", "b", "x", "y"].contains(&variant) || cost.len() != 2 || body.len() != 53 {
        return Err(HashFormatError::Malformed);
    }
    let cost: u32 = cost.parse().map_err(|_| HashFormatError::Malformed)?;
    if !(4..=31).contains(&cost) {
        return Err(HashFormatError::Malformed);
    }
    if cost > MAX_BCRYPT_COST {
        return Err(HashFormatError::TooCostly);
    }
    text.parse::<bcrypt::HashParts>()
        .map_err(|_| HashFormatError::Malformed)?;
    Ok(Foreign::Bcrypt(text.to_string()))
}

fn argon2_hash(text: &str) -> Result<Foreign> {
    use argon2::password_hash::phc::PasswordHash;
    use argon2::{Algorithm, Params};
    let parsed = PasswordHash::new(text).map_err(|_| HashFormatError::Malformed)?;
    let algorithm =
        Algorithm::try_from(parsed.algorithm.as_str()).map_err(|_| HashFormatError::Unknown)?;
    let params = Params::try_from(&parsed).map_err(|_| HashFormatError::Malformed)?;
    if parsed.salt.is_none() || parsed.hash.is_none() {
        return Err(HashFormatError::Malformed);
    }
    if u64::from(params.m_cost()) * 1024 > MAX_MEMORY_BYTES || params.t_cost() > MAX_PASSES {
        return Err(HashFormatError::TooCostly);
    }
    Ok(Foreign::Argon2 {
        phc: text.to_string(),
        argon2id: algorithm == Algorithm::Argon2id,
    })
}

/// `ln=14,r=8,p=1$salt$hash`, salt and hash in base64 without padding, passlib's `.` for `+`
/// accepted.
fn phc_scrypt(rest: &str) -> Result<Scrypt> {
    let [params, salt, hash] = parts(rest)?;
    let (mut log_n, mut r, mut p) = (None, None, None);
    for pair in params.split(',') {
        let (name, value) = pair.split_once('=').ok_or(HashFormatError::Malformed)?;
        let value: u32 = value.parse().map_err(|_| HashFormatError::Malformed)?;
        match name {
            "ln" => log_n = Some(value),
            "r" => r = Some(value),
            "p" => p = Some(value),
            _ => return Err(HashFormatError::Malformed),
        }
    }
    let log_n = u8::try_from(log_n.ok_or(HashFormatError::Malformed)?)
        .map_err(|_| HashFormatError::TooCostly)?;
    Scrypt::new(
        log_n,
        r.ok_or(HashFormatError::Malformed)?,
        p.ok_or(HashFormatError::Malformed)?,
        adapted_b64(salt)?,
        adapted_b64(hash)?,
    )
}

/// Django's `N$salt$r$p$hash`: the salt's text is the salt, the hash standard base64.
fn django_scrypt(rest: &str) -> Result<Scrypt> {
    let [n, salt, r, p, hash] = parts(rest)?;
    let n: u64 = n.parse().map_err(|_| HashFormatError::Malformed)?;
    if !n.is_power_of_two() || n < 2 {
        return Err(HashFormatError::Malformed);
    }
    let log_n = u8::try_from(n.trailing_zeros()).map_err(|_| HashFormatError::Malformed)?;
    Scrypt::new(
        log_n,
        number(r)?,
        number(p)?,
        salt.as_bytes().to_vec(),
        b64(hash)?,
    )
}

/// `rounds=8,mem_cost=14$salt_separator$signer_key$salt$hash`.
fn firebase(rest: &str) -> Result<Foreign> {
    let [params, separator, signer_key, salt, hash] = parts(rest)?;
    let (mut rounds, mut mem_cost) = (None, None);
    for pair in params.split(',') {
        let (name, value) = pair.split_once('=').ok_or(HashFormatError::Malformed)?;
        let value = number(value)?;
        match name {
            "rounds" => rounds = Some(value),
            "mem_cost" => mem_cost = Some(value),
            _ => return Err(HashFormatError::Malformed),
        }
    }
    let mut salt = b64(salt)?;
    salt.extend(b64(separator)?);
    let log_n = u8::try_from(mem_cost.ok_or(HashFormatError::Malformed)?)
        .map_err(|_| HashFormatError::TooCostly)?;
    let signer_key = b64(signer_key)?;
    let hash = b64(hash)?;
    if signer_key.is_empty() || signer_key.len() != hash.len() {
        return Err(HashFormatError::Malformed);
    }
    Ok(Foreign::Firebase {
        scrypt: Scrypt::new(
            log_n,
            rounds.ok_or(HashFormatError::Malformed)?,
            1,
            salt,
            hash,
        )?,
        signer_key,
    })
}

/// Firebase's last step: the signer key encrypted with AES-256-CTR under the first 32 bytes
/// of the scrypt output, from a zero counter.
fn firebase_seal(derived: &[u8], signer_key: &[u8]) -> Vec<u8> {
    use aes_gcm::aes::Aes256;
    use ctr::cipher::{KeyIvInit, StreamCipher};
    let mut out = signer_key.to_vec();
    if let Ok(mut cipher) = ctr::Ctr128BE::<Aes256>::new_from_slices(&derived[..32], &[0u8; 16]) {
        cipher.apply_keystream(&mut out);
    }
    out
}

/// Django's `iterations$salt$hash`.
fn django_pbkdf2(rest: &str, sha512: bool) -> Result<Foreign> {
    let [iterations, salt, hash] = parts(rest)?;
    pbkdf2_hash(
        sha512,
        number(iterations)?,
        salt.as_bytes().to_vec(),
        b64(hash)?,
    )
}

/// passlib's `iterations$salt$hash` or PHC's `i=…,l=…$salt$hash`.
fn dollar_pbkdf2(rest: &str, sha512: bool) -> Result<Foreign> {
    let [params, salt, hash] = parts(rest)?;
    let iterations = match params.strip_prefix("i=") {
        Some(phc) => {
            let (i, length) = phc.split_once(',').unwrap_or((phc, ""));
            if !length.is_empty() && !length.starts_with("l=") {
                return Err(HashFormatError::Malformed);
            }
            number(i)?
        }
        None => number(params)?,
    };
    pbkdf2_hash(sha512, iterations, adapted_b64(salt)?, adapted_b64(hash)?)
}

fn pbkdf2_hash(sha512: bool, iterations: u32, salt: Vec<u8>, hash: Vec<u8>) -> Result<Foreign> {
    if iterations == 0 || hash.len() < 16 || hash.len() > 128 {
        return Err(HashFormatError::Malformed);
    }
    if iterations > MAX_PBKDF2_ITERATIONS {
        return Err(HashFormatError::TooCostly);
    }
    Ok(Foreign::Pbkdf2 {
        sha512,
        iterations,
        salt,
        hash,
    })
}

fn parts<const N: usize>(text: &str) -> Result<[&str; N]> {
    let found: Vec<&str> = text.split('$').collect();
    found.try_into().map_err(|_| HashFormatError::Malformed)
}

fn number(text: &str) -> Result<u32> {
    text.parse().map_err(|_| HashFormatError::Malformed)
}

/// Standard base64, with or without padding.
fn b64(text: &str) -> Result<Vec<u8>> {
    STANDARD_NO_PAD
        .decode(text.trim_end_matches('='))
        .or_else(|_| STANDARD.decode(text))
        .map_err(|_| HashFormatError::Malformed)
}

/// Base64 without padding, with passlib's `.` in place of `+`.
fn adapted_b64(text: &str) -> Result<Vec<u8>> {
    b64(&text.replace('.', "+"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Firebase's published example (the firebase/scrypt README's parameters and hash).
    #[test]
    fn firebase_scrypt_matches_the_published_example() {
        let text = "$firebase-scrypt$rounds=8,mem_cost=14$Bw==$\
            jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==$\
            42xEC+ixf3L2lw==$\
            lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==";
        let hash = parse(text).unwrap();
        assert_eq!(hash.family(), Family::FirebaseScrypt);
        assert!(hash.verify("user1password"));
        assert!(!hash.verify("user1passwore"));
    }

    /// Each format from a hash made here with the same crates' own encoders (the reference
    /// libraries' fixtures are in the integration tests).
    #[test]
    fn pbkdf2_formats_verify() {
        let mut out = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(b"hunter2", b"NaCl", 1000, &mut out);
        let django = format!("pbkdf2_sha256$1000$NaCl${}", STANDARD.encode(out));
        let passlib = format!(
            "$pbkdf2-sha256$1000${}${}",
            STANDARD_NO_PAD.encode(b"NaCl").replace('+', "."),
            STANDARD_NO_PAD.encode(out).replace('+', ".")
        );
        for text in [django, passlib] {
            let hash = parse(&text).unwrap();
            assert_eq!(hash.family(), Family::Pbkdf2Sha256, "{text}");
            assert!(hash.verify("hunter2"), "{text}");
            assert!(!hash.verify("hunter3"), "{text}");
        }
        let mut long = [0u8; 64];
        pbkdf2::pbkdf2_hmac::<sha2::Sha512>(b"hunter2", b"NaCl", 1000, &mut long);
        let sha512 = format!("pbkdf2_sha512$1000$NaCl${}", STANDARD.encode(long));
        let phc = format!(
            "$pbkdf2-sha512$i=1000,l=64${}${}",
            STANDARD_NO_PAD.encode(b"NaCl"),
            STANDARD_NO_PAD.encode(long)
        );
        for text in [sha512, phc] {
            let hash = parse(&text).unwrap();
            assert_eq!(hash.family(), Family::Pbkdf2Sha512, "{text}");
            assert!(hash.verify("hunter2") && !hash.verify("hunter3"), "{text}");
        }
    }

    #[test]
    fn bcrypt_verifies_and_refuses_costly_or_broken_hashes() {
        let made = bcrypt::hash("hunter2", 4).unwrap();
        let hash = parse(&made).unwrap();
        assert!(hash.verify("hunter2"));
        assert!(!hash.verify("hunter3"));
        let costly = made.replacen("$04$", "$16$", 1);
        assert_eq!(parse(&costly).unwrap_err(), HashFormatError::TooCostly);
        assert_eq!(parse(&made[..50]).unwrap_err(), HashFormatError::Malformed);
    }

    #[test]
    fn unknown_malformed_and_costly_hashes_are_refused() {
        assert_eq!(
            parse("5f4dcc3b5aa765d61d8327deb882cf99").unwrap_err(),
            HashFormatError::Unknown
        );
        assert_eq!(parse("$1$abc$def").unwrap_err(), HashFormatError::Unknown);
        assert_eq!(
            parse("pbkdf2_sha256$x$salt$hash").unwrap_err(),
            HashFormatError::Malformed
        );
        assert_eq!(
            parse("$scrypt$ln=30,r=8,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA").unwrap_err(),
            HashFormatError::TooCostly
        );
        assert_eq!(
            parse("$argon2id$v=19$m=1048576,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
                .unwrap_err(),
            HashFormatError::TooCostly
        );
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            /// Any text, and text that starts like each format, is read or refused, never a
            /// panic; what is read verifies no password it was not made from.
            #[test]
            fn any_text_is_read_or_refused(
                prefix in prop::sample::select(vec![
                    "", "$2b$", "$2y$04$", "$argon2id$v=19$m=8,t=1,p=1$", "$scrypt$ln=4,r=1,p=1$",
                    "scrypt$16$", "$firebase-scrypt$rounds=1,mem_cost=4$", "pbkdf2_sha256$1$",
                    "$pbkdf2-sha512$i=1,l=16$",
                ]),
                rest in "[ -~]{0,80}",
            ) {
                if let Ok(hash) = parse(&format!("{prefix}{rest}")) {
                    prop_assert!(!hash.verify("not the password"));
                }
            }
        }
    }
}
