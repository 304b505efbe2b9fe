//! A software authenticator for the passkey tests: an ES256 key (aws-lc-rs) that answers
//! WebAuthn creation and request options as a browser would hand them over (the JSON of
//! RegistrationResponseJSON and AuthenticationResponseJSON), with "none" attestation, the
//! user verified, and a sign counter. Its relying party id, origin and counter can be set
//! wrong on purpose, for the refusals.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use aws_sdk_cognitoidentityprovider as cognito;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use cognito::types::{UserVerificationType, WebAuthnConfigurationType};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A passkey held by the test.
pub struct Authenticator {
    key: EcdsaKeyPair,
    pub credential_id: Vec<u8>,
    /// The relying party id it signs for (its hash goes into the authenticator data).
    pub rp_id: String,
    /// The origin the "browser" reports in the client data.
    pub origin: String,
    /// The last sign counter; each assertion adds one.
    pub counter: u32,
}

impl Authenticator {
    pub fn new(rp_id: &str, origin: &str) -> Authenticator {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let key =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap();
        let credential_id: Vec<u8> = (0..32).map(|_| rand::random::<u8>()).collect();
        Authenticator {
            key,
            credential_id,
            rp_id: rp_id.to_string(),
            origin: origin.to_string(),
            counter: 0,
        }
    }

    /// The credential id as the JSON writes it.
    pub fn id(&self) -> String {
        B64.encode(&self.credential_id)
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        json!({
            "type": kind,
            "challenge": challenge,
            "origin": self.origin,
            "crossOrigin": false,
        })
        .to_string()
        .into_bytes()
    }

    /// rpIdHash, flags (user present and verified, `extra`), the sign counter.
    fn authenticator_data(&self, extra_flags: u8) -> Vec<u8> {
        let mut data = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        data.push(0x01 | 0x04 | extra_flags);
        data.extend_from_slice(&self.counter.to_be_bytes());
        data
    }

    /// The public key as a COSE EC2 key, CBOR in CTAP's canonical order.
    fn cose_key(&self) -> Vec<u8> {
        let point = self.key.public_key().as_ref();
        let (x, y) = (&point[1..33], &point[33..65]);
        let mut out = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20];
        out.extend_from_slice(x);
        out.extend_from_slice(&[0x22, 0x58, 0x20]);
        out.extend_from_slice(y);
        out
    }

    /// The answer to `navigator.credentials.create({publicKey: options})`.
    pub fn register(&self, options: &Value) -> Value {
        let challenge = options["challenge"].as_str().expect("a challenge");
        let client_data = self.client_data("webauthn.create", challenge);
        let mut auth_data = self.authenticator_data(0x40);
        auth_data.extend_from_slice(&[0u8; 16]);
        auth_data.extend_from_slice(&(self.credential_id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&self.credential_id);
        auth_data.extend_from_slice(&self.cose_key());
        let mut attestation = vec![0xa3, 0x63];
        attestation.extend_from_slice(b"fmt");
        attestation.push(0x64);
        attestation.extend_from_slice(b"none");
        attestation.push(0x67);
        attestation.extend_from_slice(b"attStmt");
        attestation.push(0xa0);
        attestation.push(0x68);
        attestation.extend_from_slice(b"authData");
        attestation.push(0x59);
        attestation.extend_from_slice(&(auth_data.len() as u16).to_be_bytes());
        attestation.extend_from_slice(&auth_data);
        json!({
            "id": self.id(),
            "rawId": self.id(),
            "type": "public-key",
            "response": {
                "clientDataJSON": B64.encode(&client_data),
                "attestationObject": B64.encode(&attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        })
    }

    /// The answer to `navigator.credentials.get({publicKey: options})`, with the counter moved
    /// on by one.
    pub fn assert(&mut self, options: &Value) -> Value {
        self.counter += 1;
        self.assert_with_counter(options)
    }

    /// An assertion with the counter as it is (a replay or a clone when it did not move).
    pub fn assert_with_counter(&self, options: &Value) -> Value {
        let challenge = options["challenge"].as_str().expect("a challenge");
        let client_data = self.client_data("webauthn.get", challenge);
        let auth_data = self.authenticator_data(0);
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature = self
            .key
            .sign(&SystemRandom::new(), &signed)
            .unwrap()
            .as_ref()
            .to_vec();
        json!({
            "id": self.id(),
            "rawId": self.id(),
            "type": "public-key",
            "response": {
                "clientDataJSON": B64.encode(&client_data),
                "authenticatorData": B64.encode(&auth_data),
                "signature": B64.encode(&signature),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        })
    }
}

/// A JSON value as the SDK's document type.
pub fn to_document(v: &Value) -> aws_smithy_types::Document {
    use aws_smithy_types::{Document, Number};
    match v {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => match n.as_u64() {
            Some(u) => Document::Number(Number::PosInt(u)),
            None => match n.as_i64() {
                Some(i) => Document::Number(Number::NegInt(i)),
                None => Document::Number(Number::Float(n.as_f64().unwrap())),
            },
        },
        Value::String(s) => Document::String(s.clone()),
        Value::Array(a) => Document::Array(a.iter().map(to_document).collect()),
        Value::Object(o) => {
            Document::Object(o.iter().map(|(k, v)| (k.clone(), to_document(v))).collect())
        }
    }
}

/// The SDK's document as JSON.
pub fn from_document(d: &aws_smithy_types::Document) -> Value {
    use aws_smithy_types::{Document, Number};
    match d {
        Document::Null => Value::Null,
        Document::Bool(b) => json!(b),
        Document::Number(Number::PosInt(u)) => json!(u),
        Document::Number(Number::NegInt(i)) => json!(i),
        Document::Number(Number::Float(f)) => json!(f),
        Document::String(s) => json!(s),
        Document::Array(a) => Value::Array(a.iter().map(from_document).collect()),
        Document::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), from_document(v)))
                .collect(),
        ),
    }
}

/// Sets the pool's relying party id (UserVerification `required`).
pub async fn set_relying_party(app: &crate::helpers::TestApp, pool: &str, rp_id: &str) {
    app.cognito
        .set_user_pool_mfa_config()
        .user_pool_id(pool)
        .web_authn_configuration(
            WebAuthnConfigurationType::builder()
                .relying_party_id(rp_id)
                .user_verification(UserVerificationType::Required)
                .build(),
        )
        .send()
        .await
        .unwrap();
}
