//! `tessera users export` and `tessera users import`, through their library functions: users
//! exported from one server and imported into another server's pool (its own data directory,
//! database and pool id) sign in with the same password and TOTP, keep their sub and groups;
//! the sealed values need the export's key; lines from other systems' hashes sign in; bad lines
//! are reported and leave nothing behind.

use crate::api_mfa_challenge::{challenge, enrol, respond};
use crate::both_databases;
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::mfa_helpers::{enable_totp, totp_now};
use crate::sign_in_helpers::{PASSWORD, password_auth, pool_client_user, set_permanent};
use crate::user_helpers::{create_user, stored};
use aws_sdk_cognitoidentityprovider::types::UserPoolMfaType;
use tessera::crypto::vault::{Key, Vault};
use tessera::services::user_transfer::{export, import};

both_databases!(
    export_then_import_signs_everyone_in,
    lines_from_elsewhere_and_bad_lines,
);

const BOB_PASSWORD: &str = "Bob-Passw0rd-2";

async fn group_of(app: &TestApp, pool: &str, username: &str) -> Vec<String> {
    app.cognito
        .admin_list_groups_for_user()
        .user_pool_id(pool)
        .username(username)
        .send()
        .await
        .unwrap()
        .groups
        .unwrap_or_default()
        .into_iter()
        .filter_map(|g| g.group_name)
        .collect()
}

async fn export_then_import_signs_everyone_in(db: Backend) {
    let a = spawn_app(db).await;
    let (pool, client) = pool_client_user(&a, false).await;
    enable_totp(&a, &pool, UserPoolMfaType::Optional).await;
    let secret = enrol(&a, &client).await;
    create_user(&a, &pool, "bob", &[("email", "bob@example.com")]).await;
    set_permanent(&a, &pool, "bob", BOB_PASSWORD).await;
    a.cognito
        .create_group()
        .user_pool_id(&pool)
        .group_name("staff")
        .send()
        .await
        .unwrap();
    a.cognito
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("bob")
        .group_name("staff")
        .send()
        .await
        .unwrap();

    let key = Key::generate();
    let mut file = Vec::new();
    let count = export(&a.services, &pool, &Vault::new(&key), &mut file)
        .await
        .unwrap();
    assert_eq!(count, 2);
    let text = String::from_utf8(file).unwrap();
    assert!(
        !text.contains("$argon2id") && !text.contains(&secret),
        "a secret in clear: {text}"
    );

    // Another server: its own data directory, database and pool.
    let b = spawn_app(db).await;
    let (pool_b, client_b) = pool_client_user(&b, false).await;
    enable_totp(&b, &pool_b, UserPoolMfaType::Optional).await;
    b.cognito
        .admin_delete_user()
        .user_pool_id(&pool_b)
        .username("alice")
        .send()
        .await
        .unwrap();

    // Without the key, and with another key, the sealed lines fail and nothing is written.
    let none = import(&b.services, &pool_b, None, text.as_bytes())
        .await
        .unwrap();
    assert_eq!((none.imported, none.failed.len()), (0, 2), "{none:?}");
    assert!(none.failed[0].1.contains("key file"), "{none:?}");
    let other = Vault::new(&Key::generate());
    let wrong = import(&b.services, &pool_b, Some(&other), text.as_bytes())
        .await
        .unwrap();
    assert_eq!((wrong.imported, wrong.failed.len()), (0, 2), "{wrong:?}");

    let vault = Vault::new(&key);
    let done = import(&b.services, &pool_b, Some(&vault), text.as_bytes())
        .await
        .unwrap();
    assert_eq!(
        (done.imported, done.skipped, done.failed.len()),
        (2, 0, 0),
        "{done:?}"
    );
    let again = import(&b.services, &pool_b, Some(&vault), text.as_bytes())
        .await
        .unwrap();
    assert_eq!((again.imported, again.skipped), (0, 2), "{again:?}");

    // Same sub, same groups; bob signs in with his password.
    assert_eq!(
        stored(&b, &pool_b, "bob").await.sub,
        stored(&a, &pool, "bob").await.sub
    );
    assert_eq!(
        group_of(&b, &pool_b, "bob").await,
        vec!["staff".to_string()]
    );
    let out = password_auth(&b, &client_b, "bob", BOB_PASSWORD)
        .await
        .unwrap();
    assert!(
        out.authentication_result
            .and_then(|r| r.access_token)
            .is_some()
    );
    assert!(password_auth(&b, &client_b, "bob", PASSWORD).await.is_err());

    // alice: her password, then her authenticator's code.
    let session = challenge(&b, &client_b).await;
    let token = respond(&b, &client_b, &session, &totp_now(&b, &secret))
        .await
        .unwrap();
    assert!(token.is_some());
}

async fn lines_from_elsewhere_and_bad_lines(db: Backend) {
    let app = spawn_app(db).await;
    let (pool, client) = pool_client_user(&app, false).await;
    let bcrypt = bcrypt::hash("from-bcrypt-1", 4).unwrap();
    // Firebase's published example: signer key, salt separator, rounds, mem_cost, salt, hash.
    let firebase = "$firebase-scrypt$rounds=8,mem_cost=14$Bw==$\
        jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==$\
        42xEC+ixf3L2lw==$\
        lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==";
    let lines = [
        serde_json::json!({"username": "bc", "attributes": {"email": "bc@example.com"},
            "password_hash": bcrypt, "groups": ["imported"]})
        .to_string(),
        serde_json::json!({"username": "fb", "password_hash": firebase}).to_string(),
        "{not json".to_string(),
        serde_json::json!({"username": "md5", "password_hash": "5f4dcc3b5aa765d61d8327deb882cf99"})
            .to_string(),
        serde_json::json!({"username": "bad-email", "attributes": {"email": "nope"}}).to_string(),
        serde_json::json!({"username": "odd", "status": "EXTERNAL_PROVIDER"}).to_string(),
    ]
    .join("\n");
    let summary = import(&app.services, &pool, None, lines.as_bytes())
        .await
        .unwrap();
    assert_eq!(summary.imported, 2, "{summary:?}");
    let failed: Vec<u64> = summary.failed.iter().map(|(line, _)| *line).collect();
    assert_eq!(failed, vec![3, 4, 5, 6], "{summary:?}");
    assert!(summary.failed[1].1.contains("no format"), "{summary:?}");
    for (name, password) in [("bc", "from-bcrypt-1"), ("fb", "user1password")] {
        assert!(
            password_auth(&app, &client, name, "wrong-one")
                .await
                .is_err()
        );
        let out = password_auth(&app, &client, name, password).await.unwrap();
        assert!(out.authentication_result.is_some(), "{name}");
        // The first sign-in replaced the hash with argon2id.
        let user = stored(&app, &pool, name).await;
        assert!(
            user.password_hash
                .unwrap()
                .starts_with("$argon2id$v=19$m=19456,t=2,p=1$")
        );
        assert!(user.srp_verifier.is_some());
    }
    assert_eq!(
        group_of(&app, &pool, "bc").await,
        vec!["imported".to_string()]
    );
    for name in ["md5", "bad-email", "odd"] {
        let found = app
            .cognito
            .admin_get_user()
            .user_pool_id(&pool)
            .username(name)
            .send()
            .await;
        assert!(found.is_err(), "{name} was written");
    }
}
