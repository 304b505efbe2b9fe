//! Email: SMTP through lettre (`TESSERA_SMTP_URL`), else `.eml` files in `{data}/outbox/`.

use super::DeliveryError;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// One email to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

/// Where email goes.
#[derive(Clone)]
pub enum EmailSender {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    Outbox {
        dir: PathBuf,
        from: Mailbox,
    },
    /// Kept in memory (unit tests).
    Memory(Arc<Mutex<Vec<Email>>>),
}

impl std::fmt::Debug for EmailSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EmailSender::Smtp { from, .. } => write!(f, "EmailSender::Smtp(from {from})"),
            EmailSender::Outbox { dir, .. } => write!(f, "EmailSender::Outbox({})", dir.display()),
            EmailSender::Memory(_) => f.write_str("EmailSender::Memory"),
        }
    }
}

impl EmailSender {
    /// SMTP when a URL is given (`smtp://host:port`, `smtps://user:pass@host`), else the outbox.
    pub fn from_settings(
        smtp_url: Option<&str>,
        from: &str,
        data_dir: &std::path::Path,
    ) -> Result<Self, DeliveryError> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| DeliveryError(format!("TESSERA_EMAIL_FROM is not an address: {e}")))?;
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| DeliveryError(format!("TESSERA_SMTP_URL: {e}")))?
                    .build();
                Ok(EmailSender::Smtp { transport, from })
            }
            None => Ok(EmailSender::Outbox {
                dir: data_dir.join("outbox"),
                from,
            }),
        }
    }

    pub async fn send(&self, email: Email) -> Result<(), DeliveryError> {
        match self {
            EmailSender::Smtp { transport, from } => {
                let message = build(from, &email)?;
                transport
                    .send(message)
                    .await
                    .map_err(|e| DeliveryError(format!("SMTP: {e}")))?;
                Ok(())
            }
            EmailSender::Outbox { dir, from } => {
                let message = build(from, &email)?;
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| DeliveryError(format!("outbox: {e}")))?;
                let path = dir.join(format!("{}.eml", crate::crypto::random::uuid()));
                tokio::fs::write(&path, message.formatted())
                    .await
                    .map_err(|e| DeliveryError(format!("outbox: {e}")))?;
                tracing::info!(path = %path.display(), "email written to the outbox (no TESSERA_SMTP_URL)");
                Ok(())
            }
            EmailSender::Memory(sent) => {
                if let Ok(mut sent) = sent.lock() {
                    sent.push(email);
                }
                Ok(())
            }
        }
    }
}

fn build(from: &Mailbox, email: &Email) -> Result<Message, DeliveryError> {
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|e| DeliveryError(format!("recipient address: {e}")))?;
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone());
    let message = match &email.html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            html.clone(),
        )),
        None => builder.body(email.text.clone()),
    };
    message.map_err(|e| DeliveryError(format!("building email: {e}")))
}
