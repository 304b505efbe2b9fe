//! Password hashing with argon2id at OWASP's parameters (m=19 MiB, t=2, p=1), run on a few
//! dedicated threads (as many as hashes may run at once) behind a semaphore, so a burst of
//! sign-ins cannot exhaust memory. Dedicated threads matter: each 19 MiB buffer is freed into
//! the allocator arena of the thread that used it, and spreading hashes over tokio's blocking
//! pool left one such buffer in every arena (860 MB RSS after a short sign-in burst, against
//! tens of MB with the threads fixed).
//!
//! Each hashing thread keeps its argon2 memory from one hash to the next ([`Scratch`]):
//! mapping, faulting in and unmapping 19 MiB for every hash cost about 40% of a sign-in's CPU
//! (docs/performance.md). The memory is reserved at a thread's first hash, so an idle server
//! holds none and a busy one `concurrency` × 19 MiB.

use crate::crypto::hash_formats;
use crate::domain::AuthError;
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::Rng;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use tokio::sync::{Semaphore, oneshot};

type Job = Box<dyn FnOnce(&mut Scratch) + Send>;

/// A hashing thread's argon2 working memory, reused by every hash the thread computes.
/// Argon2 writes every block before reading it, so what a previous hash left there never
/// affects the next one. What stays in memory between hashes is the last pass's blocks: testing
/// a password guess against any of them costs at least the whole first pass (half the hash at
/// t=2), so a leak of this memory is no cheap guessing oracle; it is not zeroed, to keep the
/// gain (zeroing 19 MiB would cost about a tenth of a hash).
#[derive(Default)]
struct Scratch(Vec<Block>);

impl Scratch {
    fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.0.len() < count {
            self.0.resize(count, Block::new());
        }
        &mut self.0[..count]
    }
}

/// Salt length of new hashes (bytes), as the argon2 crate's default.
const SALT_LEN: usize = 16;

/// Hashes and verifies passwords; cheap to clone.
#[derive(Clone, Debug)]
pub struct PasswordHasherPool {
    permits: Arc<Semaphore>,
    jobs: Sender<Job>,
    /// Hashes waiting for a thread now, and how many may wait: beyond that, new ones are
    /// refused at once ([`HashError::Busy`]) rather than queued to second-long latencies.
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
}

/// Why a hash was not computed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// More hashes are waiting than the pool lets wait: shed, the caller may retry.
    #[error("too many password hashes are waiting")]
    Busy,
    /// A fault of ours.
    #[error("password hashing failed: {0}")]
    Failed(String),
}

impl From<HashError> for AuthError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => AuthError::TooManyRequests("Rate exceeded".into()),
            HashError::Failed(_) => AuthError::Internal(e.to_string()),
        }
    }
}

/// Hashes that may wait per hashing thread by default: at OWASP's cost (about 25 ms a hash on
/// these machines) the last of them waits about 0.4 s.
pub const QUEUE_PER_THREAD: usize = 16;

impl PasswordHasherPool {
    /// A pool computing at most `concurrency` hashes at once, with [`QUEUE_PER_THREAD`] per
    /// thread allowed to wait.
    pub fn new(concurrency: usize) -> Self {
        Self::with_queue(concurrency, concurrency.max(1) * QUEUE_PER_THREAD)
    }

    /// A pool computing at most `concurrency` hashes at once, with at most `max_waiting`
    /// more waiting (0: no limit).
    pub fn with_queue(concurrency: usize, max_waiting: usize) -> Self {
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
            waiting: Arc::new(AtomicUsize::new(0)),
            max_waiting: if max_waiting == 0 {
                usize::MAX
            } else {
                max_waiting
            },
        }
    }

    /// Runs `f` on a hashing thread, at most `concurrency` at once, in the caller's span.
    async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Scratch) -> R + Send + 'static,
    ) -> Result<R, HashError> {
        // A free thread takes the hash at once; else it waits, if there is room to wait.
        let _permit = match self.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                let waiting = match QueueGauge::enter(&self.waiting, self.max_waiting) {
                    Ok(w) => w,
                    Err(e) => {
                        shed().await;
                        return Err(e);
                    }
                };
                let permit = self.permits.clone().acquire_owned().await;
                drop(waiting);
                permit.map_err(|e| HashError::Failed(e.to_string()))?
            }
        };
        let (done, result) = oneshot::channel();
        let span = tracing::Span::current();
        self.jobs
            .send(Box::new(move |scratch: &mut Scratch| {
                let _ = done.send(span.in_scope(|| f(scratch)));
            }))
            .map_err(|_| HashError::Failed("no hashing thread is running".into()))?;
        result
            .await
            .map_err(|_| HashError::Failed("the hashing thread stopped".into()))
    }

    /// [`HashError::Busy`] when a hash asked for now would be refused: every thread busy and
    /// the queue full. A flow asks first, so a sign-in that would be shed is shed before its
    /// database reads and triggers; the hash itself still decides (this is only a glance).
    /// The refusal comes after [`SHED_DELAY`], as every refusal of a hash does.
    pub async fn admit(&self) -> Result<(), HashError> {
        if self.permits.available_permits() == 0
            && self.waiting.load(Ordering::Acquire) >= self.max_waiting
        {
            return Err(shed().await);
        }
        Ok(())
    }

    /// Returns a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let password = password.to_string();
        self.run(move |scratch| hash_now(scratch, &password))
            .await?
    }

    /// True when `password` matches `phc`. A malformed stored hash verifies as false.
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool, HashError> {
        let password = password.to_string();
        let phc = phc.to_string();
        self.run(move |scratch| verify_now(scratch, &password, &phc))
            .await
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
                let dummy = self.dummy_hash().await?;
                self.verify(password, &dummy).await?;
                Ok(false)
            }
        }
    }
}

/// How long a shed password check waits before it is refused. A client that retries at once
/// (a retry loop, a load test) would otherwise turn refusals that cost a fraction of a
/// millisecond into thousands a second, and that CPU is taken from the cheap paths and from
/// the hashes admitted; waiting costs a timer. Measured (`bash benches/run.sh --paths flood`,
/// 2 cores, 64 connections of sign-ins): see docs/performance.md.
pub const SHED_DELAY: std::time::Duration = std::time::Duration::from_millis(100);

async fn shed() -> HashError {
    tokio::time::sleep(SHED_DELAY).await;
    HashError::Busy
}

/// One hash waiting for a thread, counted (and in the queue-depth gauge) until dropped, also
/// when the waiting request is cancelled.
struct QueueGauge<'a>(&'a AtomicUsize);

impl QueueGauge<'_> {
    /// A place in the queue, or [`HashError::Busy`] when `max` hashes already wait.
    fn enter(waiting: &AtomicUsize, max: usize) -> Result<QueueGauge<'_>, HashError> {
        if waiting.fetch_add(1, Ordering::AcqRel) >= max {
            waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(HashError::Busy);
        }
        crate::metrics::hash_queue(1);
        Ok(QueueGauge(waiting))
    }
}

impl Drop for QueueGauge<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
        crate::metrics::hash_queue(-1);
    }
}

/// Runs this hashing thread below the threads that serve requests (SCHED_BATCH, nice 10): with
/// as many hashing threads as cores, a flood of sign-ins otherwise takes the CPU from GetUser,
/// JWKS and refresh. On a failure (a system that refuses) the thread keeps its priority.
/// Measured back to back (`bash benches/run.sh --paths flood`, 2 cores, 2026-12-07): during 64
/// connections of password sign-ins, refresh at 16 connections went from 1,646 to 2,108/s and
/// its p99 from 22.0 to 16.7 ms on SQLite (558 to 646/s, 48.2 to 37.4 ms on PostgreSQL);
/// GetUser's p99 from 8.6 to 8.1 ms (26.1 to 19.3 ms); sign-ins served fell from 47 to 31/s.
fn yield_to_requests() {
    use thread_priority::{
        NormalThreadSchedulePolicy, ThreadPriority, ThreadPriorityValue, ThreadSchedulePolicy,
        set_thread_priority_and_policy, thread_native_id,
    };
    // 24 of 0..99 is nice 10 (a tenth of a nice-0 thread's share of a busy core).
    let Ok(low) = ThreadPriorityValue::try_from(24u8) else {
        return;
    };
    let policy = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Batch);
    if let Err(e) = set_thread_priority_and_policy(
        thread_native_id(),
        ThreadPriority::Crossplatform(low),
        policy,
    ) {
        tracing::warn!(error = ?e, "could not lower the hashing thread's priority");
    }
}

/// A hashing thread: runs jobs until every sender is gone.
fn work(queue: &Mutex<Receiver<Job>>) {
    yield_to_requests();
    let mut scratch = Scratch::default();
    loop {
        let job = match queue.lock() {
            Ok(q) => q.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(&mut scratch),
            Err(_) => return,
        }
    }
}

impl PasswordHasherPool {
    /// A hash of a random password with the same parameters, made once per process.
    async fn dummy_hash(&self) -> Result<String, HashError> {
        static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        if let Some(h) = DUMMY.get() {
            return Ok(h.clone());
        }
        let h = self.hash(&crate::crypto::random::uuid()).await?;
        Ok(DUMMY.get_or_init(|| h).clone())
    }
}

fn failed(e: impl std::fmt::Display) -> HashError {
    HashError::Failed(e.to_string())
}

/// A new PHC string at the default parameters (argon2id, v=19, m=19456, t=2, p=1), with a
/// random 16-byte salt.
fn hash_now(scratch: &mut Scratch, password: &str) -> Result<String, HashError> {
    let argon = Argon2::default();
    let params = argon.params().clone();
    let mut salt = [0u8; SALT_LEN];
    rand::rng().fill(&mut salt[..]);
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon
        .hash_password_into_with_memory(
            password.as_bytes(),
            &salt,
            &mut out,
            scratch.blocks(params.block_count()),
        )
        .map_err(failed)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(failed)?,
        salt: Some(Salt::new(&salt).map_err(failed)?),
        hash: Some(Output::new(&out).map_err(failed)?),
    };
    Ok(phc.to_string())
}

/// Whether `stored` is a hash this pool makes now (argon2id at the default parameters); any
/// other is replaced at the user's next sign-in with the password.
pub fn is_current(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    parsed.algorithm == Algorithm::Argon2id.ident()
        && parsed.version == Some(Version::V0x13.into())
        && Params::try_from(&parsed).is_ok_and(|p| {
            let current = Params::default();
            (p.m_cost(), p.t_cost(), p.p_cost())
                == (current.m_cost(), current.t_cost(), current.p_cost())
        })
}

/// True when `password` hashes to `phc` with `phc`'s own algorithm, version, parameters and
/// salt (so hashes made with other parameters keep working); false for a malformed `phc`.
fn verify_now(scratch: &mut Scratch, password: &str, phc: &str) -> bool {
    if !phc.starts_with("$argon2") {
        return hash_formats::parse(phc).is_ok_and(|hash| hash.verify(password));
    }
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let blocks = params.block_count();
    let mut out = vec![0u8; expected.len()];
    // An imported hash asking for more memory than ours gets it only for this check.
    let mut larger = Vec::new();
    let memory = if blocks > Params::default().block_count() {
        larger.resize(blocks, Block::new());
        &mut larger[..]
    } else {
        scratch.blocks(blocks)
    };
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt.as_ref(), &mut out, memory)
        .is_ok()
        && crate::crypto::constant_time_eq(&out, expected.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With every thread busy and the queue full, a new hash is refused at once; the ones
    /// admitted complete, and the queue is free again after.
    #[tokio::test]
    async fn a_full_queue_sheds_new_hashes() {
        let pool = PasswordHasherPool::with_queue(1, 1);
        let (a, b, c) = tokio::join!(pool.hash("one"), pool.hash("two"), pool.hash("three"));
        assert!(a.is_ok() && b.is_ok());
        assert!(matches!(c, Err(HashError::Busy)));
        assert!(matches!(
            AuthError::from(HashError::Busy),
            AuthError::TooManyRequests(_)
        ));
        assert_eq!(pool.waiting.load(Ordering::Acquire), 0);
        assert!(pool.hash("four").await.is_ok());
    }

    /// `admit` refuses exactly when a hash would be shed: every thread busy and the queue full.
    #[tokio::test]
    async fn admit_says_what_a_hash_would_meet() {
        let pool = std::sync::Arc::new(PasswordHasherPool::with_queue(1, 1));
        assert!(pool.admit().await.is_ok());
        // The one thread taken, as by a long hash: a new hash waits, filling the queue.
        let busy = pool.permits.clone().try_acquire_owned().unwrap();
        assert!(pool.admit().await.is_ok());
        let waiter = pool.clone();
        let queued = tokio::spawn(async move { waiter.hash("queued").await });
        while pool.waiting.load(Ordering::Acquire) < 1 {
            tokio::task::yield_now().await;
        }
        // Refused, after the shedding delay.
        let asked = std::time::Instant::now();
        assert!(matches!(pool.admit().await, Err(HashError::Busy)));
        assert!(asked.elapsed() >= SHED_DELAY);
        drop(busy);
        assert!(queued.await.unwrap().is_ok());
        assert!(pool.admit().await.is_ok());
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let pool = PasswordHasherPool::new(2);
        let h = pool.hash("Correct-horse1").await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(pool.verify("Correct-horse1", &h).await.unwrap());
        assert!(!pool.verify("wrong", &h).await.unwrap());
        assert!(!pool.verify("x", "not a hash").await.unwrap());
    }

    /// Hashes made here and by the argon2 crate's own hasher verify both ways, including
    /// hashes at other parameters (stored before a parameter change, or imported).
    #[tokio::test]
    async fn compatible_with_the_argon2_crate() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let pool = PasswordHasherPool::new(1);
        let ours = pool.hash("Correct-horse1").await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"Correct-horse1", &parsed)
                .is_ok()
        );
        let theirs = Argon2::default()
            .hash_password(b"Correct-horse1")
            .unwrap()
            .to_string();
        assert!(pool.verify("Correct-horse1", &theirs).await.unwrap());
        assert!(!pool.verify("Correct-horse2", &theirs).await.unwrap());
        let small = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 3, 1, None).unwrap(),
        )
        .hash_password(b"Correct-horse1")
        .unwrap()
        .to_string();
        assert!(pool.verify("Correct-horse1", &small).await.unwrap());
        assert!(!pool.verify("Correct-horse1x", &small).await.unwrap());
        // after a bigger hash, the thread's memory is longer than this one needs
        assert!(pool.verify("Correct-horse1", &ours).await.unwrap());
    }
}
