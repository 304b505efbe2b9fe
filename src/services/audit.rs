//! The audit trail (DESIGN §2 Operations): records of administrators' actions and of users'
//! security events, appended to `audit_events`. Recording never slows the request: records go
//! to a bounded queue that one task writes in batches (one transaction each); [`AuditLog::flush`]
//! waits until everything recorded so far is written (tests, shutdown). When the queue is full
//! a record is dropped and counted in the logs rather than holding up a sign-in. The request a
//! record belongs to (its id, the client's IP and user agent) comes from the task-local
//! [`CONTEXT`] the HTTP middleware sets. Rows older than the retention are swept hourly.

use crate::domain::audit::{AuditEvent, SECURITY, USER_AGENT_MAX};
use crate::domain::user::User;
use crate::store::Store;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{mpsc, oneshot};

/// The request being served: what every record made while serving it carries. The client's
/// IP is kept as it came (the TCP peer, or the trusted `X-Forwarded-For` entry) and written
/// out only when a record needs it.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub request_id: String,
    pub peer: Option<std::net::IpAddr>,
    /// The last `X-Forwarded-For` entry, when the server trusts the header.
    pub forwarded_for: Option<String>,
    pub user_agent: String,
}

impl RequestContext {
    fn ip(&self) -> Option<String> {
        self.forwarded_for
            .clone()
            .or_else(|| self.peer.map(|ip| ip.to_string()))
    }
}

tokio::task_local! {
    /// Set by the HTTP middleware around each request.
    pub static CONTEXT: RequestContext;
}

/// How many records may wait for the writer.
const QUEUE: usize = 10_000;
/// The most records written in one transaction.
const BATCH: usize = 500;
const SWEEP_EVERY_MS: i64 = 60 * 60 * 1000;

enum Message {
    Event(Box<AuditEvent>),
    Flush(oneshot::Sender<()>),
}

/// The sending side of the trail; cheap to clone.
#[derive(Clone, Debug)]
pub struct AuditLog {
    sender: mpsc::Sender<Message>,
    /// Records being prepared by [`AuditLog::later`] work, not queued yet.
    preparing: Arc<AtomicUsize>,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("audit message")
    }
}

impl AuditLog {
    /// Starts the writer for `store`; records older than `retention_days` are swept (0: kept).
    pub fn start(store: Store, clock: crate::clock::Clock, retention_days: u32) -> AuditLog {
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(write(store, clock, retention_days, receiver));
        AuditLog {
            sender,
            preparing: Arc::default(),
        }
    }

    /// Runs `work` (finding what a record needs, then recording it) after the request, in the
    /// request's context: the answer does not wait for it.
    pub fn later(&self, work: impl std::future::Future<Output = ()> + Send + 'static) {
        let context = CONTEXT.try_with(Clone::clone).unwrap_or_default();
        let preparing = self.preparing.clone();
        preparing.fetch_add(1, Ordering::SeqCst);
        tokio::spawn(CONTEXT.scope(context, async move {
            work.await;
            preparing.fetch_sub(1, Ordering::SeqCst);
        }));
    }

    /// Queues a record, stamped with the request it belongs to and `now`. Text the caller
    /// chose (a name, a user agent) is cut short and rid of control characters first.
    pub fn record(&self, mut event: AuditEvent, now: i64) {
        event.at = now;
        let _ = CONTEXT.try_with(|c| {
            event.request_id = Some(clean(&c.request_id)).filter(|s| !s.is_empty());
            event.ip = c.ip().map(|ip| clean(&ip)).filter(|s| !s.is_empty());
            event.user_agent = Some(clean(&c.user_agent)).filter(|s| !s.is_empty());
        });
        for field in [
            &mut event.target,
            &mut event.reason,
            &mut event.pool_id,
            &mut event.actor,
        ] {
            if let Some(text) = field.as_mut() {
                *text = clean(text);
            }
        }
        if let Err(e) = self.sender.try_send(Message::Event(Box::new(event))) {
            tracing::error!(cause = %e, "an audit record was dropped: the writer is behind or stopped");
        }
    }

    /// Waits until every record queued or being prepared before this call is written.
    pub async fn flush(&self) {
        for _ in 0..1000 {
            if self.preparing.load(Ordering::SeqCst) == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        let (done, wait) = oneshot::channel();
        if self.sender.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

/// `text` as the trail keeps it: at most 256 characters, no control characters (a NUL would
/// fail the whole batch on PostgreSQL).
pub fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(USER_AGENT_MAX)
        .collect()
}

/// Writes a batch, trying again after a failure; a batch that still fails is written row by
/// row, so one bad record does not take the others with it.
async fn append(store: &Store, batch: &[AuditEvent]) {
    for attempt in 0..3u64 {
        match store.append_audit_events(batch).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(cause = %e, records = batch.len(), attempt, "writing the audit trail failed");
                tokio::time::sleep(std::time::Duration::from_millis(100 << attempt)).await;
            }
        }
    }
    for event in batch {
        if let Err(e) = store.append_audit_events(std::slice::from_ref(event)).await {
            tracing::error!(cause = %e, event = %event.event, "an audit record could not be written");
        }
    }
}

async fn write(
    store: Store,
    clock: crate::clock::Clock,
    retention_days: u32,
    mut receiver: mpsc::Receiver<Message>,
) {
    let mut next_sweep = 0;
    let mut batch: Vec<AuditEvent> = Vec::new();
    let mut waiting: Vec<oneshot::Sender<()>> = Vec::new();
    while let Some(first) = receiver.recv().await {
        let mut message = Some(first);
        while let Some(m) = message.take() {
            match m {
                Message::Event(e) => batch.push(*e),
                Message::Flush(done) => waiting.push(done),
            }
            if batch.len() < BATCH {
                message = receiver.try_recv().ok();
            }
        }
        append(&store, &batch).await;
        batch.clear();
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
        let now = clock.now();
        if retention_days > 0 && now >= next_sweep {
            next_sweep = now + SWEEP_EVERY_MS;
            let before = now - i64::from(retention_days) * 24 * 60 * 60 * 1000;
            match store.sweep_audit_events(before).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(records = n, "audit records past retention swept"),
                Err(e) => tracing::error!(cause = %e, "sweeping the audit trail failed"),
            }
        }
    }
}

/// Records a security event of `user` (or of the name `target` when no user is known).
pub fn security(
    svc: &crate::services::Services,
    pool_id: &str,
    event: &str,
    outcome: &str,
    user: Option<&User>,
    target: Option<&str>,
    reason: Option<&str>,
) {
    let mut record = AuditEvent::new(SECURITY, event, outcome);
    record.pool_id = Some(pool_id.to_string());
    record.user_sub = user.map(|u| u.sub.clone());
    record.target = target
        .map(str::to_string)
        .or_else(|| user.map(|u| u.username.clone()));
    record.reason = reason.map(str::to_string);
    svc.audit.record(record, svc.now());
}

/// AdminListUserAuthEvents: the user's authentication events, newest first, a page of `max`
/// after `next_token`.
pub async fn user_auth_events(
    svc: &crate::services::Services,
    pool_id: &str,
    username: &str,
    max: i64,
    next_token: Option<&str>,
) -> Result<(Vec<AuditEvent>, Option<String>), crate::domain::AuthError> {
    let user = crate::services::admin::users::get_user(svc, pool_id, username).await?;
    let invalid = || crate::domain::AuthError::InvalidParameter("Invalid NextToken.".into());
    let before = match next_token {
        Some(token) => {
            let text = crate::services::decode_token(token)?;
            let (at, id) = text.split_once(':').ok_or_else(invalid)?;
            (
                at.parse::<i64>().map_err(|_| invalid())?,
                id.parse::<i64>().map_err(|_| invalid())?,
            )
        }
        None => (i64::MAX, i64::MAX),
    };
    let mut found = svc
        .store
        .audit_events_of_user(&user.sub, before, max + 1)
        .await?;
    let next = if found.len() as i64 > max {
        found.truncate(usize::try_from(max).unwrap_or(0));
        found
            .last()
            .map(|e| crate::services::encode_token(&format!("{}:{}", e.at, e.id)))
    } else {
        None
    };
    Ok((found, next))
}

/// `tessera audit export`: the records from `since` (epoch ms) on, oldest first, in pages.
pub async fn export(
    store: &Store,
    since: i64,
    mut each: impl FnMut(&AuditEvent),
) -> Result<u64, crate::domain::AuthError> {
    let mut after = 0;
    let mut count = 0;
    loop {
        let page = store.audit_events_since(since, after, 1000).await?;
        let Some(last) = page.last() else {
            return Ok(count);
        };
        after = last.id;
        for event in &page {
            each(event);
            count += 1;
        }
    }
}
