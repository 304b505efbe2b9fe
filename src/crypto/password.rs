//! Password hashing with argon2id at OWASP's parameters (m=19 MiB, t=2, p=1), run on a few
//! dedicated threads (as many as hashes may run at once) behind a semaphore, so a burst of
//! sign-ins cannot exhaust memory. Dedicated threads matter: each 19 MiB buffer is freed into
//! the allocator arena of the thread that used it, and spreading hashes over tokio's blocking
//! pool left one such buffer in every arena (860 MB RSS after a short sign-in burst, against
//! tens of MB with the threads fixed).

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use tokio::sync::{Semaphore, oneshot};

type Job = Box<dyn FnOnce() + Send>;

/// Hashes and verifies passwords; cheap to clone.
#[derive(Clone, Debug)]
pub struct PasswordHasherPool {
    permits: Arc<Semaphore>,
    jobs: Sender<Job>,
}

/// Hashing failed for a reason that is ours, not the caller's.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

impl PasswordHasherPool {
    /// A pool computing at most `concurrency` hashes at once.
    pub fn new(concurrency: usize) -> Self {
        return_big_buffers_to_the_system();
        let concurrency = concurrency.max(1);
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..concurrency {
            let queue = Arc::clone(&queue);
            // A thread that cannot start leaves the others to do the work; with none at all,
            // callers get an error instead of waiting forever (see `run`).
            let _ = std::thread::Builder::new()
                .name(format!("tessera-hash-{i}"))
                .spawn(move || work(&queue));
        }
        PasswordHasherPool {
            permits: Arc::new(Semaphore::new(concurrency)),
            jobs,
        }
    }

    /// Runs `f` on a hashing thread, at most `concurrency` at once, in the caller's span.
    async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| HashError(e.to_string()))?;
        let (done, result) = oneshot::channel();
        let span = tracing::Span::current();
        self.jobs
            .send(Box::new(move || {
                let _ = done.send(span.in_scope(f));
            }))
            .map_err(|_| HashError("no hashing thread is running".into()))?;
        result
            .await
            .map_err(|_| HashError("the hashing thread stopped".into()))
    }

    /// Returns a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let password = password.to_string();
        self.run(move || hash_now(&password)).await?
    }

    /// True when `password` matches `phc`. A malformed stored hash verifies as false.
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool, HashError> {
        let password = password.to_string();
        let phc = phc.to_string();
        self.run(move || verify_now(&password, &phc)).await
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

/// glibc raises its mmap threshold to the size of the largest block freed, so after the first
/// hash every 19 MiB argon2 buffer comes from an arena heap and stays there when freed: six
/// arenas held 58 MB each (350 MB RSS) after a sign-in burst. A fixed threshold keeps such
/// buffers mmap-ed, so freeing one returns it to the system (measured cost: see docs/status).
fn return_big_buffers_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only changes allocator tuning; it is safe to call at any time.
            unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
            }
        });
    }
}

/// A hashing thread: runs jobs until every sender is gone.
fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = match queue.lock() {
            Ok(q) => q.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
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
