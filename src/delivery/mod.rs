//! Sending messages to users: email over SMTP (lettre) or to `.eml` files in the outbox, SMS to
//! a webhook or the outbox, and an in-memory recorder for tests. Services build the message;
//! this module only carries it.

pub mod email;
pub mod sms;

pub use email::{Email, EmailSender};
pub use sms::{Sms, SmsSender};

/// A message could not be handed over; services report CodeDeliveryFailureException.
#[derive(Debug, thiserror::Error)]
#[error("delivery failed: {0}")]
pub struct DeliveryError(pub String);

/// The configured senders.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub email: EmailSender,
    pub sms: SmsSender,
}

impl Delivery {
    pub async fn send_email(&self, message: Email) -> Result<(), DeliveryError> {
        let result = self.email.send(message).await;
        crate::metrics::code_sent("email", result.is_ok());
        result
    }

    pub async fn send_sms(&self, message: Sms) -> Result<(), DeliveryError> {
        let result = self.sms.send(message).await;
        crate::metrics::code_sent("sms", result.is_ok());
        result
    }
}
