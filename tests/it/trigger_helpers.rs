//! The trigger tests' Lambda-compatible endpoint and webhook receiver: `tests/lambda/runtime.py`,
//! started once per test process, running the handlers of `tests/lambda/functions` behind the
//! Lambda Invoke API (SigV4-checked) and a Standard Webhooks receiver (signature-checked).

use crate::helpers::{AppOptions, Backend, TestApp, spawn_app_with};
use aws_sdk_cognitoidentityprovider::types::LambdaConfigType;
use serde_json::Value;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};

/// The runtime's test key pair and webhook secret (tests/lambda/runtime.py).
const ACCESS_KEY: &str = "AKIDTESSERATRIGGERS";
const SECRET_KEY: &str = "tessera-trigger-tests-secret";
/// base64 of "tessera-trigger-tests-webhook!!!".
pub const WEBHOOK_SECRET: &str = "whsec_dGVzc2VyYS10cmlnZ2VyLXRlc3RzLXdlYmhvb2shISE=";

struct Runtime {
    port: u16,
    /// Kept so that its standard input stays open: the runtime exits when this process does.
    _child: Mutex<Child>,
}

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lambda/runtime.py");
        let mut child = Command::new("python3")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs the trigger tests' Lambda endpoint (tests/lambda/runtime.py)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the Lambda endpoint did not start: {line:?}"));
        Runtime {
            port,
            _child: Mutex::new(child),
        }
    })
}

/// A transport for a trigger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    Lambda,
    Webhook,
}

/// Where `function` is reached by `via`: a Lambda ARN or the receiver's webhook URL.
pub fn target(via: Via, function: &str) -> String {
    match via {
        Via::Lambda => format!("arn:aws:lambda:eu-west-1:123456789012:function:{function}"),
        Via::Webhook => format!("http://127.0.0.1:{}/webhook/{function}", runtime().port),
    }
}

/// A server that invokes Lambda functions at the test endpoint with the test key pair, and
/// signs webhooks with the test secret.
pub async fn trigger_app(db: Backend) -> TestApp {
    let port = runtime().port;
    spawn_app_with(
        db,
        AppOptions {
            env: vec![
                (
                    "TESSERA_LAMBDA_ENDPOINT".into(),
                    format!("http://127.0.0.1:{port}"),
                ),
                ("AWS_ACCESS_KEY_ID".into(), ACCESS_KEY.into()),
                ("AWS_SECRET_ACCESS_KEY".into(), SECRET_KEY.into()),
                ("TESSERA_WEBHOOK_SECRET".into(), WEBHOOK_SECRET.into()),
            ],
            ..AppOptions::default()
        },
    )
    .await
}

/// A pool with these triggers (and email sign-up verification), its id.
pub async fn pool_with_triggers(app: &TestApp, config: LambdaConfigType) -> String {
    crate::account_helpers::pool_with(app, |b| {
        b.lambda_config(config).auto_verified_attributes(
            aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType::Email,
        )
    })
    .await
}

/// The events `function` received for `pool`, oldest first.
pub async fn events(function: &str, pool: &str) -> Vec<Value> {
    let url = format!(
        "http://127.0.0.1:{}/events/{function}?pool={pool}",
        runtime().port
    );
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

/// Both transports, for tests that run each.
pub const BOTH: [Via; 2] = [Via::Lambda, Via::Webhook];
