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
use tokio::sync::{mpsc, oneshot};

/// The request being served: what every record made while serving it carries.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub request_id: String,
    pub ip: String,
    pub user_agent: String,
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
        AuditLog { sender }
    }

    /// Queues a record, stamped with the request it belongs to and `now`.
    pub fn record(&self, mut event: AuditEvent, now: i64) {
        event.at = now;
        let _ = CONTEXT.try_with(|c| {
            event.request_id = Some(c.request_id.clone()).filter(|s| !s.is_empty());
            event.ip = Some(c.ip.clone()).filter(|s| !s.is_empty());
            event.user_agent = Some(c.user_agent.chars().take(USER_AGENT_MAX).collect())
                .filter(|s: &String| !s.is_empty());
        });
        if let Err(e) = self.sender.try_send(Message::Event(Box::new(event))) {
            tracing::error!(cause = %e, "an audit record was dropped: the writer is behind or stopped");
        }
    }

    /// Waits until every record queued before this call is written.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.sender.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
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
        if let Err(e) = store.append_audit_events(&batch).await {
            tracing::error!(cause = %e, records = batch.len(), "writing the audit trail failed");
        }
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
    let before = match next_token {
        Some(token) => crate::services::decode_token(token)?
            .parse::<i64>()
            .map_err(|_| crate::domain::AuthError::InvalidParameter("Invalid NextToken.".into()))?,
        None => i64::MAX,
    };
    let mut found = svc
        .store
        .audit_events_of_user(&user.sub, before, max + 1)
        .await?;
    let next = if found.len() as i64 > max {
        found.truncate(usize::try_from(max).unwrap_or(0));
        found
            .last()
            .map(|e| crate::services::encode_token(&e.id.to_string()))
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
