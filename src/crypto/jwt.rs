//! RS256 JSON Web Tokens with parsed keys kept in memory (RFC 7515 compact form, RFC 7517 JWK,
//! RFC 7518 §3.3). Keys are RSA-2048 made by aws-lc-rs; a [`SigningKey`] holds the parsed
//! private key and a [`VerifyingKey`] the parsed public key, so neither signing nor verifying
//! re-parses key material. The JWS is assembled here: header `{"alg":"RS256","kid":…}` as
//! Cognito's, base64url without padding. A token's claims are readable only from the
//! [`VerifiedToken`] that [`VerifyingKey::verify`] returns.
//!
//! Why not jsonwebtoken (the design card's JWT crate): its `encode` takes key bytes and
//! re-parses and re-checks the RSA key on every call (`RsaKeyPair::from_der`), which doubles
//! the cost of a signature, and sign-in, refresh and client_credentials are floored by one or
//! two signatures. `cargo bench --bench crypto`, 2 cores, back to back (December 2026):
//! jsonwebtoken `encode` 1.6-1.9 ms against 0.81-0.83 ms here, 560-820 against 1,100-1,460
//! signatures/s on 2 threads. Verifying costs the same with either (28-36 µs here with the
//! claims, 26-48 µs for `jsonwebtoken::decode`), so one key type serves both. jsonwebtoken is
//! a dev-dependency: the tests check these tokens with it, as an independent verifier.
//!
//! No I/O, no store: the services decide which key signs and which keys are trusted.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _, ParsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A key or token that could not be used; the text is for logs only.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("{0}")]
pub struct JwtError(pub String);

fn err(what: &str) -> JwtError {
    JwtError(what.to_string())
}

/// A public key as published in a JWKS (`{"keys":[…]}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kid: String,
    pub alg: String,
    pub kty: String,
    pub e: String,
    pub n: String,
    #[serde(rename = "use")]
    pub use_: String,
}

/// A freshly generated key, in the forms it is stored in.
#[derive(Clone)]
pub struct GeneratedKey {
    pub kid: String,
    /// PKCS#8 DER, standard base64.
    pub private_pkcs8: String,
    pub public_jwk: Jwk,
}

impl std::fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// Generates an RSA-2048 key. Takes tens of milliseconds of CPU: call it off the async threads.
pub fn generate_key() -> Result<GeneratedKey, JwtError> {
    let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| err("RSA key generation failed"))?;
    let der = pair
        .as_der()
        .map_err(|_| err("PKCS#8 encoding of the new key failed"))?;
    let public_jwk = jwk_of(&pair, None);
    Ok(GeneratedKey {
        kid: public_jwk.kid.clone(),
        private_pkcs8: STANDARD.encode(der.as_ref()),
        public_jwk,
    })
}

/// The JWK of a key pair. The `kid` is, like Cognito's, a standard-base64 string: the SHA-256
/// of the public key (so it never repeats across keys).
fn jwk_of(pair: &KeyPair, kid: Option<&str>) -> Jwk {
    let public = pair.public_key();
    let kid = kid
        .map(str::to_string)
        .unwrap_or_else(|| STANDARD.encode(Sha256::digest(public.as_ref())));
    Jwk {
        kid,
        alg: "RS256".into(),
        kty: "RSA".into(),
        e: URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        n: URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
        use_: "sig".into(),
    }
}

/// A parsed private key that signs, with its `kid`.
pub struct SigningKey {
    pub kid: String,
    pair: KeyPair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct Header<'a> {
    kid: &'a str,
    alg: &'static str,
}

impl SigningKey {
    /// Parses a stored key (PKCS#8 DER in standard base64).
    pub fn from_pkcs8_base64(kid: &str, private_pkcs8: &str) -> Result<Self, JwtError> {
        let der = STANDARD
            .decode(private_pkcs8.as_bytes())
            .map_err(|_| err("stored private key is not base64"))?;
        let pair = KeyPair::from_pkcs8(&der).map_err(|_| err("stored private key is invalid"))?;
        Ok(SigningKey {
            kid: kid.to_string(),
            pair,
        })
    }

    /// The public half, for verifying this key's own tokens.
    pub fn verifying_key(&self) -> Result<VerifyingKey, JwtError> {
        VerifyingKey::from_rsa_public_der(self.pair.public_key().as_ref())
    }

    /// The JWK of this key.
    pub fn jwk(&self) -> Jwk {
        jwk_of(&self.pair, Some(&self.kid))
    }

    /// Signs `claims` as a compact JWS with header `{"kid":…,"alg":"RS256"}`.
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, JwtError> {
        let header = serde_json::to_vec(&Header {
            kid: &self.kid,
            alg: "RS256",
        })
        .map_err(|e| JwtError(e.to_string()))?;
        let payload = serde_json::to_vec(claims).map_err(|e| JwtError(e.to_string()))?;
        let mut token = URL_SAFE_NO_PAD.encode(header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut token);
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &rng,
                token.as_bytes(),
                &mut sig,
            )
            .map_err(|_| err("RSA signing failed"))?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(sig, &mut token);
        Ok(token)
    }
}

/// A parsed public key that checks RS256 signatures.
pub struct VerifyingKey {
    key: ParsedPublicKey,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerifyingKey")
    }
}

impl VerifyingKey {
    /// From a PKCS#1 `RSAPublicKey` DER.
    pub fn from_rsa_public_der(der: &[u8]) -> Result<Self, JwtError> {
        let key = ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, der)
            .map_err(|_| err("public key rejected"))?;
        Ok(VerifyingKey { key })
    }

    /// Checks the token's signature over its first two parts; the claims are readable only
    /// from what this returns.
    pub fn verify<'a>(&self, token: &UnverifiedToken<'a>) -> Result<VerifiedToken<'a>, JwtError> {
        self.key
            .verify_sig(token.signing_input.as_bytes(), &token.signature)
            .map_err(|_| err("bad signature"))?;
        Ok(VerifiedToken {
            payload: token.payload,
        })
    }
}

/// The protected header members Tessera reads.
#[derive(Debug, Deserialize)]
pub struct TokenHeader {
    pub alg: String,
    #[serde(default)]
    pub kid: Option<String>,
}

/// A compact JWS split into its parts, its signature not yet checked. Only its header can be
/// read (to find the key); its claims come from [`VerifyingKey::verify`]'s [`VerifiedToken`].
#[derive(Debug)]
pub struct UnverifiedToken<'a> {
    pub header: TokenHeader,
    signing_input: &'a str,
    payload: &'a str,
    signature: Vec<u8>,
}

impl<'a> UnverifiedToken<'a> {
    /// Splits `header.payload.signature` and decodes the header and the signature.
    pub fn parse(token: &'a str) -> Result<Self, JwtError> {
        let (signing_input, signature) = token.rsplit_once('.').ok_or_else(|| err("not a JWS"))?;
        let (header, payload) = signing_input
            .split_once('.')
            .ok_or_else(|| err("not a JWS"))?;
        if payload.contains('.') {
            return Err(err("not a compact JWS"));
        }
        let header = URL_SAFE_NO_PAD
            .decode(header.as_bytes())
            .map_err(|_| err("header is not base64url"))?;
        let header: TokenHeader =
            serde_json::from_slice(&header).map_err(|_| err("header is not JSON"))?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature.as_bytes())
            .map_err(|_| err("signature is not base64url"))?;
        Ok(UnverifiedToken {
            header,
            signing_input,
            payload,
            signature,
        })
    }
}

/// A token whose signature a trusted key has checked: the only way to its claims. The payload
/// is still base64url text (decoded once, by [`VerifiedToken::claims`]).
#[derive(Debug, Clone, Copy)]
pub struct VerifiedToken<'a> {
    payload: &'a str,
}

impl VerifiedToken<'_> {
    /// Decodes the claims (who issued them, and whether they are current, is the caller's
    /// check).
    pub fn claims<T: serde::de::DeserializeOwned>(&self) -> Result<T, JwtError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(self.payload.as_bytes())
            .map_err(|_| err("payload is not base64url"))?;
        serde_json::from_slice(&bytes).map_err(|_| err("payload is not the expected JSON"))
    }
}

/// True when `token` has the shape of a JWS (three base64url parts with a JSON header naming an
/// `alg`): used to tell an access or ID token from an opaque refresh token.
pub fn looks_like_jwt(token: &str) -> bool {
    UnverifiedToken::parse(token).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::LazyLock;

    static KEY: LazyLock<GeneratedKey> = LazyLock::new(|| generate_key().unwrap());

    #[test]
    fn signs_and_verifies_and_jsonwebtoken_agrees() {
        let key = SigningKey::from_pkcs8_base64(&KEY.kid, &KEY.private_pkcs8).unwrap();
        assert_eq!(key.jwk(), KEY.public_jwk);
        let claims = serde_json::json!({"sub": "s", "exp": 4_102_444_800u64});
        let token = key.sign(&claims).unwrap();
        let parsed = UnverifiedToken::parse(&token).unwrap();
        assert_eq!(parsed.header.alg, "RS256");
        assert_eq!(parsed.header.kid.as_deref(), Some(KEY.kid.as_str()));
        let verified = key.verifying_key().unwrap().verify(&parsed).unwrap();
        assert_eq!(verified.claims::<serde_json::Value>().unwrap(), claims);

        let decoding =
            jsonwebtoken::DecodingKey::from_rsa_components(&KEY.public_jwk.n, &KEY.public_jwk.e)
                .unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.required_spec_claims.clear();
        let decoded =
            jsonwebtoken::decode::<serde_json::Value>(&token, &decoding, &validation).unwrap();
        assert_eq!(decoded.claims, claims);
        assert!(KEY.kid.ends_with('=') && KEY.kid.len() == 44);
    }

    /// A token signed by another key, or with any bit of its signature changed, is refused,
    /// and (the type says so) its claims cannot be read at all.
    #[test]
    fn a_bad_signature_never_yields_claims() {
        let key = SigningKey::from_pkcs8_base64(&KEY.kid, &KEY.private_pkcs8).unwrap();
        let verifying = key.verifying_key().unwrap();
        let other = generate_key().unwrap();
        // Same kid, other key: as a forger who knows the kid would sign.
        let forger = SigningKey::from_pkcs8_base64(&KEY.kid, &other.private_pkcs8).unwrap();
        let forged = forger.sign(&serde_json::json!({"sub": "a"})).unwrap();
        assert!(
            verifying
                .verify(&UnverifiedToken::parse(&forged).unwrap())
                .is_err()
        );

        let token = key.sign(&serde_json::json!({"sub": "a"})).unwrap();
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap();
        for i in [0, bytes.len() / 2, bytes.len() - 1] {
            bytes[i] ^= 1;
            let flipped = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(&bytes));
            let parsed = UnverifiedToken::parse(&flipped).unwrap();
            assert!(
                verifying.verify(&parsed).is_err(),
                "bit flipped at byte {i}"
            );
            bytes[i] ^= 1;
        }
        for signature in ["", "AAAA"] {
            let token = format!("{signed}.{signature}");
            let parsed = UnverifiedToken::parse(&token).unwrap();
            assert!(verifying.verify(&parsed).is_err(), "{signature:?}");
        }
        // The untouched token still verifies: the refusals above were the signature's.
        let parsed = UnverifiedToken::parse(&token).unwrap();
        let sub = verifying
            .verify(&parsed)
            .unwrap()
            .claims::<serde_json::Value>();
        assert_eq!(sub.unwrap()["sub"], "a");
    }

    #[test]
    fn tampering_is_detected() {
        let key = SigningKey::from_pkcs8_base64(&KEY.kid, &KEY.private_pkcs8).unwrap();
        let token = key.sign(&serde_json::json!({"sub": "a"})).unwrap();
        let forged_payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"b"}"#);
        let parts: Vec<&str> = token.split('.').collect();
        let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        let parsed = UnverifiedToken::parse(&forged).unwrap();
        assert!(key.verifying_key().unwrap().verify(&parsed).is_err());
        // A changed header (another kid or alg) is covered by the signature too.
        let header = URL_SAFE_NO_PAD.encode(br#"{"kid":"other","alg":"RS256"}"#);
        let forged = format!("{}.{}.{}", header, parts[1], parts[2]);
        let parsed = UnverifiedToken::parse(&forged).unwrap();
        assert!(key.verifying_key().unwrap().verify(&parsed).is_err());
        assert!(UnverifiedToken::parse("a.b").is_err());
        assert!(UnverifiedToken::parse("a.b.c.d").is_err());
        assert!(!looks_like_jwt("opaque-refresh-token"));
        assert!(looks_like_jwt(&token));
    }
}
