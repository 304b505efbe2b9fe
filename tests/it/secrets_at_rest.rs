//! Secrets at rest: what the API hands out once (client secrets, TOTP secrets, identity provider
//! and webhook secrets) and what the server makes (SRP verifiers, signing keys, cookie and pool
//! secrets) never appear in the database in clear; a copy of the database without the master
//! key opens nothing; a database from before sealing is sealed on start; and
//! `tessera keys rotate-master` changes the master key under running servers.

use crate::both_databases;
use crate::helpers::{AppOptions, Backend, TestApp, spawn_app_with};
use crate::mfa_helpers::totp_now;
use crate::sign_in_helpers::{PASSWORD, client_with, password_auth, set_permanent};
use crate::user_helpers::create_user;
use aws_sdk_cognitoidentityprovider::types::IdentityProviderTypeType;
use std::path::Path;
use std::process::Command;
use tessera::config::{FileSettings, Settings};
use tessera::crypto::vault::{self, Key, Vault};

const BIN: &str = env!("CARGO_BIN_EXE_tessera");
const WEBHOOK_SECRET: &str = "whsec_c2VjcmV0cyBhdCByZXN0IGluIGEgdGVzdCBwb29s";
const IDP_SECRET: &str = "idp-client-secret-4f9c2b7e";

/// The plaintexts the API gave out, to look for in the database.
struct Given {
    pool: String,
    client: String,
    client_secret: String,
    totp_secret: String,
}

impl Given {
    fn plaintexts(&self) -> [&str; 4] {
        [
            &self.client_secret,
            &self.totp_secret,
            IDP_SECRET,
            WEBHOOK_SECRET,
        ]
    }
}

/// A pool with every kind of secret: a client secret, a user with a password (its SRP
/// verifier) and TOTP, an identity provider's client secret, a webhook secret, signing keys.
async fn populate(app: &TestApp) -> Given {
    let pool = app.create_pool("sealed").await;
    tessera::services::admin::pools::update_pool(
        &app.services,
        &pool,
        tessera::domain::pool::PoolInput {
            webhook_secret: Some(WEBHOOK_SECRET.into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (_, client_secret) =
        client_with(app, &pool, &["ALLOW_USER_PASSWORD_AUTH"], true, false).await;
    let (client, _) = client_with(app, &pool, &["ALLOW_USER_PASSWORD_AUTH"], false, false).await;
    create_user(app, &pool, "alice", &[("email", "alice@example.com")]).await;
    set_permanent(app, &pool, "alice", PASSWORD).await;
    let access = access_token(app, &client).await;
    let totp_secret = app
        .cognito
        .associate_software_token()
        .access_token(&access)
        .send()
        .await
        .unwrap()
        .secret_code
        .unwrap();
    app.cognito
        .verify_software_token()
        .access_token(&access)
        .user_code(totp_now(app, &totp_secret))
        .send()
        .await
        .unwrap();
    app.cognito
        .create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Google")
        .provider_type(IdentityProviderTypeType::Google)
        .provider_details("client_id", "google-client")
        .provider_details("client_secret", IDP_SECRET)
        .provider_details("authorize_scopes", "openid email")
        .send()
        .await
        .unwrap();
    Given {
        pool,
        client,
        client_secret: client_secret.unwrap(),
        totp_secret,
    }
}

async fn access_token(app: &TestApp, client: &str) -> String {
    password_auth(app, client, "alice", PASSWORD)
        .await
        .unwrap()
        .authentication_result
        .unwrap()
        .access_token
        .unwrap()
}

/// Every row of every table, as text: what a stolen copy of the database shows.
async fn dump(url: &str) -> String {
    use sqlx::Row;
    let mut out = String::new();
    if url.starts_with("sqlite") {
        let db = sqlx::SqlitePool::connect(url).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(&db)
        .await
        .unwrap();
        for table in tables {
            let columns: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT name FROM pragma_table_info('{table}')"
            )))
            .fetch_all(&db)
            .await
            .unwrap();
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {} FROM {table}",
                columns
                    .iter()
                    .map(|c| format!("CAST({c} AS BLOB)"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
            .fetch_all(&db)
            .await
            .unwrap();
            for row in rows {
                for i in 0..columns.len() {
                    let value: Option<Vec<u8>> = row.try_get(i).unwrap();
                    out.push_str(&String::from_utf8_lossy(&value.unwrap_or_default()));
                    out.push('\t');
                }
                out.push('\n');
            }
        }
        db.close().await;
    } else {
        let db = sqlx::PgPool::connect(url).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
        )
        .fetch_all(&db)
        .await
        .unwrap();
        for table in tables {
            let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT t::text FROM {table} t"
            )))
            .fetch_all(&db)
            .await
            .unwrap();
            for row in rows {
                out.push_str(&row);
                out.push('\n');
            }
        }
        db.close().await;
    }
    out
}

/// Settings for the database at `url` with data directory `dir` and, when given, a master key.
fn settings(url: &str, dir: &Path, master: Option<&str>) -> Settings {
    let env = [
        ("DATABASE_URL", Some(url.to_string())),
        ("TESSERA_DATA_DIR", Some(dir.display().to_string())),
        ("TESSERA_MASTER_KEY", master.map(str::to_string)),
    ];
    Settings::resolve(FileSettings::default(), |name: &str| {
        env.iter()
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| v.clone())
    })
    .unwrap()
}

/// Opening the database with these settings fails, saying `says`.
async fn refused(settings: &Settings, says: &str) {
    let err = tessera::startup::open_store(settings)
        .await
        .err()
        .unwrap_or_else(|| panic!("opened without the right master key"));
    let text = format!("{err:#}");
    assert!(text.contains(says), "{text}");
}

/// The secrets read back through the store are the ones given out, and still work.
async fn still_usable(app: &TestApp, given: &Given) {
    let store = &app.services.store;
    let clients = store.list_clients(&given.pool, None, 60).await.unwrap();
    assert!(
        clients
            .iter()
            .any(|c| c.secret.as_deref() == Some(given.client_secret.as_str())),
        "the client secret reads back"
    );
    let access = access_token(app, &given.client).await;
    let sub = app
        .cognito
        .get_user()
        .access_token(&access)
        .send()
        .await
        .unwrap()
        .user_attributes
        .into_iter()
        .find(|a| a.name == "sub")
        .unwrap()
        .value
        .unwrap();
    let mfa = store.user_mfa(&sub).await.unwrap();
    assert_eq!(mfa.totp_secret.as_deref(), Some(given.totp_secret.as_str()));
    let provider = store
        .get_identity_provider(&given.pool, "Google")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        provider.details.get("client_secret").map(String::as_str),
        Some(IDP_SECRET)
    );
    let pool = store.get_pool(&given.pool).await.unwrap().unwrap();
    assert_eq!(
        pool.settings.webhook_secret.as_deref(),
        Some(WEBHOOK_SECRET)
    );
}

async fn restart(db: Backend, url: &str, dir: &Path, env: Vec<(String, String)>) -> TestApp {
    spawn_app_with(
        db,
        AppOptions {
            database_url: Some(url.to_string()),
            data_dir: Some(dir.to_path_buf()),
            env,
        },
    )
    .await
}

async fn a_copy_of_the_database_holds_no_usable_secret(db: Backend) {
    let app = crate::helpers::spawn_app(db).await;
    let given = populate(&app).await;
    let text = dump(&app.database_url).await;
    for secret in given.plaintexts() {
        assert!(
            !text.contains(secret),
            "{secret} is in the database in clear"
        );
    }
    // What the server makes for itself is sealed too: every value of the sealed columns.
    for (column, value) in sealed_values(&app.database_url).await {
        assert!(value.starts_with("v1."), "{column}: {value}");
    }
    assert!(text.contains("v1."));

    // Without the master key (another data directory), or with another key: no start.
    let elsewhere = tempfile::tempdir().unwrap();
    refused(
        &settings(&app.database_url, elsewhere.path(), None),
        "sealed under a master key this node does not have",
    )
    .await;
    assert!(!elsewhere.path().join("master.key").exists());
    let other = Key::generate().encode();
    refused(
        &settings(&app.database_url, elsewhere.path(), Some(&other)),
        "TESSERA_MASTER_KEY is not the key of this database",
    )
    .await;
    // The key file is the owner's alone.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(app.data_dir.join("master.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    still_usable(&app, &given).await;
}

/// The sealed columns, their associated data, and their tables' key columns, as the store
/// declares them (`store::sealed`).
const SEALED: &[(&str, &str, &str)] = &[
    ("users", "srp_verifier", "users.srp_verifier"),
    ("user_mfa", "totp_secret", "user_mfa.totp_secret"),
    ("user_mfa", "totp_pending_secret", "user_mfa.totp_secret"),
    ("devices", "verifier", "devices.verifier"),
    ("signing_keys", "private_key", "signing_keys.private_key"),
    ("user_pool_clients", "secret", "user_pool_clients.secret"),
    (
        "admin_keys",
        "secret_access_key",
        "admin_keys.secret_access_key",
    ),
    ("pool_secrets", "secret", "pool_secrets.secret"),
    ("server_secrets", "value", "server_secrets.value"),
    (
        "identity_providers",
        "details",
        "identity_providers.details",
    ),
];

/// Every non-null value of the sealed columns, with the column's name.
async fn sealed_values(url: &str) -> Vec<(String, String)> {
    let db = Raw::connect(url).await;
    let mut out = Vec::new();
    for (table, column, _) in SEALED {
        for value in db.column(table, column).await {
            out.push((format!("{table}.{column}"), value));
        }
    }
    out
}

/// The database under the store, for what a thief (or an old version) would do.
enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Raw {
    async fn connect(url: &str) -> Raw {
        if url.starts_with("sqlite") {
            Raw::Sqlite(sqlx::SqlitePool::connect(url).await.unwrap())
        } else {
            Raw::Postgres(sqlx::PgPool::connect(url).await.unwrap())
        }
    }

    /// Rows of two text columns.
    async fn pairs(&self, sql: &str) -> Vec<(String, String)> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match self {
            Raw::Sqlite(db) => sqlx::query_as(sql).fetch_all(db).await.unwrap(),
            Raw::Postgres(db) => sqlx::query_as(sql).fetch_all(db).await.unwrap(),
        }
    }

    async fn column(&self, table: &str, column: &str) -> Vec<String> {
        self.pairs(&format!(
            "SELECT {column}, {column} FROM {table} WHERE {column} IS NOT NULL"
        ))
        .await
        .into_iter()
        .map(|(value, _)| value)
        .collect()
    }

    async fn execute(&self, sql: &str, params: &[&str]) {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match self {
            Raw::Sqlite(db) => {
                let mut query = sqlx::query(sql);
                for p in params {
                    query = query.bind(p.to_string());
                }
                query.execute(db).await.unwrap();
            }
            Raw::Postgres(db) => {
                let mut query = sqlx::query(sql);
                for p in params {
                    query = query.bind(p.to_string());
                }
                query.execute(db).await.unwrap();
            }
        }
    }

    async fn close(self) {
        match self {
            Raw::Sqlite(db) => db.close().await,
            Raw::Postgres(db) => db.close().await,
        }
    }
}

/// A server with its data directory in `dir`, its secrets given out ([`populate`]), and its
/// database URL.
async fn populated_in(db: Backend, dir: &Path) -> (TestApp, Given, String) {
    let app = spawn_app_with(
        db,
        AppOptions {
            data_dir: Some(dir.to_path_buf()),
            ..Default::default()
        },
    )
    .await;
    let given = populate(&app).await;
    let url = app.database_url.clone();
    (app, given, url)
}

async fn an_upgrade_seals_the_secrets_kept_in_clear(db: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (app, given, url) = populated_in(db, dir.path()).await;
    app.stop().await;

    // Back to how a database before sealing kept them: every value in clear, no data key,
    // no key file.
    let master =
        Key::decode(&std::fs::read_to_string(dir.path().join("master.key")).unwrap()).unwrap();
    let raw = Raw::connect(&url).await;
    let (wrapped, _) = raw
        .pairs("SELECT sealed, sealed FROM data_keys")
        .await
        .pop()
        .unwrap();
    let vault = Vault::new(&vault::unwrap_data_key(&master, &wrapped).unwrap());
    for (table, column, aad) in SEALED {
        for sealed in raw.column(table, column).await {
            let plain = vault.open(aad, &sealed).unwrap();
            raw.execute(
                &format!("UPDATE {table} SET {column} = $1 WHERE {column} = $2"),
                &[&plain, &sealed],
            )
            .await;
        }
    }
    for (id, settings) in raw.pairs("SELECT id, settings FROM user_pools").await {
        let mut json: serde_json::Value = serde_json::from_str(&settings).unwrap();
        if let Some(sealed) = json.get("WebhookSecret").and_then(|v| v.as_str()) {
            json["WebhookSecret"] = vault
                .open("user_pools.webhook_secret", sealed)
                .unwrap()
                .into();
            raw.execute(
                "UPDATE user_pools SET settings = $1 WHERE id = $2",
                &[&json.to_string(), &id],
            )
            .await;
        }
    }
    raw.execute("DELETE FROM data_keys", &[]).await;
    raw.close().await;
    std::fs::remove_file(dir.path().join("master.key")).unwrap();
    let text = dump(&url).await;
    for secret in given.plaintexts() {
        assert!(text.contains(secret), "the clear copy has {secret}");
    }

    // The next start seals them all, under a new key file, and everything still works.
    let app = restart(db, &url, dir.path(), vec![]).await;
    let text = dump(&url).await;
    for secret in given.plaintexts() {
        assert!(!text.contains(secret), "{secret} is still in clear");
    }
    for (column, value) in sealed_values(&url).await {
        assert!(value.starts_with("v1."), "{column}: {value}");
    }
    still_usable(&app, &given).await;
}

async fn rotate_master(dir: &Path, url: &str, env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(BIN);
    command
        .args(["keys", "rotate-master"])
        .env("DATABASE_URL", url)
        .env("TESSERA_DATA_DIR", dir)
        .env("RUST_LOG", "warn")
        .env_remove("TESSERA_MASTER_KEY")
        .env_remove("TESSERA_NEW_MASTER_KEY");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

async fn rotating_the_master_key_keeps_every_secret(db: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (app, given, url) = populated_in(db, dir.path()).await;
    let old = std::fs::read_to_string(dir.path().join("master.key")).unwrap();

    // The key file: a new key, and the running server goes on.
    let out = rotate_master(dir.path(), &url, &[]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let new = std::fs::read_to_string(dir.path().join("master.key")).unwrap();
    assert_ne!(old, new);
    assert!(!dir.path().join("master.key.next").exists());
    still_usable(&app, &given).await;
    let elsewhere = tempfile::tempdir().unwrap();
    refused(
        &settings(&url, elsewhere.path(), Some(old.trim())),
        "not the key of this database",
    )
    .await;
    app.stop().await;
    let app = restart(db, &url, dir.path(), vec![]).await;
    still_usable(&app, &given).await;

    // The setting: a new key must be given, then it is the key.
    let current = ("TESSERA_MASTER_KEY", new.trim());
    let out = rotate_master(elsewhere.path(), &url, &[current]).await;
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("TESSERA_NEW_MASTER_KEY"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let next = Key::generate().encode();
    let out = rotate_master(
        elsewhere.path(),
        &url,
        &[current, ("TESSERA_NEW_MASTER_KEY", &next)],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    still_usable(&app, &given).await;
    app.stop().await;
    refused(
        &settings(&url, dir.path(), None),
        "is not the key of this database",
    )
    .await;
    let app = restart(
        db,
        &url,
        elsewhere.path(),
        vec![("TESSERA_MASTER_KEY".into(), next.clone())],
    )
    .await;
    still_usable(&app, &given).await;
}

both_databases!(
    a_copy_of_the_database_holds_no_usable_secret,
    an_upgrade_seals_the_secrets_kept_in_clear,
    rotating_the_master_key_keeps_every_secret
);
