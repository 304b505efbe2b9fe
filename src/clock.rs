//! Time as an injected value: services receive `now` from a [`Clock`] and never read the system
//! clock themselves, so tests can move time forward to check expiry.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// Where the current time comes from.
#[derive(Clone, Debug)]
pub enum Clock {
    /// The operating system's wall clock.
    System,
    /// A clock that only moves when told to (tests).
    Fixed(Arc<AtomicI64>),
}

impl Clock {
    /// A fixed clock starting at `start` milliseconds.
    pub fn fixed(start: Millis) -> Self {
        Clock::Fixed(Arc::new(AtomicI64::new(start)))
    }

    /// The current time in milliseconds since the epoch.
    pub fn now(&self) -> Millis {
        match self {
            Clock::System => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0),
            Clock::Fixed(t) => t.load(Ordering::SeqCst),
        }
    }

    /// Moves a fixed clock forward; does nothing on the system clock.
    pub fn advance(&self, by: Millis) {
        if let Clock::Fixed(t) = self {
            t.fetch_add(by, Ordering::SeqCst);
        }
    }
}

/// Converts milliseconds to the epoch-seconds number Cognito puts on the wire.
pub fn to_epoch_seconds(millis: Millis) -> f64 {
    millis as f64 / 1000.0
}
