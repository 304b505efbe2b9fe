//! Helpers for the MFA tests: an RFC 6238 code generator written independently of the server's
//! (HMAC-SHA-1 from the `hmac`/`sha1` crates), and a pool offering software-token MFA.

use crate::helpers::TestApp;
use aws_sdk_cognitoidentityprovider as cognito;
use cognito::types::{SoftwareTokenMfaConfigType, UserPoolMfaType};
use hmac_totp_test::{Hmac, KeyInit, Mac};

fn base32_decode(s: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits = String::new();
    for c in s.trim_end_matches('=').bytes() {
        let v = alphabet.iter().position(|&a| a == c).unwrap();
        bits.push_str(&format!("{v:05b}"));
    }
    bits.as_bytes()
        .chunks(8)
        .filter(|c| c.len() == 8)
        .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 2).unwrap())
        .collect()
}

/// The 6-digit TOTP code of base32 `secret` for time step `step`.
pub fn totp_at_step(secret: &str, step: i64) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&base32_decode(secret)).unwrap();
    mac.update(&(step as u64).to_be_bytes());
    let h = mac.finalize().into_bytes();
    let o = (h[19] & 0x0f) as usize;
    let n = u32::from_be_bytes([h[o] & 0x7f, h[o + 1], h[o + 2], h[o + 3]]);
    format!("{:06}", n % 1_000_000)
}

/// The current time step of the app's (fixed) clock.
pub fn step_now(app: &TestApp) -> i64 {
    app.services.clock.now() / 1000 / 30
}

/// The code for the app's clock now.
pub fn totp_now(app: &TestApp, secret: &str) -> String {
    totp_at_step(secret, step_now(app))
}

/// Turns software-token MFA on in `pool` with the given mode.
pub async fn enable_totp(app: &TestApp, pool: &str, mode: UserPoolMfaType) {
    app.cognito
        .set_user_pool_mfa_config()
        .user_pool_id(pool)
        .mfa_configuration(mode)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        )
        .send()
        .await
        .unwrap();
}

#[test]
fn rfc6238_vector_through_the_test_generator() {
    // RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits) → last 6 digits.
    let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // "12345678901234567890"
    assert_eq!(totp_at_step(secret, 59 / 30), "287082");
}
