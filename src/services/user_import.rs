//! Cognito's user import jobs: GetCSVHeader, CreateUserImportJob, the upload to the job's
//! pre-signed URL (served by Tessera), StartUserImportJob, StopUserImportJob,
//! DescribeUserImportJob, ListUserImportJobs; and the runner that imports started jobs in the
//! background on whichever node takes the job's lease.
//!
//! Each row's user and the job's progress are written in one transaction, so a job resumed
//! after a restart (or by another node once the lease runs out) goes on at the next row: no
//! row is skipped or imported twice, and a bad row is counted as failed with its reason
//! without stopping the job or leaving half a user.

use crate::crypto::{constant_time_eq, hmac_sha256, random};
use crate::domain::AuthError;
use crate::domain::pool::UserPool;
use crate::domain::user::{self, UserStatus};
use crate::domain::user_import::{
    self, EXPIRY_MILLIS, HashingAlgorithm, Header, ImportJob, JobStatus, RowError, UPLOAD_MILLIS,
};
use crate::services::admin::users::{clash_error, find_user};
use crate::services::{Page, Services, decode_token, paginate, pool_secret};
use crate::store::StoreError;
use crate::store::import_jobs::RowOutcome;
use crate::store::users::UserWrite;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::time::Duration;

/// Where files for a job are uploaded: `{public_url}{UPLOAD_PATH}/{job id}?signature=…`.
pub const UPLOAD_PATH: &str = "/user-import-upload";

/// How long a node holds a job it imports without writing a row; another node takes the job
/// over after that.
const LEASE_MILLIS: i64 = 10_000;
/// Rows between two looks at whether the job was stopped.
const STOP_CHECK_ROWS: usize = 50;

/// A job with the URL its file goes to.
pub type JobView = (ImportJob, String);

/// GetCSVHeader.
pub async fn csv_header(svc: &Services, pool_id: &str) -> Result<Vec<String>, AuthError> {
    let pool = svc.require_pool(pool_id).await?;
    Ok(user_import::csv_header(&pool))
}

/// CreateUserImportJob.
pub async fn create_job(
    svc: &Services,
    pool_id: &str,
    name: &str,
    role_arn: &str,
    algorithm: Option<&str>,
) -> Result<JobView, AuthError> {
    let pool = svc.require_pool(pool_id).await?;
    if name.is_empty() || name.chars().count() > 128 {
        return Err(AuthError::InvalidParameter(
            "JobName must be 1 to 128 characters long.".into(),
        ));
    }
    if role_arn.len() < 20 || role_arn.len() > 2048 || !role_arn.starts_with("arn:") {
        return Err(AuthError::InvalidParameter(
            "CloudWatchLogsRoleArn must be an ARN.".into(),
        ));
    }
    let hashing_algorithm = algorithm
        .map(|a| {
            HashingAlgorithm::parse(a).ok_or_else(|| {
                AuthError::InvalidParameter(
                    "PasswordHashingAlgorithm must be one of BCRYPT, SCRYPT, ARGON2ID, PBKDF2_SHA256."
                        .into(),
                )
            })
        })
        .transpose()?;
    let now = svc.now();
    let job = ImportJob {
        id: format!("import-{}", &random::uuid().replace('-', "")[..10]),
        pool_id: pool.id.clone(),
        name: name.to_string(),
        role_arn: role_arn.to_string(),
        hashing_algorithm,
        status: JobStatus::Created,
        created_at: now,
        started_at: None,
        completed_at: None,
        completion_message: None,
        upload_expires_at: now + UPLOAD_MILLIS,
        rows_done: 0,
        imported: 0,
        skipped: 0,
        failed: 0,
    };
    svc.store.insert_import_job(&job).await?;
    tracing::info!(pool_id, job_id = %job.id, "user import job created");
    view(svc, &pool, job).await
}

/// DescribeUserImportJob.
pub async fn describe_job(
    svc: &Services,
    pool_id: &str,
    job_id: &str,
) -> Result<JobView, AuthError> {
    let pool = svc.require_pool(pool_id).await?;
    let job = require_job(svc, pool_id, job_id).await?;
    view(svc, &pool, job).await
}

/// ListUserImportJobs, oldest first.
pub async fn list_jobs(
    svc: &Services,
    pool_id: &str,
    limit: i64,
    token: Option<&str>,
) -> Result<Page<JobView>, AuthError> {
    let pool = svc.require_pool(pool_id).await?;
    let after = match token {
        Some(t) => {
            let text = decode_token(t)?;
            let (at, id) = text
                .split_once(' ')
                .and_then(|(at, id)| Some((at.parse::<i64>().ok()?, id.to_string())))
                .ok_or_else(|| AuthError::InvalidParameter("Invalid pagination token.".into()))?;
            (at, id)
        }
        None => (i64::MIN, String::new()),
    };
    let found = svc
        .store
        .list_import_jobs(pool_id, (after.0, &after.1), limit + 1)
        .await?;
    let (jobs, next) = paginate(found, limit, |j| format!("{} {}", j.created_at, j.id));
    let mut out = Vec::with_capacity(jobs.len());
    for job in jobs {
        out.push(view(svc, &pool, job).await?);
    }
    Ok((out, next))
}

/// StartUserImportJob: a Created job whose file was uploaded becomes Pending; a runner takes
/// it within a second.
pub async fn start_job(svc: &Services, pool_id: &str, job_id: &str) -> Result<JobView, AuthError> {
    let pool = svc.require_pool(pool_id).await?;
    let job = require_job(svc, pool_id, job_id).await?;
    if job.status != JobStatus::Created {
        return Err(AuthError::PreconditionNotMet(
            format!(
                "Import job {job_id} is {} and cannot be started.",
                job.status.as_str()
            )
            .into(),
        ));
    }
    if !svc.store.import_csv_uploaded(job_id).await? {
        return Err(AuthError::PreconditionNotMet(
            "No CSV file was uploaded to the job's pre-signed URL.".into(),
        ));
    }
    let now = svc.now();
    if !svc
        .store
        .set_import_status(job_id, &[JobStatus::Created], JobStatus::Pending, None, now)
        .await?
    {
        return Err(AuthError::PreconditionNotMet(
            format!("Import job {job_id} cannot be started.").into(),
        ));
    }
    tracing::info!(pool_id, job_id, "user import job started");
    let job = require_job(svc, pool_id, job_id).await?;
    view(svc, &pool, job).await
}

/// StopUserImportJob: a Pending job stops at once; an InProgress one is Stopping until its
/// runner sees it (within [`STOP_CHECK_ROWS`] rows) and stops it.
pub async fn stop_job(svc: &Services, pool_id: &str, job_id: &str) -> Result<JobView, AuthError> {
    let pool = svc.require_pool(pool_id).await?;
    require_job(svc, pool_id, job_id).await?;
    let now = svc.now();
    let message = Some("The import job was stopped.");
    let store = &svc.store;
    let stopped = store
        .set_import_status(
            job_id,
            &[JobStatus::Pending],
            JobStatus::Stopped,
            message,
            now,
        )
        .await?
        || store
            .set_import_status(
                job_id,
                &[JobStatus::InProgress],
                JobStatus::Stopping,
                None,
                now,
            )
            .await?;
    if !stopped {
        return Err(AuthError::PreconditionNotMet(
            format!("Import job {job_id} is not running.").into(),
        ));
    }
    let job = require_job(svc, pool_id, job_id).await?;
    view(svc, &pool, job).await
}

async fn require_job(svc: &Services, pool_id: &str, job_id: &str) -> Result<ImportJob, AuthError> {
    svc.store
        .get_import_job(pool_id, job_id)
        .await?
        .ok_or_else(|| {
            AuthError::ResourceNotFound(format!("Import job {job_id} does not exist.").into())
        })
}

async fn view(svc: &Services, pool: &UserPool, job: ImportJob) -> Result<JobView, AuthError> {
    let signature = upload_signature(svc, pool, &job).await?;
    let url = format!(
        "{}{UPLOAD_PATH}/{}?signature={signature}",
        svc.public_url, job.id
    );
    Ok((job, url))
}

/// The upload URL's signature: an HMAC of the job and its upload deadline under the pool's
/// secret, so the URL is made again for every Describe and verified without storing it.
async fn upload_signature(
    svc: &Services,
    pool: &UserPool,
    job: &ImportJob,
) -> Result<String, AuthError> {
    let key = pool_secret::key(svc, pool).await?;
    let deadline = job.upload_expires_at.to_string();
    let mac = hmac_sha256(
        &key,
        &[
            b"user-import-upload\0",
            job.id.as_bytes(),
            b"\0",
            deadline.as_bytes(),
        ],
    );
    Ok(URL_SAFE_NO_PAD.encode(mac))
}

/// Why an upload was refused.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// No such job, a wrong signature, or a job no longer waiting for its file.
    #[error("the upload URL is not valid, or has expired")]
    Refused,
    #[error("the file is larger than 100 MB")]
    TooLarge,
    #[error("the file is not UTF-8 text")]
    NotText,
    #[error(transparent)]
    Internal(#[from] AuthError),
}

/// Checks a pre-signed URL before its body is read: a job waiting for its file, and the
/// signature of its URL. Returns the job.
pub async fn check_upload(
    svc: &Services,
    job_id: &str,
    signature: &str,
) -> Result<ImportJob, UploadError> {
    if !is_job_id(job_id) {
        return Err(UploadError::Refused);
    }
    let job = svc
        .store
        .find_import_job(job_id)
        .await
        .map_err(AuthError::from)?
        .ok_or(UploadError::Refused)?;
    let pool = svc.require_pool(&job.pool_id).await?;
    let expected = upload_signature(svc, &pool, &job).await?;
    let waiting = job.status == JobStatus::Created && svc.now() < job.upload_expires_at;
    if !constant_time_eq(expected.as_bytes(), signature.as_bytes()) || !waiting {
        return Err(UploadError::Refused);
    }
    Ok(job)
}

/// Keeps the file uploaded to a job's URL (checked by [`check_upload`]).
pub async fn upload(svc: &Services, job: &ImportJob, body: &[u8]) -> Result<(), UploadError> {
    if body.len() > user_import::MAX_CSV_BYTES {
        return Err(UploadError::TooLarge);
    }
    let text = std::str::from_utf8(body).map_err(|_| UploadError::NotText)?;
    if !svc
        .store
        .put_import_csv(&job.id, text, svc.now())
        .await
        .map_err(AuthError::from)?
    {
        return Err(UploadError::Refused);
    }
    tracing::info!(pool_id = %job.pool_id, job_id = %job.id, bytes = body.len(), "user import file uploaded");
    Ok(())
}

/// A job id's shape (`import-` and letters, digits or dashes), checked before any read.
fn is_job_id(job_id: &str) -> bool {
    job_id.strip_prefix("import-").is_some_and(|rest| {
        !rest.is_empty()
            && rest.len() <= 48
            && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// Starts this node's runner: every second it takes a started job no live node holds and
/// imports it; every minute it expires the jobs never started.
pub fn spawn_runner(svc: Services) {
    tokio::spawn(async move {
        let owner = random::uuid();
        let mut turn: u64 = 0;
        loop {
            let expire = turn.is_multiple_of(60);
            turn += 1;
            match work_once(&svc, &owner, expire).await {
                Ok(true) => {}
                Ok(false) => tokio::time::sleep(Duration::from_secs(1)).await,
                Err(e) => {
                    tracing::warn!(error = %e, "user import runner");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
        }
    });
}

/// One turn of the runner (first expiring old Created jobs when `expire`): true when it
/// imported (part of) a job.
pub async fn work_once(svc: &Services, owner: &str, expire: bool) -> Result<bool, AuthError> {
    let now = svc.now();
    if expire {
        svc.store
            .expire_import_jobs(now - EXPIRY_MILLIS, now)
            .await?;
    }
    let Some(claimed) = svc
        .store
        .claim_import_job(owner, now, now + LEASE_MILLIS)
        .await?
    else {
        return Ok(false);
    };
    run_job(svc, owner, claimed.job, claimed.csv).await?;
    Ok(true)
}

async fn run_job(
    svc: &Services,
    owner: &str,
    job: ImportJob,
    csv: Option<String>,
) -> Result<(), AuthError> {
    let store = &svc.store;
    let finish = |to: JobStatus, message: String| finish(svc, &job.id, to, message);
    if job.status == JobStatus::Stopping {
        finish(JobStatus::Stopped, "The import job was stopped.".into()).await?;
        return Ok(());
    }
    let Some(pool) = store.get_pool(&job.pool_id).await? else {
        return Ok(()); // the pool and its jobs are gone
    };
    let Some(csv) = csv else {
        finish(JobStatus::Failed, "The job has no CSV file.".into()).await?;
        return Ok(());
    };
    let read = user_import::split(&csv).and_then(|lines| {
        let header = Header::read(lines.header, &pool, job.hashing_algorithm)?;
        Ok((header, lines.rows))
    });
    let (header, rows) = match read {
        Ok(read) => read,
        Err(e) => {
            tracing::info!(job_id = %job.id, reason = %e, "user import job failed");
            finish(JobStatus::Failed, e.to_string()).await?;
            return Ok(());
        }
    };
    let mut failures = job.failed;
    for (done, (line, text)) in rows.iter().enumerate().skip(job.rows_done as usize) {
        if done.is_multiple_of(STOP_CHECK_ROWS) {
            let (status, ours) = store.import_job_state(&job.id, owner).await?;
            if !ours {
                return Ok(());
            }
            if status == JobStatus::Stopping {
                finish(JobStatus::Stopped, "The import job was stopped.".into()).await?;
                tracing::info!(job_id = %job.id, "user import job stopped");
                return Ok(());
            }
        }
        match import_row(svc, owner, &pool, &job, &header, *line, text).await? {
            Step::Done => {}
            Step::Failed => failures += 1,
            Step::Lost => return Ok(()),
        }
    }
    let message = if failures == 0 {
        "Import Job Completed Successfully.".to_string()
    } else {
        format!(
            "Import Job Completed. {failures} users failed to import; each row's reason is in the server's log."
        )
    };
    finish(JobStatus::Succeeded, message).await?;
    tracing::info!(job_id = %job.id, "user import job succeeded");
    Ok(())
}

/// Ends a running job.
async fn finish(
    svc: &Services,
    job_id: &str,
    to: JobStatus,
    message: String,
) -> Result<bool, StoreError> {
    let running = [JobStatus::InProgress, JobStatus::Stopping];
    svc.store
        .set_import_status(job_id, &running, to, Some(&message), svc.now())
        .await
}

/// What became of a row.
enum Step {
    /// Imported or skipped.
    Done,
    Failed,
    /// Another node holds the job now: this one stops.
    Lost,
}

impl Step {
    fn of(still_ours: bool, step: Step) -> Step {
        if still_ours { step } else { Step::Lost }
    }
}

/// Imports one row.
async fn import_row(
    svc: &Services,
    owner: &str,
    pool: &UserPool,
    job: &ImportJob,
    header: &Header,
    line: i64,
    text: &str,
) -> Result<Step, AuthError> {
    let now = svc.now();
    let lease = now + LEASE_MILLIS;
    let row = match user_import::read_row(header, text, pool, job.hashing_algorithm) {
        Ok(row) => row,
        Err(e) => return failed(svc, owner, job, line, None, &e, now, lease).await,
    };
    match find_user(svc, pool, &row.username).await {
        Ok(_) => {
            let ours = svc
                .store
                .record_import_row(&job.id, owner, line, &RowOutcome::Skipped, now, lease)
                .await?;
            return Ok(Step::of(ours, Step::Done));
        }
        Err(AuthError::UserNotFound(_)) => {}
        Err(e) => return Err(e),
    }
    let status = if row.password_hash.is_some() {
        UserStatus::Confirmed
    } else {
        UserStatus::ResetRequired
    };
    let mut made = match user::new_user(
        pool,
        random::uuid(),
        &row.username,
        row.attributes,
        status,
        now,
    ) {
        Ok(u) => u,
        Err(e) => {
            let e = RowError::from(e);
            return failed(svc, owner, job, line, Some(&row.username), &e, now, lease).await;
        }
    };
    if row.mfa_enabled && !made.attributes.contains_key("phone_number") {
        let e = RowError::Invalid(
            "cognito:mfa_enabled is true but the user has no phone_number".into(),
        );
        return failed(svc, owner, job, line, Some(&row.username), &e, now, lease).await;
    }
    if let Some(hash) = row.password_hash {
        made.password_hash = Some(hash);
        made.password_changed_at = Some(now);
    }
    let write = UserWrite {
        columns: made.columns(pool),
        user: &made,
        insert: true,
    };
    let outcome = RowOutcome::Imported {
        user: Box::new(write),
        sms_mfa: row.mfa_enabled,
    };
    let recorded = svc
        .store
        .record_import_row(&job.id, owner, line, &outcome, now, lease)
        .await;
    match recorded {
        Ok(ours) => Ok(Step::of(ours, Step::Done)),
        Err(e @ StoreError::Unique(_)) => {
            let e = RowError::from(clash_error(e));
            failed(svc, owner, job, line, Some(&row.username), &e, now, lease).await
        }
        Err(e) => Err(e.into()),
    }
}

#[allow(clippy::too_many_arguments)]
async fn failed(
    svc: &Services,
    owner: &str,
    job: &ImportJob,
    line: i64,
    username: Option<&str>,
    error: &RowError,
    now: i64,
    lease: i64,
) -> Result<Step, AuthError> {
    let reason = error.to_string();
    tracing::info!(job_id = %job.id, line, username, %reason, "user import row failed");
    let outcome = RowOutcome::Failed {
        username,
        reason: &reason,
    };
    let ours = svc
        .store
        .record_import_row(&job.id, owner, line, &outcome, now, lease)
        .await?;
    Ok(Step::of(ours, Step::Failed))
}
