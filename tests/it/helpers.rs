//! Boots the real server for a test: on a listener the test bound to port 0 (so its address,
//! and `TESSERA_PUBLIC_URL`, are known before it starts), a fresh database (SQLite file in a
//! temporary directory, or a new PostgreSQL database), a local SMTP sink, a fixed clock, and a
//! known admin key; and builds the clients that talk to it.

use aws_sdk_cognitoidentityprovider as cognito;
use cognito::config::{BehaviorVersion, Credentials, Region};
use std::sync::OnceLock;
use std::time::Duration;
use tessera::clock::Clock;
use tessera::config::{FileSettings, Settings};
use tessera::services::Services;
use tessera::startup::Application;

pub use crate::sms_sink::SmsSink;
pub use crate::smtp_sink::SmtpSink;

pub const ADMIN_KEY_ID: &str = "AKIATESSERATEST00001";
pub const ADMIN_SECRET: &str = "tessera-test-secret-key-0000000000000000";

/// Which database a test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one `#[tokio::test]` per backend for each named `async fn(Backend)`. The
/// PostgreSQL half passes without running when no server is configured (see
/// [`postgres_configured`]).
#[macro_export]
macro_rules! both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let test = concat!(module_path!(), "::", stringify!($name));
                    if $crate::helpers::postgres_configured(test) {
                        super::$name($crate::helpers::Backend::Postgres).await
                    }
                }
            )*
        }
    };
}

/// A running server and the clients for it.
pub struct TestApp {
    pub address: String,
    pub port: u16,
    /// AWS SDK client signing with the admin key.
    pub cognito: cognito::Client,
    /// Plain HTTP client for raw requests.
    pub http: reqwest::Client,
    pub services: Services,
    pub smtp: SmtpSink,
    /// Receives what the server sends to its SMS webhook.
    pub sms: SmsSink,
    pub database_url: String,
    pub data_dir: std::path::PathBuf,
    /// The console's first operator (username, temporary password), when this start made one.
    pub first_operator: Option<(String, String)>,
    handle: actix_web::dev::ServerHandle,
    /// Fires once the server has stopped and closed its store.
    stopped: Option<tokio::sync::oneshot::Receiver<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop command now; the server thread finishes on its own.
        drop(self.handle.stop(false));
    }
}

impl TestApp {
    /// `TESSERA_MASTER_KEY` set to this server's master key (its key file), as another node on
    /// its database, or a server on a restored copy of it, is given it.
    pub fn master_key_setting(&self) -> (String, String) {
        let key = std::fs::read_to_string(self.data_dir.join("master.key")).unwrap();
        ("TESSERA_MASTER_KEY".into(), key.trim().to_string())
    }

    /// Stops the server and waits until it has closed its store, so another server can take
    /// over the same database (restart tests).
    pub async fn stop(mut self) {
        self.handle.stop(false).await;
        let stopped = self.stopped.take().expect("stopped once");
        tokio::time::timeout(Duration::from_secs(30), stopped)
            .await
            .expect("the server did not stop within 30 s")
            .expect("the server thread ended without closing the store");
    }
}

/// Options for [`spawn_app_with`].
#[derive(Default)]
pub struct AppOptions {
    /// Reuse this database URL and data directory (restart tests).
    pub database_url: Option<String>,
    pub data_dir: Option<std::path::PathBuf>,
    /// Extra environment-style settings.
    pub env: Vec<(String, String)>,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, AppOptions::default()).await
}

/// Starts a server on a port of its own. `TESSERA_PUBLIC_URL` defaults to its real address
/// (`options.env` may set another).
pub async fn spawn_app_with(backend: Backend, options: AppOptions) -> TestApp {
    let (dir, data_dir) = match options.data_dir {
        Some(d) => (None, d),
        None => {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().to_path_buf();
            (Some(dir), path)
        }
    };
    let database_url = match options.database_url {
        Some(url) => url,
        None => match backend {
            Backend::Sqlite => format!("sqlite://{}", data_dir.join("tessera.db").display()),
            Backend::Postgres => fresh_postgres_database().await,
        },
    };
    let smtp = SmtpSink::start();
    let sms = SmsSink::start();
    // Bound here and handed to the server: the port is ours from now on, and the address is
    // known before the server starts.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bound = listener.local_addr().unwrap();
    let mut env: Vec<(String, String)> = vec![
        // The address served on, and so the default PUBLIC_URL (`http://{listen}`).
        ("TESSERA_LISTEN".into(), bound.to_string()),
        ("DATABASE_URL".into(), database_url.clone()),
        ("TESSERA_DATA_DIR".into(), data_dir.display().to_string()),
        ("TESSERA_SMTP_URL".into(), smtp.url()),
        ("TESSERA_SMS_WEBHOOK_URL".into(), sms.url()),
        (
            "TESSERA_EMAIL_FROM".into(),
            "Tessera <no-reply@tessera.test>".into(),
        ),
        (
            "TESSERA_ADMIN_KEYS".into(),
            format!("{ADMIN_KEY_ID}:{ADMIN_SECRET}"),
        ),
        ("TESSERA_HASH_CONCURRENCY".into(), "2".into()),
    ];
    env.extend(options.env);
    let lookup = move |name: &str| {
        env.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let settings = Settings::resolve(FileSettings::default(), lookup).unwrap();
    let clock = Clock::fixed(Clock::System.now());
    let (tx, rx) = std::sync::mpsc::channel();
    let (stopped_tx, stopped) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = match Application::build(settings, clock, listener).await {
                Ok(app) => app,
                Err(e) => {
                    tx.send(Err(format!("{e:#}"))).unwrap();
                    return;
                }
            };
            let operator = app.first_operator.as_ref().map(|o| {
                (
                    o.username.clone(),
                    o.temporary_password.expose().to_string(),
                )
            });
            tx.send(Ok((app.services().clone(), app.handle(), operator)))
                .unwrap();
            app.run_until_stopped().await.unwrap();
            let _ = stopped_tx.send(());
        });
    });
    let (services, handle, first_operator) =
        tokio::task::spawn_blocking(move || rx.recv().unwrap())
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("server did not start: {e}"));
    let port = bound.port();
    let address = format!("http://{bound}");
    TestApp {
        cognito: sdk_client(&address, ADMIN_KEY_ID, ADMIN_SECRET),
        http: reqwest::Client::new(),
        address,
        port,
        services,
        smtp,
        sms,
        database_url,
        data_dir,
        first_operator,
        handle,
        stopped: Some(stopped),
        _dir: dir,
    }
}

/// Waits until `condition` holds, trying again every 10 ms; panics after `timeout`, saying
/// what was awaited.
pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    while !condition().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "still waiting after {timeout:?} until {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// An AWS SDK client for the server at `address`, signing with the given key pair.
pub fn sdk_client(address: &str, key_id: &str, secret: &str) -> cognito::Client {
    let config = cognito::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("local"))
        .credentials_provider(Credentials::new(
            key_id,
            secret,
            None,
            None,
            "tessera-tests",
        ))
        .endpoint_url(address)
        .retry_config(cognito::config::retry::RetryConfig::disabled())
        .build();
    cognito::Client::from_conf(config)
}

impl TestApp {
    /// Sends a raw JSON API request (no signature) and returns status and parsed body.
    pub async fn raw(&self, action: &str, body: &str) -> (u16, serde_json::Value) {
        let response = self
            .http
            .post(&self.address)
            .header("content-type", "application/x-amz-json-1.1")
            .header(
                "x-amz-target",
                format!("AWSCognitoIdentityProviderService.{action}"),
            )
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }

    /// DescribeUserPool, unwrapped.
    pub async fn describe_pool(&self, id: &str) -> cognito::types::UserPoolType {
        self.cognito
            .describe_user_pool()
            .user_pool_id(id)
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap()
    }

    /// Creates a pool with default settings and returns its id.
    pub async fn create_pool(&self, name: &str) -> String {
        self.cognito
            .create_user_pool()
            .pool_name(name)
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap()
            .id
            .unwrap()
    }
}

/// The `__type` of an SDK error (e.g. `ResourceNotFoundException`).
pub fn error_code<E, R>(e: &cognito::error::SdkError<E, R>) -> String
where
    E: cognito::error::ProvideErrorMetadata,
{
    match e {
        cognito::error::SdkError::ServiceError(s) => s.err().code().unwrap_or("<none>").to_string(),
        other => format!("not a service error: {other}"),
    }
}

/// The error message of an SDK error.
pub fn error_message<E, R>(e: &cognito::error::SdkError<E, R>) -> String
where
    E: cognito::error::ProvideErrorMetadata,
{
    match e {
        cognito::error::SdkError::ServiceError(s) => {
            s.err().message().unwrap_or_default().to_string()
        }
        _ => String::new(),
    }
}

/// Asserts that an SDK call failed with the given `__type`.
#[macro_export]
macro_rules! assert_aws_error {
    ($result:expr, $code:expr) => {{
        match $result {
            Ok(_) => panic!("expected {} but the call succeeded", $code),
            Err(e) => {
                let code = $crate::helpers::error_code(&e);
                assert_eq!(
                    code,
                    $code,
                    "message: {}",
                    $crate::helpers::error_message(&e)
                );
                $crate::helpers::error_message(&e)
            }
        }
    }};
}

/// Whether the PostgreSQL half can run: `TESSERA_TEST_POSTGRES_URL` (set by tests/run.sh)
/// names a server. Without it the `test` says on stderr that it was skipped, and passes; under
/// `CI=true` it fails instead, since CI must run both halves.
pub fn postgres_configured(test: &str) -> bool {
    use std::io::Write;
    if std::env::var_os("TESSERA_TEST_POSTGRES_URL").is_some() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "TESSERA_TEST_POSTGRES_URL is not set, and under CI=true the PostgreSQL half must run: \
         run the suite with `bash tests/run.sh`, which starts PostgreSQL"
    );
    // Straight to stderr, past the test harness's capture, so it shows in a passing run.
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "\nWARNING: TESSERA_TEST_POSTGRES_URL is not set: the PostgreSQL half of the \
             integration tests is SKIPPED (each `postgres::` test passes without running).\n\
             `bash tests/run.sh` starts PostgreSQL and runs both halves.\n"
        );
    });
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED (no TESSERA_TEST_POSTGRES_URL): {test}"
    );
    false
}

/// The PostgreSQL server URL for tests (`TESSERA_TEST_POSTGRES_URL`, set by tests/run.sh).
fn postgres_admin_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        std::env::var("TESSERA_TEST_POSTGRES_URL").unwrap_or_else(|_| {
            panic!(
                "TESSERA_TEST_POSTGRES_URL is not set: run the suite with `bash tests/run.sh`, \
                 which starts PostgreSQL, or point it at a server where the user may create databases"
            )
        })
    })
}

/// A database URL for a test that runs the binary itself: an SQLite file under `dir/data`, or
/// a fresh PostgreSQL database.
pub async fn fresh_database_url(backend: Backend, dir: &std::path::Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.join("data/tessera.db").display()),
        Backend::Postgres => fresh_postgres_database().await,
    }
}

/// Creates an empty database for one test and returns its URL.
async fn fresh_postgres_database() -> String {
    use sqlx::Connection;
    let admin = postgres_admin_url();
    let name = format!("tessera_t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let mut url = url::Url::parse(admin).unwrap();
    url.set_path(&name);
    url.to_string()
}

/// An SDK interceptor that replaces the request body before it is signed, so tests can send
/// correctly signed requests the SDK itself would refuse to build (missing members, unknown
/// members, wrong types).
#[derive(Debug, Clone)]
pub struct ReplaceBody(pub String);

impl cognito::config::Intercept for ReplaceBody {
    fn name(&self) -> &'static str {
        "ReplaceBody"
    }

    fn modify_before_signing(
        &self,
        context: &mut cognito::config::interceptors::BeforeTransmitInterceptorContextMut<'_>,
        _components: &cognito::config::RuntimeComponents,
        _cfg: &mut cognito::config::ConfigBag,
    ) -> Result<(), cognito::error::BoxError> {
        let request = context.request_mut();
        let len = self.0.len().to_string();
        request.headers_mut().insert("content-length", len);
        *request.body_mut() = aws_smithy_types::body::SdkBody::from(self.0.clone());
        Ok(())
    }
}
