//! `tessera backup` and `tessera restore`, through their library functions: a backup taken while
//! users are being created holds every user acknowledged before it began, and a fresh database
//! restored from it signs people in and accepts the tokens issued before; a restore refuses a
//! database with data unless forced, and a file that is no backup leaves the database as it was.

use crate::both_databases;
use crate::helpers::{AppOptions, Backend, TestApp, fresh_database_url, spawn_app, spawn_app_with};
use crate::sign_in_helpers::{PASSWORD, client_with, password_auth, set_permanent};
use crate::user_helpers::create_user;
use aws_sdk_cognitoidentityprovider::types::MessageActionType;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tessera::services::backup::{BackupError, backup, restore};

/// Concurrent AdminCreateUser calls while the backup runs.
const WRITERS: usize = 4;

/// Whether the backup programs of `db` can run. PostgreSQL's are pg_dump and pg_restore: when
/// they are not on PATH the test says so on stderr and passes without running, except under
/// `CI=true`, where it fails, since CI must run both halves.
fn backup_tools_installed(db: Backend, test: &str) -> bool {
    if db == Backend::Sqlite {
        return true;
    }
    let missing: Vec<&str> = ["pg_dump", "pg_restore"]
        .into_iter()
        .filter(|tool| {
            std::process::Command::new(tool)
                .arg("--version")
                .output()
                .is_err()
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} not found on PATH: the PostgreSQL backup tests run PostgreSQL's client programs, \
         and under CI=true they must run (install postgresql-client)",
        missing.join(" and ")
    );
    // Straight to stderr, past the test harness's capture, so it shows in a passing run.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED ({} not on PATH): {test}",
        missing.join(" and ")
    );
    false
}

/// A server on the database at `url`, with its data directory under `dir`, and the public URL
/// (so the issuer of its tokens) and master key of `source`, as a restored server keeps its
/// address and needs the key that sealed the backup's secrets.
async fn spawn_on(db: Backend, url: &str, dir: &Path, source: &TestApp) -> TestApp {
    spawn_app_with(
        db,
        AppOptions {
            database_url: Some(url.to_string()),
            data_dir: Some(dir.join("data")),
            env: vec![
                ("TESSERA_PUBLIC_URL".into(), source.address.clone()),
                source.master_key_setting(),
            ],
        },
    )
    .await
}

async fn restored_copy_keeps_users_and_keys(db: Backend) {
    if !backup_tools_installed(db, "restored_copy_keeps_users_and_keys") {
        return;
    }
    let app = spawn_app(db).await;
    let pool = app.create_pool("backup").await;
    let (client, _) = client_with(
        &app,
        &pool,
        &["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        false,
        false,
    )
    .await;
    create_user(&app, &pool, "alice", &[("email", "alice@example.com")]).await;
    set_permanent(&app, &pool, "alice", PASSWORD).await;
    let signed_in = password_auth(&app, &client, "alice", PASSWORD)
        .await
        .unwrap();
    let access_token = signed_in
        .authentication_result()
        .unwrap()
        .access_token()
        .unwrap()
        .to_string();

    // The load: each user whose AdminCreateUser answered Ok, and when it answered.
    let acknowledged: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for writer in 0..WRITERS {
        let (cognito, pool) = (app.cognito.clone(), pool.clone());
        let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let username = format!("load-{writer}-{n}");
                n += 1;
                let created = cognito
                    .admin_create_user()
                    .user_pool_id(&pool)
                    .username(&username)
                    .message_action(MessageActionType::Suppress)
                    .send()
                    .await;
                if created.is_ok() {
                    acknowledged
                        .lock()
                        .unwrap()
                        .push((username, Instant::now()));
                }
            }
        }));
    }
    let count = || acknowledged.lock().unwrap().len();
    crate::helpers::wait_until(
        "the load has created users",
        Duration::from_secs(30),
        || {
            let created = count();
            async move { created >= 20 }
        },
    )
    .await;

    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("tessera.backup");
    let backup_started = Instant::now();
    backup(&app.services.store, &app.database_url, &file)
        .await
        .unwrap();
    let after_backup = count();
    crate::helpers::wait_until(
        "the load goes on after the backup",
        Duration::from_secs(30),
        || {
            let created = count();
            async move { created >= after_backup + WRITERS }
        },
    )
    .await;
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }

    let fresh = tempfile::tempdir().unwrap();
    let url = fresh_database_url(db, fresh.path()).await;
    restore(&url, &file, false).await.unwrap();
    let restored = spawn_on(db, &url, fresh.path(), &app).await;

    let before: Vec<String> = acknowledged
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, at)| *at < backup_started)
        .map(|(username, _)| username.clone())
        .collect();
    assert!(before.len() >= 20, "{} users before", before.len());
    for username in &before {
        let found = restored
            .cognito
            .admin_get_user()
            .user_pool_id(&pool)
            .username(username)
            .send()
            .await;
        assert!(
            found.is_ok(),
            "{username}, acknowledged before the backup began, is missing: {found:?}"
        );
    }
    eprintln!(
        "{} users acknowledged before the backup began, {} in all",
        before.len(),
        count()
    );

    password_auth(&restored, &client, "alice", PASSWORD)
        .await
        .unwrap();
    let me = restored
        .cognito
        .get_user()
        .access_token(&access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.username(), "alice");
}

async fn restore_refuses_a_database_with_data(db: Backend) {
    if !backup_tools_installed(db, "restore_refuses_a_database_with_data") {
        return;
    }
    let source = spawn_app(db).await;
    let kept = source.create_pool("kept").await;
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("tessera.backup");
    backup(&source.services.store, &source.database_url, &file)
        .await
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "a backup holds secrets");
    }
    let again = backup(&source.services.store, &source.database_url, &file).await;
    assert!(
        matches!(again, Err(BackupError::FileExists(_))),
        "{again:?}"
    );

    // Another server's database, with a pool of its own.
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(db, dir.path()).await;
    let target = spawn_on(db, &url, dir.path(), &source).await;
    let replaced = target.create_pool("replaced").await;
    target.stop().await;

    let refused = restore(&url, &file, false).await;
    assert!(
        matches!(refused, Err(BackupError::TargetNotEmpty)),
        "{refused:?}"
    );
    let not_a_backup = files.path().join("notes.txt");
    std::fs::write(&not_a_backup, "not a backup").unwrap();
    let refused = restore(&url, &not_a_backup, true).await;
    assert!(refused.is_err(), "{refused:?}");
    let target = spawn_on(db, &url, dir.path(), &source).await;
    target.describe_pool(&replaced).await;
    target.stop().await;

    restore(&url, &file, true).await.unwrap();
    let target = spawn_on(db, &url, dir.path(), &source).await;
    target.describe_pool(&kept).await;
    crate::assert_aws_error!(
        target
            .cognito
            .describe_user_pool()
            .user_pool_id(&replaced)
            .send()
            .await,
        "ResourceNotFoundException"
    );
}

both_databases!(
    restored_copy_keeps_users_and_keys,
    restore_refuses_a_database_with_data
);
