//! `tessera keys rotate`, run as the real binary against the running server's database: the new
//! keys are published at once and sign after the lead, new tokens then use new kids, old tokens
//! still verify against the JWKS until their keys' publication ends, and expired published keys
//! are pruned.

use crate::both_databases;
use crate::helpers::{Backend, spawn_app};
use crate::tokens_helpers::*;
use std::process::Command;
use tessera::services::{keys, tokens};

const BIN: &str = env!("CARGO_BIN_EXE_tessera");

async fn keys_rotate_keeps_old_tokens_verifiable(db: Backend) {
    let app = spawn_app(db).await;
    let fx = fixture(&app).await;
    let untouched = fixture(&app).await;
    let client = client(&app, &fx.pool_id).await;
    let untouched_client = crate::tokens_helpers::client(&app, &untouched.pool_id).await;
    let before = sign_in(&app, &fx.pool_id, &client, &fx.username).await;
    let untouched_before = sign_in(
        &app,
        &untouched.pool_id,
        &untouched_client,
        &untouched.username,
    )
    .await;
    let iss = issuer(&app, &fx.pool_id);

    let out = Command::new(BIN)
        .args(["keys", "rotate", "--pool", &fx.pool_id])
        .current_dir(&app.data_dir)
        .env("DATABASE_URL", &app.database_url)
        .env("TESSERA_DATA_DIR", &app.data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with(&fx.pool_id), "{stdout}");

    // Published at once; the old keys sign until the new ones start.
    assert_eq!(jwks(&app, &fx.pool_id).await.len(), 4);
    let meanwhile = sign_in(&app, &fx.pool_id, &client, &fx.username).await;
    assert_eq!(kid_of(&meanwhile.id_token), kid_of(&before.id_token));
    assert_eq!(
        kid_of(&meanwhile.access_token),
        kid_of(&before.access_token)
    );
    // (The CLI's clock is the system's; the server's started a little earlier.)
    advance(&app, keys::SIGNING_LEAD_MS / 1000 + 60);
    let after = sign_in(&app, &fx.pool_id, &client, &fx.username).await;
    for (old, new) in [
        (&before.id_token, &after.id_token),
        (&before.access_token, &after.access_token),
    ] {
        assert_ne!(kid_of(old), kid_of(new));
        assert!(stdout.contains(&kid_of(new)), "{stdout}");
    }
    let published = jwks(&app, &fx.pool_id).await;
    assert_eq!(published.len(), 4, "two active and two retired keys");
    for token in [&before.access_token, &after.access_token] {
        verify(token, &published, &iss, None).unwrap();
        tokens::authenticate(&app.services, token).await.unwrap();
    }
    verify(&before.id_token, &published, &iss, Some(&client.id)).unwrap();
    verify(&after.id_token, &published, &iss, Some(&client.id)).unwrap();

    // Other pools keep their keys.
    let again = sign_in(
        &app,
        &untouched.pool_id,
        &untouched_client,
        &untouched.username,
    )
    .await;
    assert_eq!(kid_of(&again.id_token), kid_of(&untouched_before.id_token));
    assert_eq!(jwks(&app, &untouched.pool_id).await.len(), 2);

    // The retired keys are published for the longest token lifetime (1 h) plus the margin.
    advance(&app, 3600 + keys::PUBLISH_MARGIN_MS / 1000 + 60);
    keys::rotate(&app.services, &fx.pool_id).await.unwrap();
    let published = jwks(&app, &fx.pool_id).await;
    assert_eq!(
        published.len(),
        4,
        "the previous pair, retired now, and the new pair"
    );
    let kids: Vec<&str> = published
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert!(!kids.contains(&kid_of(&before.id_token).as_str()), "pruned");
    assert!(kids.contains(&kid_of(&after.id_token).as_str()));
    let rows = app
        .services
        .store
        .published_signing_keys(&fx.pool_id, 0)
        .await
        .unwrap();
    assert_eq!(rows.len(), 4, "expired keys are deleted, not only hidden");
}

async fn rotating_every_pool(db: Backend) {
    let app = spawn_app(db).await;
    let a = app.create_pool("a").await;
    let b = app.create_pool("b").await;
    let a_keys = jwks(&app, &a).await;
    let rotations = keys::rotate_all(&app.services).await.unwrap();
    let rotated: Vec<&str> = rotations.iter().map(|r| r.pool_id.as_str()).collect();
    assert!(rotated.contains(&a.as_str()) && rotated.contains(&b.as_str()));
    let a_after = jwks(&app, &a).await;
    assert_eq!(a_after.len(), 4);
    for key in &a_keys {
        assert!(a_after.contains(key), "old keys stay published");
    }
    // A pool that never had keys gets its first pair.
    assert_eq!(jwks(&app, &b).await.len(), 2);
}

both_databases!(keys_rotate_keeps_old_tokens_verifiable, rotating_every_pool);
