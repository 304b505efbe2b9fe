//! User import jobs (`user_import_jobs`, `user_import_errors`): the job rows, the uploaded CSV,
//! the lease a node holds while it imports, and each row's outcome written with the job's
//! progress in one transaction (see [`Store::record_import_row`]).

use super::users::{INSERT, UserWrite, bind_user};
use super::{BeginWrite, Store, StoreResult, map_err, sql};
use crate::db_run;
use crate::domain::user_import::{HashingAlgorithm, ImportJob, JobStatus};

#[derive(sqlx::FromRow)]
struct JobRow {
    id: String,
    pool_id: String,
    name: String,
    role_arn: String,
    hashing_algorithm: Option<String>,
    status: String,
    created_at: i64,
    started_at: Option<i64>,
    completed_at: Option<i64>,
    completion_message: Option<String>,
    upload_expires_at: i64,
    rows_done: i64,
    imported: i64,
    skipped: i64,
    failed: i64,
}

impl JobRow {
    fn into_job(self) -> StoreResult<ImportJob> {
        let corrupt = |what: &str| super::StoreError::Corrupt(format!("user_import_jobs.{what}"));
        Ok(ImportJob {
            status: JobStatus::parse(&self.status).ok_or_else(|| corrupt("status"))?,
            hashing_algorithm: match self.hashing_algorithm.as_deref() {
                Some(a) => {
                    Some(HashingAlgorithm::parse(a).ok_or_else(|| corrupt("hashing_algorithm"))?)
                }
                None => None,
            },
            id: self.id,
            pool_id: self.pool_id,
            name: self.name,
            role_arn: self.role_arn,
            created_at: self.created_at,
            started_at: self.started_at,
            completed_at: self.completed_at,
            completion_message: self.completion_message,
            upload_expires_at: self.upload_expires_at,
            rows_done: self.rows_done,
            imported: self.imported,
            skipped: self.skipped,
            failed: self.failed,
        })
    }
}

const COLUMNS: &str = "id, pool_id, name, role_arn, hashing_algorithm, status, created_at, \
    started_at, completed_at, completion_message, upload_expires_at, rows_done, imported, \
    skipped, failed";

/// What became of one row of a file.
pub enum RowOutcome<'a> {
    /// A new user (and, with `sms_mfa`, SMS MFA enabled for it).
    Imported {
        user: Box<UserWrite<'a>>,
        sms_mfa: bool,
    },
    /// A user of that name exists already.
    Skipped,
    Failed {
        username: Option<&'a str>,
        reason: &'a str,
    },
}

/// A job a node took to import, with its file.
pub struct ClaimedJob {
    pub job: ImportJob,
    pub csv: Option<String>,
}

impl Store {
    pub async fn insert_import_job(&self, job: &ImportJob) -> StoreResult<()> {
        db_run!(self, |db| {
            sqlx::query(
                "INSERT INTO user_import_jobs (id, pool_id, name, role_arn, hashing_algorithm, \
                 status, created_at, upload_expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&job.id)
            .bind(&job.pool_id)
            .bind(&job.name)
            .bind(&job.role_arn)
            .bind(job.hashing_algorithm.map(HashingAlgorithm::as_str))
            .bind(job.status.as_str())
            .bind(job.created_at)
            .bind(job.upload_expires_at)
            .execute(db)
            .await
            .map_err(map_err)?;
        });
        Ok(())
    }

    pub async fn get_import_job(&self, pool_id: &str, id: &str) -> StoreResult<Option<ImportJob>> {
        let row = db_run!(self, |db| {
            sqlx::query_as::<_, JobRow>(sql(format!(
                "SELECT {COLUMNS} FROM user_import_jobs WHERE pool_id = $1 AND id = $2"
            )))
            .bind(pool_id)
            .bind(id)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        row.map(JobRow::into_job).transpose()
    }

    /// A job by its id alone (the upload URL names no pool).
    pub async fn find_import_job(&self, id: &str) -> StoreResult<Option<ImportJob>> {
        let row = db_run!(self, |db| {
            sqlx::query_as::<_, JobRow>(sql(format!(
                "SELECT {COLUMNS} FROM user_import_jobs WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(db)
            .await
            .map_err(map_err)?
        });
        row.map(JobRow::into_job).transpose()
    }

    /// A pool's jobs, oldest first, after the job `after` (created_at, id).
    pub async fn list_import_jobs(
        &self,
        pool_id: &str,
        after: (i64, &str),
        limit: i64,
    ) -> StoreResult<Vec<ImportJob>> {
        let rows = db_run!(self, |db| {
            sqlx::query_as::<_, JobRow>(sql(format!(
                "SELECT {COLUMNS} FROM user_import_jobs WHERE pool_id = $1 AND \
                 (created_at > $2 OR (created_at = $2 AND id > $3)) ORDER BY created_at, id LIMIT $4"
            )))
            .bind(pool_id)
            .bind(after.0)
            .bind(after.1)
            .bind(limit)
            .fetch_all(db)
            .await
            .map_err(map_err)?
        });
        rows.into_iter().map(JobRow::into_job).collect()
    }

    /// Keeps the uploaded file of a job still Created whose upload time has not passed; false
    /// otherwise. A second upload replaces the first, as a second PUT to S3 would.
    pub async fn put_import_csv(&self, id: &str, csv: &str, now: i64) -> StoreResult<bool> {
        let done = db_run!(self, |db| {
            sqlx::query(
                "UPDATE user_import_jobs SET csv = $1 WHERE id = $2 AND status = 'Created' \
                 AND upload_expires_at > $3",
            )
            .bind(csv)
            .bind(id)
            .bind(now)
            .execute(db)
            .await
            .map_err(map_err)?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Whether the job's file was uploaded.
    pub async fn import_csv_uploaded(&self, id: &str) -> StoreResult<bool> {
        let (found,): (i64,) = db_run!(self, |db| {
            sqlx::query_as(
                "SELECT COUNT(*) FROM user_import_jobs WHERE id = $1 AND csv IS NOT NULL",
            )
            .bind(id)
            .fetch_one(db)
            .await
            .map_err(map_err)?
        });
        Ok(found == 1)
    }

    /// Moves a job from one of `from` to `to`; a final status drops the file and sets
    /// `completed_at`; Pending sets `started_at`. False when the job was in none of `from`.
    pub async fn set_import_status(
        &self,
        id: &str,
        from: &[JobStatus],
        to: JobStatus,
        message: Option<&str>,
        now: i64,
    ) -> StoreResult<bool> {
        let from: Vec<String> = from.iter().map(|s| format!("'{}'", s.as_str())).collect();
        let started = if to == JobStatus::Pending {
            "$3"
        } else {
            "started_at"
        };
        let ended = if to.is_final() {
            ", completed_at = $3, csv = NULL, lease_owner = NULL, lease_until = 0"
        } else {
            ""
        };
        let text = format!(
            "UPDATE user_import_jobs SET status = $1, completion_message = COALESCE($2, \
             completion_message), started_at = {started}{ended} WHERE id = $4 AND status IN ({})",
            from.join(", ")
        );
        let done = db_run!(self, |db| {
            sqlx::query(sql(text))
                .bind(to.as_str())
                .bind(message)
                .bind(now)
                .bind(id)
                .execute(db)
                .await
                .map_err(map_err)?
                .rows_affected()
        });
        Ok(done == 1)
    }

    /// Created jobs made before `before` expire, their files dropped.
    pub async fn expire_import_jobs(&self, before: i64, now: i64) -> StoreResult<u64> {
        let done = db_run!(self, |db| {
            sqlx::query(
                "UPDATE user_import_jobs SET status = 'Expired', csv = NULL, completed_at = $1, \
                 completion_message = 'The job was not started within 24 hours.' \
                 WHERE status = 'Created' AND created_at < $2",
            )
            .bind(now)
            .bind(before)
            .execute(db)
            .await
            .map_err(map_err)?
            .rows_affected()
        });
        Ok(done)
    }

    /// Takes a started job no node holds (or whose holder's lease ran out) for `owner` until
    /// `lease_until`, with its file.
    pub async fn claim_import_job(
        &self,
        owner: &str,
        now: i64,
        lease_until: i64,
    ) -> StoreResult<Option<ClaimedJob>> {
        loop {
            let candidate: Option<(String,)> = db_run!(self, |db| {
                sqlx::query_as(
                    "SELECT id FROM user_import_jobs WHERE status IN ('Pending', 'InProgress', \
                     'Stopping') AND lease_until < $1 ORDER BY created_at LIMIT 1",
                )
                .bind(now)
                .fetch_optional(db)
                .await
                .map_err(map_err)?
            });
            let Some((id,)) = candidate else {
                return Ok(None);
            };
            let took = db_run!(self, |db| {
                sqlx::query(
                    "UPDATE user_import_jobs SET lease_owner = $1, lease_until = $2, status = \
                     CASE status WHEN 'Pending' THEN 'InProgress' ELSE status END \
                     WHERE id = $3 AND lease_until < $4 AND status IN ('Pending', \
                     'InProgress', 'Stopping')",
                )
                .bind(owner)
                .bind(lease_until)
                .bind(&id)
                .bind(now)
                .execute(db)
                .await
                .map_err(map_err)?
                .rows_affected()
            });
            if took == 0 {
                continue; // another node took it first
            }
            let row = db_run!(self, |db| {
                sqlx::query_as::<_, (Option<String>,)>(
                    "SELECT csv FROM user_import_jobs WHERE id = $1",
                )
                .bind(&id)
                .fetch_one(db)
                .await
                .map_err(map_err)?
            });
            let job = db_run!(self, |db| {
                sqlx::query_as::<_, JobRow>(sql(format!(
                    "SELECT {COLUMNS} FROM user_import_jobs WHERE id = $1"
                )))
                .bind(&id)
                .fetch_one(db)
                .await
                .map_err(map_err)?
            });
            return Ok(Some(ClaimedJob {
                job: job.into_job()?,
                csv: row.0,
            }));
        }
    }

    /// The job's status now, and whether `owner` still holds it.
    pub async fn import_job_state(&self, id: &str, owner: &str) -> StoreResult<(JobStatus, bool)> {
        let (status, holder): (String, Option<String>) = db_run!(self, |db| {
            sqlx::query_as("SELECT status, lease_owner FROM user_import_jobs WHERE id = $1")
                .bind(id)
                .fetch_one(db)
                .await
                .map_err(map_err)?
        });
        let status = JobStatus::parse(&status)
            .ok_or_else(|| super::StoreError::Corrupt("user_import_jobs.status".into()))?;
        Ok((status, holder.as_deref() == Some(owner)))
    }

    /// Writes row `line`'s outcome and moves the job past it, in one transaction, if `owner`
    /// still holds the job and `line` is the next row; false (nothing written) otherwise. A
    /// new user whose name or alias is taken fails with the unique violation, nothing written.
    pub async fn record_import_row(
        &self,
        job_id: &str,
        owner: &str,
        line: i64,
        outcome: &RowOutcome<'_>,
        now: i64,
        lease_until: i64,
    ) -> StoreResult<bool> {
        let stored = match outcome {
            RowOutcome::Imported { user, .. } => Some(self.stored_user(user.as_ref())?),
            _ => None,
        };
        let counter = match outcome {
            RowOutcome::Imported { .. } => "imported",
            RowOutcome::Skipped => "skipped",
            RowOutcome::Failed { .. } => "failed",
        };
        let advance = format!(
            "UPDATE user_import_jobs SET rows_done = $1, {counter} = {counter} + 1, \
             lease_until = $2 WHERE id = $3 AND lease_owner = $4 AND rows_done = $5"
        );
        db_run!(self, |db| {
            let mut tx = db.begin_write().await.map_err(map_err)?;
            let moved = sqlx::query(sql(advance))
                .bind(line)
                .bind(lease_until)
                .bind(job_id)
                .bind(owner)
                .bind(line - 1)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?
                .rows_affected();
            if moved != 1 {
                return Ok(false);
            }
            match outcome {
                RowOutcome::Imported { user, sms_mfa } => {
                    if let Some(stored) = &stored {
                        bind_user!(sqlx::query(INSERT), user.as_ref(), stored)
                            .execute(&mut *tx)
                            .await
                            .map_err(map_err)?;
                    }
                    if *sms_mfa {
                        sqlx::query(
                            "INSERT INTO user_mfa (user_id, totp_enabled, sms_enabled, \
                             email_enabled, preferred, created_at, updated_at) VALUES \
                             ($1, FALSE, TRUE, FALSE, 'SMS_MFA', $2, $2)",
                        )
                        .bind(&user.user.sub)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    }
                }
                RowOutcome::Skipped => {}
                RowOutcome::Failed { username, reason } => {
                    sqlx::query(
                        "INSERT INTO user_import_errors (job_id, line, username, reason) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(job_id)
                    .bind(line)
                    .bind(username)
                    .bind(reason)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                }
            }
            tx.commit().await.map_err(map_err)?;
        });
        Ok(true)
    }

    /// A job's failed rows (line, username, reason), in line order, `limit` at most.
    pub async fn import_errors(
        &self,
        job_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<(i64, Option<String>, String)>> {
        Ok(db_run!(self, |db| {
            sqlx::query_as(
                "SELECT line, username, reason FROM user_import_errors WHERE job_id = $1 \
                 ORDER BY line LIMIT $2",
            )
            .bind(job_id)
            .bind(limit)
            .fetch_all(db)
            .await
            .map_err(map_err)?
        }))
    }
}
