//! App clients with their pools, kept in memory between requests and checked against the
//! pool's configuration counter (`store::config_versions`) at every use.
//!
//! Loading a client the plain way costs two reads (the client, then its pool) and the token
//! paths then read the pool's signing keys too. A [`ClientContext`] is tagged with the counter
//! read *before* its client and pool were, and served only while the counter still holds that
//! number: one primary-key read, or none when the caller's own query read the counter
//! ([`client_context_at`], the access check). Triggers bump the counter in the same transaction as any change to the pool,
//! its clients or its keys, so a change made by another node, or by the CLI on the same
//! database, shows at the next request everywhere: no time-to-live, nothing stale. A change
//! racing a load only makes the new entry look older than it is (one more load next time).

use crate::domain::AuthError;
use crate::domain::client::UserPoolClient;
use crate::domain::pool::UserPool;
use crate::services::Services;
use crate::services::admin::clients::find_client;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Beyond this many clients the cache starts over (deleted ones do not linger forever).
const MAX_ENTRIES: usize = 10_000;

/// A client and its pool, as of the pool's configuration counter `version`.
#[derive(Debug)]
pub struct ClientContext {
    pub pool: UserPool,
    pub client: UserPoolClient,
    /// The pool's configuration counter this was read under, confirmed current by the request
    /// that got it (the signing keys are looked up under the same number).
    pub version: i64,
}

/// The contexts of the clients this node has served, by client id.
#[derive(Default)]
pub struct ClientCache {
    entries: RwLock<HashMap<String, Arc<ClientContext>>>,
}

impl std::fmt::Debug for ClientCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientCache")
    }
}

impl ClientCache {
    fn get(&self, client_id: &str) -> Option<Arc<ClientContext>> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries.get(client_id).cloned()
    }

    fn put(&self, ctx: Arc<ClientContext>) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(ctx.client.id.clone(), ctx);
    }
}

/// The client named by a request, with its pool: from memory when the pool's configuration
/// counter has not moved since it was read (one query), else read again. An unknown client is
/// Cognito's ResourceNotFoundException, as [`find_client`] says it.
pub async fn client_context(
    svc: &Services,
    client_id: &str,
) -> Result<Arc<ClientContext>, AuthError> {
    if let Some(ctx) = svc.clients.get(client_id)
        && svc.store.config_version(&ctx.pool.id).await? == ctx.version
    {
        return Ok(ctx);
    }
    load(svc, client_id).await
}

/// As [`client_context`], when the caller has just read the configuration counter of pool
/// `pool_id` itself (`version`): no query when the cached client was read under that number.
pub async fn client_context_at(
    svc: &Services,
    client_id: &str,
    pool_id: &str,
    version: i64,
) -> Result<Arc<ClientContext>, AuthError> {
    if let Some(ctx) = svc.clients.get(client_id)
        && ctx.pool.id == pool_id
        && ctx.version == version
    {
        return Ok(ctx);
    }
    load(svc, client_id).await
}

/// Reads the client and its pool, under the counter read first, and keeps them.
async fn load(svc: &Services, client_id: &str) -> Result<Arc<ClientContext>, AuthError> {
    let pool_id = find_client(svc, client_id).await?.pool_id;
    // The counter first, then what it covers.
    let version = svc.store.config_version(&pool_id).await?;
    let client = find_client(svc, client_id).await?;
    let pool = svc.require_pool(&client.pool_id).await?;
    let counted = client.pool_id == pool_id;
    let ctx = Arc::new(ClientContext {
        pool,
        client,
        version,
    });
    // (Ids are random and never move between pools; should one ever, the counter read was
    // another pool's and this load is used once, not kept.)
    if counted {
        svc.clients.put(ctx.clone());
    }
    Ok(ctx)
}
