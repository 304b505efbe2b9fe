//! The hot reads (the access check, the refresh lookup, the configuration counter) read every
//! joined column right on both databases.

use crate::both_databases;
use crate::helpers::{Backend, spawn_app};
use crate::tokens_claims::join_group;
use crate::tokens_helpers::{client, fixture, pool_and_user, sign_in};
use sha2::{Digest, Sha256};
use tessera::domain::mfa::UserMfa;
use tessera::services::tokens;

async fn hot_reads_read_every_joined_column(db: Backend) {
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

    let signed = sign_in(&app, &fx.pool_id, &client, &fx.username).await;
    let origin = tokens::authenticate(svc, &signed.access_token)
        .await
        .unwrap()
        .origin_jti;
    let hash = hex::encode(Sha256::digest(signed.refresh_token.unwrap().as_bytes()));
    let version = svc.store.config_version(&fx.pool_id).await.unwrap();
    assert!(version > 0);

    let access = svc.store.access_record(&origin).await.unwrap().unwrap();
    assert_eq!(access.mfa, mfa);
    assert_eq!(format!("{:?}", access.user), format!("{user:?}"));
    assert_eq!(access.client_id, client.id);
    assert_eq!(access.origin_pool_id, fx.pool_id);
    assert_eq!(access.revoked_at, None);
    assert_eq!(access.config_version, version);

    let found = svc.store.refresh_token_with_user(&hash).await.unwrap();
    let (record, owner, groups) = found.unwrap();
    assert_eq!(record.origin.origin_jti, origin);
    assert_eq!(owner.sub, user.sub);
    let mut names: Vec<_> = groups.into_iter().map(|g| g.name).collect();
    names.sort();
    assert_eq!(names, ["admins", "readers"]);

    assert_eq!(record.origin.client_id, client.id);
    assert_eq!(record.superseded_at, None);
    // Unknown keys are no row, not an error.
    assert!(svc.store.access_record("nope").await.unwrap().is_none());
    assert!(
        svc.store
            .refresh_token_with_user("nope")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(svc.store.config_version("nope").await.unwrap(), 0);
}

both_databases!(hot_reads_read_every_joined_column,);
