//! User import jobs against the clock and other nodes (the boto3 suite
//! tests/clients/import_flow.py covers the files, hashes and a SIGKILL): an upload URL past
//! its hour is refused, a job never started expires after 24 hours, and a job whose node
//! stopped renewing its lease is taken over by another node, which goes on at the next row.

use crate::both_databases;
use crate::helpers::{AppOptions, Backend, TestApp, spawn_app_with};
use crate::tokens_helpers::advance;
use aws_sdk_cognitoidentityprovider::types::UserImportJobStatusType;
use tessera::services::user_import::work_once;

both_databases!(
    upload_url_expires_and_unstarted_jobs_expire,
    a_stalled_node_loses_its_job_to_another,
);

/// A server that runs no import job itself: the test plays its nodes.
async fn spawn_app(db: Backend) -> TestApp {
    spawn_app_with(
        db,
        AppOptions {
            env: vec![("TESSERA_IMPORT_JOBS".into(), "false".into())],
            ..AppOptions::default()
        },
    )
    .await
}

const ROLE: &str = "arn:aws:iam::000000000000:role/CognitoImportRole";

async fn create(app: &TestApp, pool: &str) -> (String, String) {
    let job = app
        .cognito
        .create_user_import_job()
        .user_pool_id(pool)
        .job_name("clock")
        .cloud_watch_logs_role_arn(ROLE)
        .send()
        .await
        .unwrap()
        .user_import_job
        .unwrap();
    (job.job_id.unwrap(), job.pre_signed_url.unwrap())
}

async fn status(app: &TestApp, pool: &str, job: &str) -> UserImportJobStatusType {
    app.cognito
        .describe_user_import_job()
        .user_pool_id(pool)
        .job_id(job)
        .send()
        .await
        .unwrap()
        .user_import_job
        .unwrap()
        .status
        .unwrap()
}

async fn put(app: &TestApp, url: &str, body: String) -> u16 {
    app.http
        .put(url)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn upload_url_expires_and_unstarted_jobs_expire(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("clock").await;
    let (job, url) = create(&app, &pool).await;
    advance(&app, 61 * 60);
    assert_eq!(
        put(&app, &url, "cognito:username,cognito:mfa_enabled\n".into()).await,
        403
    );

    let (job2, url2) = create(&app, &pool).await;
    assert_eq!(
        put(
            &app,
            &url2,
            "cognito:username,cognito:mfa_enabled\nann,false\n".into()
        )
        .await,
        200
    );
    advance(&app, 25 * 3600);
    work_once(&app.services, "test-node", true).await.unwrap();
    for id in [&job, &job2] {
        assert_eq!(
            status(&app, &pool, id).await,
            UserImportJobStatusType::Expired
        );
    }
    let started = app
        .cognito
        .start_user_import_job()
        .user_pool_id(&pool)
        .job_id(&job2)
        .send()
        .await;
    let code = started
        .unwrap_err()
        .into_service_error()
        .meta()
        .code()
        .map(str::to_string);
    assert_eq!(code.as_deref(), Some("PreconditionNotMetException"));
}

async fn a_stalled_node_loses_its_job_to_another(db: Backend) {
    let app = spawn_app(db).await;
    let pool = app.create_pool("lease").await;
    let (job, url) = create(&app, &pool).await;
    let mut body = String::from("cognito:username,cognito:mfa_enabled\n");
    for i in 0..30 {
        body.push_str(&format!("user{i:02},false\n"));
    }
    assert_eq!(put(&app, &url, body).await, 200);
    // Node A takes the job and imports its first row, then stalls (it writes no more rows).
    let store = &app.services.store;
    let now = app.services.clock.now();
    let claimed = store
        .claim_import_job("node-a", now, now + 10_000)
        .await
        .unwrap();
    assert!(
        claimed.is_none(),
        "nothing is claimable before StartUserImportJob"
    );
    app.cognito
        .start_user_import_job()
        .user_pool_id(&pool)
        .job_id(&job)
        .send()
        .await
        .unwrap();
    let claimed = store
        .claim_import_job("node-a", now, now + 10_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.job.id, job);
    // While A's lease runs, B finds nothing to do.
    assert!(!work_once(&app.services, "node-b", false).await.unwrap());
    assert_eq!(
        status(&app, &pool, &job).await,
        UserImportJobStatusType::InProgress
    );
    // The lease runs out: B takes the job over and finishes it; A's late write is refused.
    advance(&app, 11);
    assert!(work_once(&app.services, "node-b", false).await.unwrap());
    let done = app
        .cognito
        .describe_user_import_job()
        .user_pool_id(&pool)
        .job_id(&job)
        .send()
        .await
        .unwrap()
        .user_import_job
        .unwrap();
    assert_eq!(done.status, Some(UserImportJobStatusType::Succeeded));
    assert_eq!((done.imported_users, done.failed_users), (30, 0));
    let late = store
        .record_import_row(
            &job,
            "node-a",
            1,
            &tessera::store::import_jobs::RowOutcome::Skipped,
            now,
            now + 10_000,
        )
        .await
        .unwrap();
    assert!(!late, "a node that lost its lease still wrote a row");
}
