//! Calling AWS APIs: credentials (the environment's key pair, else AWS's standard chain) and
//! SigV4 signatures by AWS's own signer. Used by Lambda triggers (`triggers::lambda`) and the
//! live migration from Amazon Cognito (`cognito`).

pub mod cognito;

use crate::config::AwsCredentials;
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use std::time::{Duration, SystemTime};
use tokio::sync::Mutex;

/// Credentials this close to their expiry are read again.
const RENEW_BEFORE: Duration = Duration::from_secs(300);

/// Where a node's AWS credentials come from.
#[derive(Debug)]
pub struct AwsIdentity {
    from_environment: Option<Credentials>,
    /// Credentials read from the standard chain, kept until shortly before they expire.
    chained: Mutex<Option<Credentials>>,
}

/// No credentials could be found.
#[derive(Debug, thiserror::Error)]
#[error("no AWS credentials: {0}")]
pub struct NoCredentials(String);

impl AwsIdentity {
    pub fn new(keys: Option<AwsCredentials>) -> AwsIdentity {
        AwsIdentity {
            from_environment: keys.map(|k| {
                Credentials::new(
                    k.access_key_id,
                    k.secret_access_key.expose(),
                    k.session_token.map(|t| t.expose().to_string()),
                    None,
                    "environment",
                )
            }),
            chained: Mutex::new(None),
        }
    }

    /// The environment's key pair, else the standard chain's (shared profile, container or
    /// instance role), read when first needed and again before they expire.
    pub async fn credentials(&self) -> Result<Credentials, NoCredentials> {
        if let Some(c) = &self.from_environment {
            return Ok(c.clone());
        }
        let mut held = self.chained.lock().await;
        let fresh = |c: &Credentials| {
            c.expiry()
                .is_none_or(|at| at > SystemTime::now() + RENEW_BEFORE)
        };
        if let Some(c) = held.as_ref().filter(|c| fresh(c)) {
            return Ok(c.clone());
        }
        let chain = aws_config::default_provider::credentials::DefaultCredentialsChain::builder()
            .build()
            .await;
        let c = chain
            .provide_credentials()
            .await
            .map_err(|e| NoCredentials(e.to_string()))?;
        *held = Some(c.clone());
        Ok(c)
    }
}

/// The SigV4 headers (`authorization`, `x-amz-date`, `x-amz-security-token`,
/// `x-amz-content-sha256` as the signer chooses) of one POST to `service` in `region`.
pub fn signature_headers(
    credentials: &Credentials,
    service: &str,
    region: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Vec<(&'static str, String)>, Box<dyn std::error::Error + Send + Sync>> {
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()?
        .into();
    let signable = SignableRequest::new(
        "POST",
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )?;
    let (instructions, _) = sign(signable, &params)?.into_parts();
    let (headers, _) = instructions.into_parts();
    Ok(headers
        .into_iter()
        .map(|h| (h.name(), h.value().to_string()))
        .collect())
}
