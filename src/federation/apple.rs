//! Sign in with Apple's client secret: a short-lived JWT signed with ES256 by the developer's
//! key (`team_id`, `key_id`, `private_key` in PKCS #8 PEM), made for each code exchange.

use super::Failure;
use crate::domain::identity_provider::IdentityProvider;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use base64::Engine;

/// How long a client secret is valid (Apple allows up to six months; one use needs minutes).
const LIFETIME_SECS: i64 = 300;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The DER inside a PEM block (or the base64 of a bare key).
fn pem_body(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("-----"))
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

/// The client secret for a token request of provider `p` at `now_secs`.
pub fn client_secret(p: &IdentityProvider, now_secs: i64) -> Result<String, Failure> {
    let detail = |k: &str| p.detail(k).unwrap_or_default();
    let der = pem_body(detail("private_key"))
        .ok_or_else(|| Failure::Misconfigured("private_key is not PEM".into()))?;
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
        .map_err(|_| Failure::Misconfigured("private_key is not a P-256 PKCS #8 key".into()))?;
    let header = serde_json::json!({ "alg": "ES256", "kid": detail("key_id") });
    let claims = serde_json::json!({
        "iss": detail("team_id"),
        "iat": now_secs,
        "exp": now_secs + LIFETIME_SECS,
        "aud": "https://appleid.apple.com",
        "sub": detail("client_id"),
    });
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = key
        .sign(&SystemRandom::new(), input.as_bytes())
        .map_err(|_| Failure::Misconfigured("signing the client secret failed".into()))?;
    Ok(format!("{input}.{}", b64(signature.as_ref())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identity_provider::ProviderType;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, KeyPair, UnparsedPublicKey};

    #[test]
    fn the_secret_is_an_es256_jwt_apple_can_verify() {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(pkcs8.as_ref())
        );
        let details = [
            ("client_id", "com.example.web"),
            ("team_id", "TEAM123456"),
            ("key_id", "KEY1234567"),
            ("private_key", pem.as_str()),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let p = IdentityProvider {
            pool_id: "p".into(),
            name: "SignInWithApple".into(),
            kind: ProviderType::SignInWithApple,
            details,
            attribute_mapping: Default::default(),
            idp_identifiers: vec![],
            created_at: 0,
            updated_at: 0,
        };
        let jwt = client_secret(&p, 1_700_000_000).unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(parts[1])
                .unwrap(),
        )
        .unwrap();
        assert_eq!(claims["iss"], "TEAM123456");
        assert_eq!(claims["sub"], "com.example.web");
        assert_eq!(claims["exp"], 1_700_000_300);
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let public = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, pair.public_key().as_ref());
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[2])
            .unwrap();
        assert!(
            public
                .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
                .is_ok()
        );
    }
}
