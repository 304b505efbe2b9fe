//! SMS: POSTed as JSON `{to, message, pool_id, kind}` to `TESSERA_SMS_WEBHOOK_URL`, else written
//! to `{data}/outbox/` as `.sms.json` files.

use super::DeliveryError;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// One text message to send.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Sms {
    pub to: String,
    pub message: String,
    pub pool_id: String,
    /// What the message is for: `invitation`, `verification`, `reset`, `mfa`.
    pub kind: String,
}

/// Where SMS go.
#[derive(Clone, Debug)]
pub enum SmsSender {
    Webhook {
        client: reqwest::Client,
        url: String,
    },
    Outbox {
        dir: PathBuf,
    },
    Memory(Arc<Mutex<Vec<Sms>>>),
}

impl SmsSender {
    pub fn from_settings(webhook: Option<&str>, data_dir: &std::path::Path) -> Self {
        match webhook {
            Some(url) => SmsSender::Webhook {
                client: reqwest::Client::builder()
                    .timeout(std::time::Duration::from_secs(10))
                    .build()
                    .unwrap_or_default(),
                url: url.to_string(),
            },
            None => SmsSender::Outbox {
                dir: data_dir.join("outbox"),
            },
        }
    }

    pub async fn send(&self, sms: Sms) -> Result<(), DeliveryError> {
        match self {
            SmsSender::Webhook { client, url } => {
                let response = client
                    .post(url)
                    .json(&sms)
                    .send()
                    .await
                    .map_err(|e| DeliveryError(format!("SMS webhook: {}", e.without_url())))?;
                if !response.status().is_success() {
                    return Err(DeliveryError(format!(
                        "SMS webhook answered {}",
                        response.status()
                    )));
                }
                Ok(())
            }
            SmsSender::Outbox { dir } => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| DeliveryError(format!("outbox: {e}")))?;
                let path = dir.join(format!("{}.sms.json", crate::crypto::random::uuid()));
                let body =
                    serde_json::to_vec_pretty(&sms).map_err(|e| DeliveryError(e.to_string()))?;
                tokio::fs::write(&path, body)
                    .await
                    .map_err(|e| DeliveryError(format!("outbox: {e}")))?;
                tracing::info!(path = %path.display(), "SMS written to the outbox (no TESSERA_SMS_WEBHOOK_URL)");
                Ok(())
            }
            SmsSender::Memory(sent) => {
                if let Ok(mut sent) = sent.lock() {
                    sent.push(sms);
                }
                Ok(())
            }
        }
    }
}
