//! The hot reads: on SQLite (`store::sqlite_reads`) the access check, the refresh lookup and the
//! configuration counter are answered on the request's own thread, never by the sqlx fallback;
//! on PostgreSQL (`store::pg_reads`) the access check and the refresh lookup run on connections
//! held for them, outside sqlx's pool. Both give exactly what sqlx's pool gives.

use crate::both_databases;
use crate::helpers::{Backend, spawn_app};
use crate::tokens_claims::join_group;
use crate::tokens_helpers::{client, fixture, pool_and_user, sign_in};
use sha2::{Digest, Sha256};
use tessera::domain::mfa::UserMfa;
use tessera::services::tokens;

async fn hot_reads_answer_in_place_what_sqlx_answers(db: Backend) {
    let app = spawn_app(db).await;
    let svc = &app.services;
    let fx = fixture(&app).await;
    let client = client(&app, &fx.pool_id).await;
    let (_, user) = pool_and_user(&app, &fx.pool_id, &fx.username).await;
    // An MFA row with its flags set and two groups: every joined column has a value to read.
    let mfa = UserMfa {
        sms_enabled: true,
        email_enabled: true,
        preferred: Some("SMS_MFA".into()),
        ..Default::default()
    };
    svc.store
        .set_mfa_preference(&user.sub, &mfa, svc.now())
        .await
        .unwrap();
    join_group(&app, &fx, "admins", Some(1)).await;
    join_group(&app, &fx, "readers", None).await;

    let before = svc.store.sqlite_read_counts();
    let held_before = svc.store.pg_read_counts();
    let signed = sign_in(&app, &fx.pool_id, &client, &fx.username).await;
    let origin = tokens::authenticate(svc, &signed.access_token)
        .await
        .unwrap()
        .origin_jti;
    let hash = hex::encode(Sha256::digest(signed.refresh_token.unwrap().as_bytes()));
    let sqlx_only = svc.store.without_sqlite_reads();

    let in_place = svc.store.access_record(&origin).await.unwrap().unwrap();
    let through_sqlx = sqlx_only.access_record(&origin).await.unwrap().unwrap();
    assert_eq!(format!("{in_place:?}"), format!("{through_sqlx:?}"));
    assert_eq!(in_place.mfa, mfa);
    assert_eq!(in_place.user.username, fx.username);
    assert_eq!(in_place.client_id, client.id);

    let in_place = svc.store.refresh_token_with_user(&hash).await.unwrap();
    let through_sqlx = sqlx_only.refresh_token_with_user(&hash).await.unwrap();
    assert_eq!(format!("{in_place:?}"), format!("{through_sqlx:?}"));
    let (record, owner, groups) = in_place.unwrap();
    assert_eq!(record.origin.origin_jti, origin);
    assert_eq!(owner.sub, user.sub);
    let mut names: Vec<_> = groups.into_iter().map(|g| g.name).collect();
    names.sort();
    assert_eq!(names, ["admins", "readers"]);

    assert_eq!(
        svc.store.config_version(&fx.pool_id).await.unwrap(),
        sqlx_only.config_version(&fx.pool_id).await.unwrap()
    );
    assert!(svc.store.config_version(&fx.pool_id).await.unwrap() > 0);
    // Unknown keys are no row on both paths, not an error.
    assert!(svc.store.access_record("nope").await.unwrap().is_none());
    assert!(
        svc.store
            .refresh_token_with_user("nope")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(svc.store.config_version("nope").await.unwrap(), 0);

    let after = svc.store.sqlite_read_counts();
    match db {
        Backend::Sqlite => {
            let (before, after) = (before.unwrap(), after.unwrap());
            assert_eq!(
                after.fallbacks, before.fallbacks,
                "a read fell back to sqlx"
            );
            // authenticate, the two compared reads, the counter once (its second and third
            // uses come from memory: nothing committed in between), three unknown keys
            assert!(
                after.answered >= before.answered + 7,
                "{before:?} {after:?}"
            );
        }
        Backend::Postgres => {
            assert_eq!(after, None);
            let (before, after) = (held_before.unwrap(), svc.store.pg_read_counts().unwrap());
            // authenticate, the two compared reads, two unknown keys; none through the pool
            assert_eq!(after.held, before.held + 5, "{before:?} {after:?}");
            assert_eq!(after.pooled, before.pooled);
            assert!(after.opened >= 1);
        }
    }
}

/// PostgreSQL: after every other session of the database is terminated (as a restart does),
/// the hot reads answer at once: a held connection that died is replaced by a new one.
async fn held_connections_outlive_their_backends(db: Backend) {
    let app = spawn_app(db).await;
    let svc = &app.services;
    let fx = fixture(&app).await;
    let client = client(&app, &fx.pool_id).await;
    let signed = sign_in(&app, &fx.pool_id, &client, &fx.username).await;
    let origin = tokens::authenticate(svc, &signed.access_token)
        .await
        .unwrap()
        .origin_jti;
    let Some(before) = svc.store.pg_read_counts() else {
        assert_eq!(db, Backend::Sqlite);
        return;
    };
    // One read at a time: all on the first held connection, the one about to die.
    assert!(before.held >= 1, "{before:?}");
    assert_eq!(before.opened, 1, "{before:?}");
    let admin = sqlx::PgPool::connect(&app.database_url).await.unwrap();
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&admin)
    .await
    .unwrap();
    assert!(!killed.is_empty() && killed.iter().all(|k| *k));
    let record = svc.store.access_record(&origin).await.unwrap().unwrap();
    assert_eq!(record.user.username, fx.username);
    let after = svc.store.pg_read_counts().unwrap();
    assert_eq!(after.held, before.held + 1, "{before:?} {after:?}");
    assert_eq!(after.pooled, before.pooled);
    assert_eq!(after.opened, before.opened + 1, "{before:?} {after:?}");
    admin.close().await;
}

both_databases!(
    hot_reads_answer_in_place_what_sqlx_answers,
    held_connections_outlive_their_backends,
);
