//! The audit trail (`audit_events`): appended in batches, read in order, swept by age.

use super::{BeginWrite, Store, StoreResult, map_err, sql};
use crate::db_run;
use crate::domain::audit::{ADMIN, AuditEvent, SECURITY};

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: i64,
    category: String,
    event: String,
    outcome: String,
    reason: Option<String>,
    pool_id: Option<String>,
    actor: Option<String>,
    target: Option<String>,
    user_sub: Option<String>,
    request_id: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
}

impl From<AuditRow> for AuditEvent {
    fn from(r: AuditRow) -> AuditEvent {
        AuditEvent {
            id: r.id,
            at: r.at,
            category: if r.category == ADMIN { ADMIN } else { SECURITY },
            event: r.event,
            outcome: r.outcome,
            reason: r.reason,
            pool_id: r.pool_id,
            actor: r.actor,
            target: r.target,
            user_sub: r.user_sub,
            request_id: r.request_id,
            ip: r.ip,
            user_agent: r.user_agent,
        }
    }
}

const COLUMNS: &str = "at, category, event, outcome, reason, pool_id, actor, target, user_sub, \
                       request_id, ip, user_agent";

impl Store {
    /// Appends `events` in one transaction.
    pub async fn append_audit_events(&self, events: &[AuditEvent]) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let insert = format!(
            "INSERT INTO audit_events ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
             $10, $11, $12)"
        );
        db_run!(self, |db| {
            let mut tx = db.begin_write().await.map_err(map_err)?;
            for e in events {
                sqlx::query(sql(insert.clone()))
                    .bind(e.at)
                    .bind(e.category)
                    .bind(&e.event)
                    .bind(&e.outcome)
                    .bind(&e.reason)
                    .bind(&e.pool_id)
                    .bind(&e.actor)
                    .bind(&e.target)
                    .bind(&e.user_sub)
                    .bind(&e.request_id)
                    .bind(&e.ip)
                    .bind(&e.user_agent)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
            }
            tx.commit().await.map_err(map_err)?;
        });
        Ok(())
    }

    /// Records at or after `since` (epoch ms), oldest first, after record `after_id`.
    pub async fn audit_events_since(
        &self,
        since: i64,
        after_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<AuditEvent>> {
        let rows = db_run!(self, |db| {
            sqlx::query_as::<_, AuditRow>(sql(format!(
                "SELECT id, {COLUMNS} FROM audit_events WHERE at >= $1 AND id > $2 \
                 ORDER BY id LIMIT $3"
            )))
            .bind(since)
            .bind(after_id)
            .bind(limit)
            .fetch_all(db)
            .await
            .map_err(map_err)?
        });
        Ok(rows.into_iter().map(AuditEvent::from).collect())
    }

    /// A user's authentication events (what AdminListUserAuthEvents lists), newest first (by
    /// the time they happened), before `before` = (time, id).
    pub async fn audit_events_of_user(
        &self,
        user_sub: &str,
        before: (i64, i64),
        limit: i64,
    ) -> StoreResult<Vec<AuditEvent>> {
        let rows = db_run!(self, |db| {
            sqlx::query_as::<_, AuditRow>(sql(format!(
                "SELECT id, {COLUMNS} FROM audit_events WHERE user_sub = $1 \
                 AND (at < $2 OR (at = $3 AND id < $4)) AND category = 'security' \
                 AND event IN ('SignIn', 'SignUp', 'ForgotPassword', 'PasswordChange') \
                 ORDER BY at DESC, id DESC LIMIT $5"
            )))
            .bind(user_sub)
            .bind(before.0)
            .bind(before.0)
            .bind(before.1)
            .bind(limit)
            .fetch_all(db)
            .await
            .map_err(map_err)?
        });
        Ok(rows.into_iter().map(AuditEvent::from).collect())
    }

    /// Deletes the records older than `before` (retention); returns how many.
    pub async fn sweep_audit_events(&self, before: i64) -> StoreResult<u64> {
        db_run!(self, |db| {
            let done = sqlx::query("DELETE FROM audit_events WHERE at < $1")
                .bind(before)
                .execute(db)
                .await
                .map_err(map_err)?;
            Ok(done.rows_affected())
        })
    }
}
