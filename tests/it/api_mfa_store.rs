//! The `user_mfa` store contract on both databases: a pending TOTP secret becomes the verified
//! one only while it is still the pending one, and a time step is accepted once, only if later
//! than the last one (replay refusal).

use crate::both_databases;
use crate::helpers::{Backend, spawn_app};
use crate::sign_in_helpers::pool_client_user;
use crate::user_helpers::stored;

both_databases!(mfa_store_pending_verify_and_steps);

async fn mfa_store_pending_verify_and_steps(backend: Backend) {
    let app = spawn_app(backend).await;
    let (pool, _) = pool_client_user(&app, false).await;
    let id = stored(&app, &pool, "alice").await.sub;
    let store = &app.services.store;

    let none = store.user_mfa(&id).await.unwrap();
    assert!(!none.totp_active());
    assert!(none.setting_list().is_empty());
    // No verified secret: no step can be taken.
    assert!(!store.accept_totp_step(&id, 10, 1).await.unwrap());

    store.set_pending_totp(&id, "AAAA", 1).await.unwrap();
    store.set_pending_totp(&id, "BBBB", 2).await.unwrap();
    // The first pending secret was replaced: verifying it does nothing.
    assert!(
        !store
            .verify_pending_totp(&id, "AAAA", 10, None, 3)
            .await
            .unwrap()
    );
    assert!(
        store
            .verify_pending_totp(&id, "BBBB", 10, Some("phone"), 3)
            .await
            .unwrap()
    );
    let m = store.user_mfa(&id).await.unwrap();
    assert!(m.totp_active());
    assert_eq!(m.totp_secret.as_deref(), Some("BBBB"));
    assert_eq!(m.totp_pending_secret, None);
    assert_eq!(m.totp_last_step, Some(10));
    assert_eq!(m.totp_device_name.as_deref(), Some("phone"));
    assert_eq!(m.setting_list(), vec!["SOFTWARE_TOKEN_MFA"]);

    // Same or earlier step refused; a later one taken once.
    assert!(!store.accept_totp_step(&id, 10, 4).await.unwrap());
    assert!(!store.accept_totp_step(&id, 9, 4).await.unwrap());
    assert!(store.accept_totp_step(&id, 11, 4).await.unwrap());
    assert!(!store.accept_totp_step(&id, 11, 5).await.unwrap());

    // A new association leaves the verified secret in force.
    store.set_pending_totp(&id, "CCCC", 6).await.unwrap();
    let m = store.user_mfa(&id).await.unwrap();
    assert_eq!(m.totp_secret.as_deref(), Some("BBBB"));
    assert!(m.totp_active());

    let mut pref = m.clone();
    pref.totp_enabled = false;
    pref.preferred = None;
    store.set_mfa_preference(&id, &pref, 7).await.unwrap();
    let m = store.user_mfa(&id).await.unwrap();
    assert!(!m.totp_active());
    assert!(m.totp_verified);
}
