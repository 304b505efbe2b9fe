//! Invoking Cognito's Lambda triggers (DESIGN §2 Triggers). A Lambda ARN goes through the AWS
//! Lambda Invoke API (`lambda`), a URL gets the same event as a POST signed by the Standard
//! Webhooks scheme (`webhook`). Each attempt waits at most 5 s, as Cognito does; throttling,
//! server errors and refused connections are tried again, at most three attempts in all.
//! What a function answers is for `services::triggers` to read: here it is only JSON.

mod lambda;
mod webhook;

use crate::config::Settings;
use crate::domain::triggers::{Target, WebhookSecret};
use serde_json::Value;
use std::time::Duration;

/// How long one attempt may take (Cognito's time-out).
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts in all, the first included.
const ATTEMPTS: u32 = 3;

/// Why a trigger gave no response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The function refused (threw, or the webhook answered with an error): its message.
    Refused(String),
    /// It answered, but not with an event.
    BadOutput,
    /// It could not be invoked: AWS's error name or a short cause.
    Unreachable(String),
}

/// What one attempt came to.
enum Attempt {
    Done(Result<Value, Failure>),
    /// Worth another attempt (throttled, a server error, no connection): the cause.
    Again(String),
}

/// Calls trigger functions and webhooks; one per server, sharing its connections.
#[derive(Debug)]
pub struct Invoker {
    http: reqwest::Client,
    lambda: lambda::LambdaClient,
    webhook_secret: Option<WebhookSecret>,
}

impl Invoker {
    pub fn new(settings: &Settings) -> Invoker {
        Invoker {
            http: reqwest::Client::builder()
                .timeout(TIMEOUT)
                .pool_idle_timeout(Duration::from_secs(60))
                .build()
                .unwrap_or_default(),
            lambda: lambda::LambdaClient::new(
                settings.lambda_endpoint.clone(),
                settings.aws_credentials.clone(),
            ),
            webhook_secret: settings
                .webhook_secret
                .as_ref()
                .and_then(|s| WebhookSecret::parse(s.expose()).ok()),
        }
    }

    /// True when webhooks of a pool without a secret of its own can be signed.
    pub fn has_server_webhook_secret(&self) -> bool {
        self.webhook_secret.is_some()
    }

    /// Sends `event` to `target` and returns what it answered (the event, `response` filled).
    /// `pool_secret` is the pool's own webhook secret, if it has one.
    pub async fn invoke(
        &self,
        target: &Target,
        pool_secret: Option<&str>,
        event: &Value,
    ) -> Result<Value, Failure> {
        let body = serde_json::to_vec(event).map_err(|_| Failure::BadOutput)?;
        let secret = match (target, pool_secret) {
            (Target::Webhook(_), Some(s)) => Some(
                WebhookSecret::parse(s)
                    .map_err(|_| Failure::Unreachable("InvalidWebhookSecret".into()))?,
            ),
            _ => None,
        };
        let mut attempt = 1;
        loop {
            let outcome = match target {
                Target::Lambda(arn) => self.lambda.call(&self.http, arn, &body).await,
                Target::Webhook(url) => match secret.as_ref().or(self.webhook_secret.as_ref()) {
                    Some(secret) => webhook::call(&self.http, url, secret, &body).await,
                    None => Attempt::Done(Err(Failure::Unreachable(
                        "NoWebhookSecretConfigured".into(),
                    ))),
                },
            };
            match outcome {
                Attempt::Done(result) => return result,
                Attempt::Again(cause) if attempt >= ATTEMPTS => {
                    return Err(Failure::Unreachable(cause));
                }
                Attempt::Again(_) => {
                    tokio::time::sleep(Duration::from_millis(100 << (attempt - 1))).await;
                    attempt += 1;
                }
            }
        }
    }
}

/// The attempt's outcome for a failed send: a time-out ends the invocation, a refused or
/// broken connection is worth another attempt.
fn send_failed(e: &reqwest::Error) -> Attempt {
    if e.is_timeout() {
        Attempt::Done(Err(Failure::Unreachable(
            "Socket timeout while invoking Lambda function".into(),
        )))
    } else {
        Attempt::Again("Connection failure while invoking Lambda function".into())
    }
}

/// Reads a successful answer: a JSON object (the event with its `response`).
fn event_of(body: &[u8]) -> Result<Value, Failure> {
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(Failure::BadOutput),
    }
}

/// The message of an error answer: `errorMessage` of a JSON body, else its text (one line,
/// at most 256 characters).
fn error_message(body: &[u8]) -> String {
    if let Ok(Value::Object(o)) = serde_json::from_slice::<Value>(body)
        && let Some(Value::String(m)) = o.get("errorMessage")
    {
        return m.clone();
    }
    let text = String::from_utf8_lossy(body);
    let line = text.lines().next().unwrap_or("").trim();
    line.chars().take(256).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages() {
        assert_eq!(
            error_message(br#"{"errorMessage":"Domain not allowed","errorType":"Error"}"#),
            "Domain not allowed"
        );
        assert_eq!(error_message(b"Forbidden\nmore"), "Forbidden");
        assert_eq!(error_message(&[b'x'; 400]).len(), 256);
        assert_eq!(event_of(b"[]"), Err(Failure::BadOutput));
        assert_eq!(event_of(b"null"), Err(Failure::BadOutput));
        assert!(event_of(br#"{"response":{}}"#).is_ok());
    }
}
