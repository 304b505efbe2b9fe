//! On PostgreSQL, the pools' configuration counters (`config_versions`) kept in memory and
//! pushed by the database, so the token paths confirm a cached client without a round trip.
//!
//! Migration 0006 makes the counter's trigger also `NOTIFY tessera_config, '<version> <pool>'`.
//! PostgreSQL delivers a notification when its transaction commits, to every session listening
//! on that database, in commit order. A server node listens on one connection of its pool and
//! records the newest number of each pool it hears of; a pool it has heard nothing of is read
//! from the table and remembered.
//!
//! What a node knows is trusted only while its listener is subscribed, and for at most
//! [`FRESH_FOR`] after the table was read or a notification came:
//! - Until the first `LISTEN` completes, and whenever the connection fails, every read goes to
//!   the table (as without a watch), and what was remembered is dropped: notifications sent
//!   while nobody listened are lost.
//! - A connection that dies without a word (a NAT or a firewall forgetting it) delivers
//!   nothing and reports nothing. [`FRESH_FOR`] bounds how long a node then serves a number
//!   that has moved on, and every node notifies a beat every 10 s: a listener that hears
//!   nothing for 35 s drops its connection and subscribes again.
//! - A number read from the table is remembered only if no reset happened since the read began
//!   (a read that started before an outage could hold a number older than a lost
//!   notification). Numbers only grow, so a late read never lowers what a notification set.
//! - A configuration change made through this node marks the pool's number unconfirmed at
//!   commit, so the node's next request reads the table and sees its own change at once (a
//!   late notification of an earlier change does not confirm it). Other nodes (and the
//!   CLI) see it when the notification arrives, milliseconds after the commit.
//!
//! On SQLite there is no watch: the counter is read on every use, on the request's thread
//! (`sqlite_reads`), which costs about as much as this module's lookup.

use sqlx::postgres::{PgListener, PgPool};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

/// The channel the trigger of migration 0006 notifies.
pub const CHANNEL: &str = "tessera_config";

/// Beyond this many pools the numbers start over (each pool is then read once more).
const MAX_POOLS: usize = 100_000;

/// How long a number is trusted without news: a read from the table or a notification.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// Wait between attempts to subscribe again after the listening connection failed.
const RETRY: Duration = Duration::from_secs(1);

/// Every node notifies [`BEAT`] this often, so a listener always has something to hear.
const BEAT_EVERY: Duration = Duration::from_secs(10);

/// A listener that hears nothing for this long (not even the beats) has lost its connection
/// without being told (a NAT or a firewall forgetting it): it is dropped and subscribes again.
const SILENCE: Duration = Duration::from_secs(35);

/// The payload of a beat.
const BEAT: &str = "beat";

/// The counters this node has heard of (shared with its listening task).
#[derive(Default)]
pub struct ConfigWatch {
    state: RwLock<State>,
    started: AtomicBool,
    /// Counters answered from memory, for tests and diagnostics.
    answered: AtomicU64,
    /// How many times the listener subscribed (again after a lost connection).
    subscriptions: AtomicU64,
}

/// What a node's watch is doing, for tests and diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchState {
    /// The listener is subscribed: counters it has heard of are answered from memory.
    pub live: bool,
    /// Counters answered from memory so far.
    pub answered: u64,
    /// Times the listener subscribed, the first time included.
    pub subscriptions: u64,
}

#[derive(Default)]
struct State {
    /// True while the listener is subscribed.
    live: bool,
    /// Moves on every reset and on every change made through this node; a read from the table
    /// is remembered only under the epoch it started in.
    epoch: u64,
    versions: HashMap<String, Known>,
}

#[derive(Clone, Copy)]
struct Known {
    version: i64,
    /// When the table was read (the read's start) or a notification came.
    as_of: Instant,
    /// False after a change made through this node, until the table is read again: a
    /// notification of an earlier change, still on its way, must not answer for it.
    confirmed: bool,
}

/// Where a read from the table starts: it is remembered only if nothing was reset since.
#[derive(Clone, Copy, Debug)]
pub(super) struct Ticket {
    epoch: u64,
    started: Instant,
}

impl std::fmt::Debug for ConfigWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConfigWatch")
    }
}

impl ConfigWatch {
    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The pool's counter, when the listener is subscribed and has it.
    pub(super) fn known(&self, pool_id: &str) -> Option<i64> {
        let found = self.lookup(pool_id, true);
        if found.is_some() {
            self.answered.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// The epoch a read from the table starts in, or None when what it returns must not be
    /// remembered (nobody listening).
    pub(super) fn ticket(&self) -> Option<Ticket> {
        let started = Instant::now();
        let state = self.read();
        state.live.then_some(Ticket {
            epoch: state.epoch,
            started,
        })
    }

    /// Remembers a number read from the table under `ticket`, unless a reset came between.
    pub(super) fn learn(&self, pool_id: &str, version: i64, ticket: Ticket) {
        let mut state = self.write();
        if state.live && state.epoch == ticket.epoch {
            raise(&mut state, pool_id, version, ticket.started);
            if let Some(known) = state.versions.get_mut(pool_id) {
                known.confirmed = true;
            }
        }
    }

    /// A configuration change of this pool was committed through this node.
    pub(super) fn changed_here(&self, pool_id: &str) {
        let mut state = self.write();
        state.epoch += 1;
        if let Some(known) = state.versions.get_mut(pool_id) {
            known.confirmed = false;
        }
    }

    /// A notification's payload, `<version> <pool id>`.
    fn heard(&self, payload: &str) {
        if payload == BEAT {
            return;
        }
        let parsed = payload
            .split_once(' ')
            .and_then(|(v, pool)| Some((v.parse::<i64>().ok()?, pool)));
        match parsed {
            Some((version, pool_id)) => raise(&mut self.write(), pool_id, version, Instant::now()),
            None => {
                tracing::warn!(
                    payload,
                    "unexpected notification on {CHANNEL}; starting over"
                );
                self.reset(true);
            }
        }
    }

    /// Forgets every number; `live` says whether the listener is subscribed now.
    fn reset(&self, live: bool) {
        let mut state = self.write();
        state.live = live;
        state.epoch += 1;
        state.versions.clear();
    }

    /// What the watch is doing now.
    pub fn state(&self) -> WatchState {
        WatchState {
            live: self.read().live,
            answered: self.answered.load(Ordering::Relaxed),
            subscriptions: self.subscriptions.load(Ordering::Relaxed),
        }
    }

    /// The newest number the listener has heard or read for the pool, whatever its age (the
    /// watch answers it only within [`FRESH_FOR`]); None when not subscribed or unconfirmed.
    pub fn heard_of(&self, pool_id: &str) -> Option<i64> {
        self.lookup(pool_id, false)
    }

    fn lookup(&self, pool_id: &str, fresh_only: bool) -> Option<i64> {
        let state = self.read();
        state
            .versions
            .get(pool_id)
            .filter(|known| state.live && known.confirmed)
            .filter(|known| !fresh_only || known.as_of.elapsed() < FRESH_FOR)
            .map(|known| known.version)
    }

    /// Starts listening on a connection of `pool` (once; later calls do nothing). The task
    /// ends when the pool is closed.
    pub(super) fn start(self: &Arc<Self>, pool: &PgPool) {
        if self.started.swap(true, Ordering::SeqCst) {
            return;
        }
        tokio::spawn(listen(self.clone(), pool.clone()));
        tokio::spawn(beat(pool.clone()));
    }
}

/// Records that the pool's counter was at least `version` at `as_of`.
fn raise(state: &mut State, pool_id: &str, version: i64, as_of: Instant) {
    if let Some(known) = state.versions.get_mut(pool_id) {
        known.version = known.version.max(version);
        known.as_of = known.as_of.max(as_of);
        return;
    }
    if state.versions.len() >= MAX_POOLS {
        state.versions.clear();
    }
    state.versions.insert(
        pool_id.to_string(),
        Known {
            version,
            as_of,
            confirmed: true,
        },
    );
}

async fn listen(watch: Arc<ConfigWatch>, pool: PgPool) {
    loop {
        match subscribe(&pool).await {
            Ok(mut listener) => {
                watch.reset(true);
                watch.subscriptions.fetch_add(1, Ordering::Relaxed);
                tracing::debug!("listening for configuration changes");
                loop {
                    // On a timeout the listener is dropped, not polled again, so cutting its
                    // read short loses nothing that matters.
                    match tokio::time::timeout(SILENCE, listener.try_recv()).await {
                        Ok(Ok(Some(notification))) => watch.heard(notification.payload()),
                        Ok(Err(sqlx::Error::PoolClosed)) => return watch.reset(false),
                        // The connection was lost (Ok(None)), failed, or went silent: what was
                        // sent meanwhile is lost; subscribe again after a pause.
                        outcome => {
                            let why = match outcome {
                                Ok(Ok(_)) => "connection lost".to_string(),
                                Ok(Err(e)) => e.to_string(),
                                Err(_) => format!("nothing heard for {} s", SILENCE.as_secs()),
                            };
                            tracing::warn!(error = %why, "configuration listener stopped; reading counters from the table");
                            watch.reset(false);
                            break;
                        }
                    }
                }
            }
            Err(sqlx::Error::PoolClosed) => return watch.reset(false),
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for configuration changes; reading counters from the table");
                watch.reset(false);
            }
        }
        if pool.is_closed() {
            return;
        }
        tokio::time::sleep(RETRY).await;
    }
}

async fn subscribe(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    // A lost connection is reported and handled above (reset, pause, subscribe again), never
    // re-established inside `try_recv` in a tight loop.
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Notifies [`BEAT`] every [`BEAT_EVERY`] until the pool is closed.
async fn beat(pool: PgPool) {
    loop {
        tokio::time::sleep(BEAT_EVERY).await;
        if pool.is_closed() {
            return;
        }
        let sent = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(BEAT)
            .execute(&pool)
            .await;
        match sent {
            Err(sqlx::Error::PoolClosed) => return,
            Err(e) => tracing::debug!(error = %e, "configuration beat not sent"),
            Ok(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live() -> ConfigWatch {
        let watch = ConfigWatch::default();
        watch.reset(true);
        watch
    }

    #[test]
    fn nothing_is_known_until_the_listener_is_subscribed() {
        let watch = ConfigWatch::default();
        assert!(watch.ticket().is_none());
        watch.heard("3 p");
        assert_eq!(watch.known("p"), None);
        watch.reset(true);
        assert_eq!(watch.known("p"), None, "a reset forgets what was heard");
    }

    #[test]
    fn notifications_only_raise_the_number() {
        let watch = live();
        watch.heard("5 us-east-1_a b");
        watch.heard("4 us-east-1_a b");
        assert_eq!(watch.known("us-east-1_a b"), Some(5));
        let ticket = watch.ticket().unwrap();
        watch.learn("us-east-1_a b", 2, ticket);
        assert_eq!(
            watch.known("us-east-1_a b"),
            Some(5),
            "a late read never lowers it"
        );
        watch.heard("6 us-east-1_a b");
        assert_eq!(watch.known("us-east-1_a b"), Some(6));
    }

    #[test]
    fn a_read_that_spans_a_reset_or_a_local_change_is_not_remembered() {
        let watch = live();
        let ticket = watch.ticket().unwrap();
        watch.reset(true);
        watch.learn("p", 1, ticket);
        assert_eq!(watch.known("p"), None);
        let ticket = watch.ticket().unwrap();
        watch.changed_here("q");
        watch.learn("p", 1, ticket);
        assert_eq!(watch.known("p"), None);
        let ticket = watch.ticket().unwrap();
        watch.learn("p", 1, ticket);
        assert_eq!(watch.known("p"), Some(1));
        watch.changed_here("p");
        assert_eq!(watch.known("p"), None, "a change made here is read again");
        watch.heard("2 p");
        assert_eq!(
            watch.known("p"),
            None,
            "a notification of an earlier change does not answer for it"
        );
        let ticket = watch.ticket().unwrap();
        watch.learn("p", 3, ticket);
        assert_eq!(watch.known("p"), Some(3));
        watch.heard(BEAT);
        assert_eq!(watch.known("p"), Some(3), "a beat changes nothing");
    }

    #[test]
    fn a_number_without_news_for_too_long_is_read_again() {
        let watch = live();
        let long_ago = Instant::now() - FRESH_FOR;
        raise(&mut watch.write(), "p", 3, long_ago);
        assert_eq!(watch.known("p"), None);
        watch.heard("3 p");
        assert_eq!(watch.known("p"), Some(3), "a notification is news");
    }

    #[test]
    fn a_lost_connection_forgets_everything() {
        let watch = live();
        watch.heard("2 p");
        watch.reset(false);
        assert_eq!(watch.known("p"), None);
        assert!(watch.ticket().is_none());
    }

    #[test]
    fn a_malformed_payload_starts_over() {
        let watch = live();
        watch.heard("2 p");
        watch.heard("two p");
        assert_eq!(watch.known("p"), None);
        assert!(watch.state().live);
    }
}
