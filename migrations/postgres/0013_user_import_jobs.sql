-- Cognito's user import jobs (CreateUserImportJob and the rest): the job, the CSV uploaded to
-- its pre-signed URL (kept until the job ends), and how far the import has gone. The row
-- counter and the counts move in the transaction that writes each row's user, so a job
-- resumed after a restart neither skips nor repeats a row. Rows that failed, with why.
CREATE TABLE user_import_jobs (
    id TEXT PRIMARY KEY,
    pool_id TEXT NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    hashing_algorithm TEXT,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    completed_at BIGINT,
    completion_message TEXT,
    upload_expires_at BIGINT NOT NULL,
    csv TEXT,
    rows_done BIGINT NOT NULL DEFAULT 0,
    imported BIGINT NOT NULL DEFAULT 0,
    skipped BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX user_import_jobs_pool_idx ON user_import_jobs (pool_id, created_at);
CREATE INDEX user_import_jobs_status_idx ON user_import_jobs (status);
CREATE TABLE user_import_errors (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES user_import_jobs (id) ON DELETE CASCADE,
    line BIGINT NOT NULL,
    username TEXT,
    reason TEXT NOT NULL
);
CREATE INDEX user_import_errors_job_idx ON user_import_errors (job_id, line);
