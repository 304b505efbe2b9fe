//! The AWS Lambda Invoke API: `POST {endpoint}/2015-03-31/functions/{function}/invocations`,
//! RequestResponse, signed with SigV4 (service `lambda`, the ARN's region) by AWS's own signer.
//! Credentials come from the environment's key pair, else from AWS's standard chain (shared
//! profile, container or instance role), read when first needed and again before they expire.
//!
//! AWS's endpoint is named by the function's full ARN; a local endpoint
//! (`TESSERA_LAMBDA_ENDPOINT`, such as `sam local start-lambda`) by the function's name, as
//! such runtimes know their functions, with the ARN's qualifier as `?Qualifier=`.

use super::{Attempt, Failure, error_message, event_of, send_failed};
use crate::config::AwsCredentials;
use crate::domain::triggers::LambdaArn;
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use std::time::{Duration, SystemTime};
use tokio::sync::Mutex;

#[derive(Debug)]
pub(super) struct LambdaClient {
    endpoint: Option<url::Url>,
    from_environment: Option<Credentials>,
    /// Credentials read from the standard chain, kept until shortly before they expire.
    chained: Mutex<Option<Credentials>>,
}

/// Credentials this close to their expiry are read again.
const RENEW_BEFORE: Duration = Duration::from_secs(300);

impl LambdaClient {
    pub(super) fn new(endpoint: Option<url::Url>, keys: Option<AwsCredentials>) -> LambdaClient {
        LambdaClient {
            endpoint,
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

    async fn credentials(&self) -> Result<Credentials, Failure> {
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
        let c = chain.provide_credentials().await.map_err(|e| {
            tracing::warn!(error = %e, "no AWS credentials for Lambda triggers");
            Failure::Unreachable("NoCredentialsFound".into())
        })?;
        *held = Some(c.clone());
        Ok(c)
    }

    /// The invocation URL for `arn`.
    fn url(&self, arn: &LambdaArn) -> String {
        match &self.endpoint {
            Some(base) => {
                let base = base.as_str().trim_end_matches('/');
                let qualifier = arn
                    .qualifier
                    .as_deref()
                    .map(|q| format!("?Qualifier={}", encode(q)))
                    .unwrap_or_default();
                format!(
                    "{base}/2015-03-31/functions/{}/invocations{qualifier}",
                    encode(&arn.name)
                )
            }
            None => format!(
                "https://lambda.{}.amazonaws.com/2015-03-31/functions/{}/invocations",
                arn.region,
                encode(&arn.arn)
            ),
        }
    }

    pub(super) async fn call(
        &self,
        http: &reqwest::Client,
        arn: &LambdaArn,
        body: &[u8],
    ) -> Attempt {
        let credentials = match self.credentials().await {
            Ok(c) => c,
            Err(f) => return Attempt::Done(Err(f)),
        };
        let url = self.url(arn);
        let headers = [
            ("content-type", "application/json"),
            ("x-amz-invocation-type", "RequestResponse"),
        ];
        let signed = match signature_headers(&credentials, &arn.region, &url, &headers, body) {
            Ok(h) => h,
            Err(e) => {
                tracing::error!(error = %e, "could not sign a Lambda invocation");
                return Attempt::Done(Err(Failure::Unreachable("SigningFailed".into())));
            }
        };
        let mut request = http.post(&url).body(body.to_vec());
        for (name, value) in headers
            .iter()
            .map(|(n, v)| (*n, v.to_string()))
            .chain(signed)
        {
            request = request.header(name, value);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return send_failed(&e),
        };
        let status = response.status();
        let function_error = response.headers().contains_key("x-amz-function-error");
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(':').next().unwrap_or(v).to_string());
        let bytes = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return send_failed(&e),
        };
        if status.is_success() {
            if function_error {
                return Attempt::Done(Err(Failure::Refused(error_message(&bytes))));
            }
            return Attempt::Done(event_of(&bytes));
        }
        let cause = error_type.unwrap_or_else(|| format!("HTTP {}", status.as_u16()));
        if status.as_u16() == 429 || status.is_server_error() {
            Attempt::Again(cause)
        } else {
            Attempt::Done(Err(Failure::Unreachable(cause)))
        }
    }
}

/// A path segment or query value, percent-encoded as AWS's SDKs do (unreserved kept).
fn encode(value: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(value, SET).to_string()
}

/// The SigV4 headers (`authorization`, `x-amz-date`, `x-amz-security-token`,
/// `x-amz-content-sha256` as the signer chooses) for one request.
fn signature_headers(
    credentials: &Credentials,
    region: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Vec<(&'static str, String)>, Box<dyn std::error::Error + Send + Sync>> {
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("lambda")
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::triggers::Target;

    fn arn(value: &str) -> LambdaArn {
        match Target::parse(value) {
            Ok(Target::Lambda(a)) => a,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn urls_name_the_function_as_each_endpoint_expects() {
        let a = arn("arn:aws:lambda:eu-west-1:123456789012:function:pre:live");
        let aws = LambdaClient::new(None, None);
        assert_eq!(
            aws.url(&a),
            "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Apre%3Alive/invocations"
        );
        let local = LambdaClient::new(url::Url::parse("http://127.0.0.1:3001/").ok(), None);
        assert_eq!(
            local.url(&a),
            "http://127.0.0.1:3001/2015-03-31/functions/pre/invocations?Qualifier=live"
        );
    }

    #[test]
    fn requests_are_signed_for_lambda_in_the_functions_region() {
        let c = Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");
        let headers = signature_headers(
            &c,
            "eu-west-1",
            "http://127.0.0.1:3001/2015-03-31/functions/pre/invocations",
            &[("content-type", "application/json")],
            b"{}",
        )
        .unwrap();
        let auth = headers
            .iter()
            .find(|(n, _)| *n == "authorization")
            .map(|(_, v)| v.as_str())
            .unwrap();
        assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"));
        assert!(auth.contains("/eu-west-1/lambda/aws4_request"));
        assert!(auth.contains("SignedHeaders=content-type;host;x-amz-date"));
    }
}
