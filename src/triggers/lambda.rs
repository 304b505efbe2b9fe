//! The AWS Lambda Invoke API: `POST {endpoint}/2015-03-31/functions/{function}/invocations`,
//! RequestResponse, signed with SigV4 (service `lambda`, the ARN's region) by AWS's own signer.
//! Credentials come from the environment's key pair, else from AWS's standard chain (shared
//! profile, container or instance role), read when first needed and again before they expire.
//!
//! AWS's endpoint is named by the function's full ARN; a local endpoint
//! (`TESSERA_LAMBDA_ENDPOINT`, such as `sam local start-lambda`) by the function's name, as
//! such runtimes know their functions, with the ARN's qualifier as `?Qualifier=`.

use super::{Attempt, Failure, error_message, event_of, send_failed};
use crate::aws::{AwsIdentity, signature_headers};
use crate::config::AwsCredentials;
use crate::domain::triggers::LambdaArn;

#[derive(Debug)]
pub(super) struct LambdaClient {
    endpoint: Option<url::Url>,
    identity: AwsIdentity,
}

impl LambdaClient {
    pub(super) fn new(endpoint: Option<url::Url>, keys: Option<AwsCredentials>) -> LambdaClient {
        LambdaClient {
            endpoint,
            identity: AwsIdentity::new(keys),
        }
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
        let credentials = match self.identity.credentials().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "no AWS credentials for Lambda triggers");
                return Attempt::Done(Err(Failure::Unreachable("NoCredentialsFound".into())));
            }
        };
        let url = self.url(arn);
        let headers = [
            ("content-type", "application/json"),
            ("x-amz-invocation-type", "RequestResponse"),
        ];
        let signed =
            match signature_headers(&credentials, "lambda", &arn.region, &url, &headers, body) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::triggers::Target;
    use aws_credential_types::Credentials;

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
            "lambda",
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
