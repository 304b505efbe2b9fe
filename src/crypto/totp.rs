//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA-1, 6 digits,
//! 30-second steps, secrets of 20 random bytes shown to the user in unpadded base32 (the
//! `SecretCode` of AssociateSoftwareToken). A code is checked against the current step and one
//! step either side; the matched step is returned so the caller can refuse a replay. The
//! codes themselves come from the `totp-rs` crate; this module adds the secrets' format, the
//! window and the step that matched.

use rand::Rng;
use totp_rs::{Algorithm, Builder};

/// Length of one time step, in seconds.
pub const STEP_SECONDS: i64 = 30;
/// Digits in a code.
pub const DIGITS: usize = 6;
/// Bytes of a new secret.
pub const SECRET_BYTES: usize = 20;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A new random secret in unpadded base32 (32 characters for 20 bytes).
pub fn new_secret() -> String {
    let mut buf = [0u8; SECRET_BYTES];
    rand::rng().fill(&mut buf[..]);
    base32_encode(&buf)
}

/// RFC 4648 base32, uppercase, without padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((acc >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes base32 (case-insensitive, `=` padding and spaces ignored); `None` if not base32.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for c in text.bytes() {
        if c == b'=' || c == b' ' {
            continue;
        }
        let up = c.to_ascii_uppercase();
        let v = BASE32.iter().position(|&x| x == up)? as u32;
        acc = ((acc << 5) | v) & 0xFFFF;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xFF) as u8);
        }
    }
    Some(out)
}

/// The time step containing `unix_seconds`.
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The HOTP value of `key` at counter `step` (the TOTP code of the step's first second), with
/// `digits` digits (6 to 8); `None` for a key shorter than 128 bits, a negative step or
/// another number of digits.
pub fn hotp(key: &[u8], step: i64, digits: usize) -> Option<String> {
    let seconds = u64::try_from(step).ok()?.checked_mul(STEP_SECONDS as u64)?;
    let totp = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(u8::try_from(digits).ok()?)
        .with_skew(0)
        .with_step_duration(STEP_SECONDS as u64)
        .with_secret(key.to_vec())
        .build()
        .ok()?;
    Some(totp.generate(seconds).to_string())
}

/// The code of base32 `secret` at `unix_seconds`; `None` if the secret is not base32.
pub fn code_at(secret: &str, unix_seconds: i64) -> Option<String> {
    let key = base32_decode(secret)?;
    hotp(&key, step_at(unix_seconds), DIGITS)
}

/// Checks `code` against base32 `secret` at `unix_seconds`, accepting the current step and one
/// step either side. Returns the step that matched (latest first), or `None`.
pub fn verify(secret: &str, code: &str, unix_seconds: i64) -> Option<i64> {
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let key = base32_decode(secret)?;
    let now = step_at(unix_seconds);
    let mut found = None;
    for step in [now + 1, now, now - 1] {
        let Some(expected) = hotp(&key, step, DIGITS) else {
            continue;
        };
        if super::constant_time_eq(expected.as_bytes(), code.as_bytes()) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_KEY: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1, 8 digits.
        let cases = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (t, want) in cases {
            assert_eq!(hotp(RFC_KEY, step_at(t), 8).as_deref(), Some(want), "t={t}");
        }
    }

    #[test]
    fn rfc4226_six_digit_vectors() {
        let want = ["755224", "287082", "359152", "969429", "338314"];
        for (i, w) in want.iter().enumerate() {
            assert_eq!(hotp(RFC_KEY, i as i64, 6).as_deref(), Some(*w));
        }
    }

    #[test]
    fn base32_round_trip_and_rfc4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(
            base32_decode("MZXW6YTBOI======").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(base32_decode("mzxw6ytboi").as_deref(), Some(&b"foobar"[..]));
        assert!(base32_decode("MZ1!").is_none());
        let s = new_secret();
        assert_eq!(s.len(), 32);
        assert_eq!(base32_decode(&s).map(|b| b.len()), Some(SECRET_BYTES));
    }

    #[test]
    fn verify_accepts_one_step_either_side_and_reports_it() {
        let secret = base32_encode(RFC_KEY);
        let t = 1_234_567_890;
        let now = step_at(t);
        let code = |s: i64| hotp(RFC_KEY, s, 6).unwrap();
        assert_eq!(verify(&secret, &code(now), t), Some(now));
        assert_eq!(verify(&secret, &code(now - 1), t), Some(now - 1));
        assert_eq!(verify(&secret, &code(now + 1), t), Some(now + 1));
        assert_eq!(verify(&secret, &code(now - 2), t), None);
        assert_eq!(verify(&secret, &code(now + 2), t), None);
        assert_eq!(verify(&secret, "12345", t), None);
        assert_eq!(verify(&secret, "abcdef", t), None);
        assert_eq!(code_at(&secret, t), Some(code(now)));
    }

    mod properties {
        use super::*;
        use hmac_totp_test::{Hmac, KeyInit, Mac};
        use proptest::prelude::*;

        /// RFC 4226 §5.3 written out: HMAC-SHA-1 of the counter, dynamic truncation, modulo
        /// 10^digits, zero-padded. Independent of `totp-rs` (another HMAC and SHA-1 crate).
        fn reference_hotp(key: &[u8], counter: u64, digits: u32) -> String {
            let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key).unwrap();
            mac.update(&counter.to_be_bytes());
            let h = mac.finalize().into_bytes();
            let offset = usize::from(h[19] & 0x0f);
            let binary = u32::from_be_bytes([
                h[offset] & 0x7f,
                h[offset + 1],
                h[offset + 2],
                h[offset + 3],
            ]);
            format!(
                "{:0width$}",
                binary % 10u32.pow(digits),
                width = digits as usize
            )
        }

        proptest! {
            /// Every key of 128 bits or more, step and length of code: the same code as the
            /// reference; shorter keys get none.
            #[test]
            fn hotp_matches_the_reference(
                key in prop::collection::vec(any::<u8>(), 0..64),
                step in 0i64..(1 << 40),
                digits in 6usize..=8,
            ) {
                let code = hotp(&key, step, digits);
                if key.len() < 16 {
                    prop_assert_eq!(code, None);
                } else {
                    prop_assert_eq!(code, Some(reference_hotp(&key, step as u64, digits as u32)));
                }
            }

            /// Base32 round trips, whatever the case and padding.
            #[test]
            fn base32_round_trips(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
                let text = base32_encode(&bytes);
                prop_assert_eq!(base32_decode(&text), Some(bytes.clone()));
                prop_assert_eq!(base32_decode(&text.to_lowercase()), Some(bytes.clone()));
                let padded = format!("{text}{}", "=".repeat((8 - text.len() % 8) % 8));
                prop_assert_eq!(base32_decode(&padded), Some(bytes));
            }

            /// The code of now verifies now, at a step within one of now whose code it is;
            /// a code that is no step's within the window does not verify.
            #[test]
            fn codes_verify_within_the_window(
                key in prop::collection::vec(any::<u8>(), 20),
                unix_seconds in 0i64..4_102_444_800,
                other in 0u32..1_000_000,
            ) {
                let secret = base32_encode(&key);
                let code = code_at(&secret, unix_seconds).unwrap();
                prop_assert_eq!(&code, &reference_hotp(&key, step_at(unix_seconds) as u64, 6));
                let now = step_at(unix_seconds);
                let step = verify(&secret, &code, unix_seconds).unwrap();
                prop_assert!((now - 1..=now + 1).contains(&step));
                prop_assert_eq!(reference_hotp(&key, step as u64, 6), code);
                let guess = format!("{other:06}");
                let window: Vec<String> = (now - 1..=now + 1)
                    .filter(|s| *s >= 0)
                    .map(|s| reference_hotp(&key, s as u64, 6))
                    .collect();
                prop_assert_eq!(verify(&secret, &guess, unix_seconds).is_some(), window.contains(&guess));
            }
        }
    }
}
