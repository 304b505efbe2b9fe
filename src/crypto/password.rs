//! Password hashing with argon2id at OWASP's parameters (m=19 MiB, t=2, p=1), run on the
//! blocking pool and bounded by a semaphore so a burst of sign-ins cannot exhaust memory.

use crate::telemetry::spawn_blocking_in_span;
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Hashes and verifies passwords; cheap to clone.
#[derive(Clone, Debug)]
pub struct PasswordHasherPool {
    permits: Arc<Semaphore>,
}

/// Hashing failed for a reason that is ours, not the caller's.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

impl PasswordHasherPool {
    /// A pool computing at most `concurrency` hashes at once.
    pub fn new(concurrency: usize) -> Self {
        PasswordHasherPool {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    /// Returns a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| HashError(e.to_string()))?;
        let password = password.to_string();
        spawn_blocking_in_span(move || hash_now(&password))
            .await
            .map_err(|e| HashError(e.to_string()))?
    }

    /// True when `password` matches `phc`. A malformed stored hash verifies as false.
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| HashError(e.to_string()))?;
        let password = password.to_string();
        let phc = phc.to_string();
        spawn_blocking_in_span(move || verify_now(&password, &phc))
            .await
            .map_err(|e| HashError(e.to_string()))
    }

    /// Verifies against `phc`, or, when there is no stored hash (unknown user, user without a
    /// password), against a dummy hash so the answer takes as long; then false.
    pub async fn verify_or_dummy(
        &self,
        phc: Option<&str>,
        password: &str,
    ) -> Result<bool, HashError> {
        match phc {
            Some(phc) => self.verify(password, phc).await,
            None => {
                let dummy = dummy_hash()?;
                self.verify(password, &dummy).await?;
                Ok(false)
            }
        }
    }
}

/// A hash of a random password with the same parameters, made once per process.
fn dummy_hash() -> Result<String, HashError> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h.clone());
    }
    let h = hash_now(&crate::crypto::random::uuid())?;
    Ok(DUMMY.get_or_init(|| h).clone())
}

fn hash_now(password: &str) -> Result<String, HashError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

fn verify_now(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let pool = PasswordHasherPool::new(2);
        let h = pool.hash("Correct-horse1").await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(pool.verify("Correct-horse1", &h).await.unwrap());
        assert!(!pool.verify("wrong", &h).await.unwrap());
        assert!(!pool.verify("x", "not a hash").await.unwrap());
    }
}
