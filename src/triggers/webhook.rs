//! Tessera's webhook triggers: the event POSTed as JSON to an `https://` URL (or
//! `http://localhost` for development), signed by the Standard Webhooks scheme: `webhook-id`,
//! `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "{id}.{timestamp}.{body}">` under the secret's key. A 2xx answer carries the event with its
//! `response`; 408, 429, 502, 503 and 504 are tried again; any other status is the function
//! refusing, with the body's `errorMessage` (or its text) as the message.

use super::{Attempt, Failure, error_message, event_of, send_failed};
use crate::domain::triggers::WebhookSecret;
use base64::Engine;

/// The `webhook-signature` value for one delivery.
pub(super) fn signature(secret: &WebhookSecret, id: &str, timestamp: i64, body: &[u8]) -> String {
    let timestamp = timestamp.to_string();
    let tag = crate::crypto::hmac_sha256(
        secret.key(),
        &[id.as_bytes(), b".", timestamp.as_bytes(), b".", body],
    );
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(tag)
    )
}

pub(super) async fn call(
    http: &reqwest::Client,
    url: &url::Url,
    secret: &WebhookSecret,
    body: &[u8],
) -> Attempt {
    let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let response = http
        .post(url.clone())
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature(secret, &id, timestamp, body))
        .body(body.to_vec())
        .send()
        .await;
    let response = match response {
        Ok(r) => r,
        Err(e) => return send_failed(&e),
    };
    let status = response.status();
    let bytes = match response.bytes().await {
        Ok(b) => b,
        Err(e) => return send_failed(&e),
    };
    match status.as_u16() {
        200..=299 => Attempt::Done(event_of(&bytes)),
        408 | 429 | 502..=504 => Attempt::Again(format!("HTTP {}", status.as_u16())),
        _ => Attempt::Done(Err(Failure::Refused(error_message(&bytes)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_as_the_standard_webhooks_reference_does() {
        // The example of the Standard Webhooks specification's reference libraries.
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
