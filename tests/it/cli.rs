//! The `tessera` binary itself: zero-configuration start, the admin key made on first start
//! (printed once, stored 0600), readiness, graceful stop on SIGTERM, `migrate` and `admin-key`.

use crate::both_databases;
use crate::helpers::{Backend, fresh_database_url, sdk_client, wait_until};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tessera");

struct Server {
    child: Child,
    stdout: Vec<String>,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `tessera serve` on a port it picks itself and waits until it prints that it is
/// ready, and where it listens.
fn start(dir: &std::path::Path, database_url: &str) -> Server {
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .arg("serve")
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TESSERA_LISTEN", "127.0.0.1:0")
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stdout = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let ready = line.starts_with("Tessera is ready");
        stdout.push(line);
        if ready {
            break;
        }
    }
    eprintln!("start to ready: {:?}", started.elapsed());
    let listening = stdout
        .iter()
        .find(|l| l.starts_with("Tessera is ready"))
        .and_then(|l| l.split("(listening on ").nth(1)?.strip_suffix(')'))
        .unwrap_or_else(|| panic!("no ready line with the address: {stdout:?}"))
        .to_string();
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server {
        child,
        stdout,
        address: format!("http://{listening}"),
    }
}

fn key_from(lines: &[String]) -> Option<(String, String)> {
    let find = |prefix: &str| {
        lines
            .iter()
            .find_map(|l| l.trim().strip_prefix(prefix).map(str::to_string))
    };
    Some((find("AWS_ACCESS_KEY_ID=")?, find("AWS_SECRET_ACCESS_KEY=")?))
}

async fn first_start_creates_an_admin_key(db: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(db, dir.path()).await;
    let server = start(dir.path(), &url);
    let (key_id, secret) = key_from(&server.stdout).expect("the first start prints a key");
    // And the console's first operator, once.
    assert!(
        server
            .stdout
            .iter()
            .any(|l| l.trim().starts_with("temporary password: ")),
        "{:?}",
        server.stdout
    );
    let file = dir.path().join("data/admin-key.txt");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(&key_id) && text.contains(&secret));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let client = sdk_client(&server.address, &key_id, &secret);
    client
        .create_user_pool()
        .pool_name("cli")
        .send()
        .await
        .unwrap();
    let ready = reqwest::get(format!("{}/ready", server.address))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    drop(server);

    // A second start finds the key and prints none; the pool is still there.
    let server = start(dir.path(), &url);
    assert!(key_from(&server.stdout).is_none(), "{:?}", server.stdout);
    assert!(
        !server
            .stdout
            .iter()
            .any(|l| l.contains("temporary password")),
        "{:?}",
        server.stdout
    );
    let pools = sdk_client(&server.address, &key_id, &secret)
        .list_user_pools()
        .max_results(10)
        .send()
        .await
        .unwrap();
    // The pool, and the console's operators' pool.
    assert_eq!(pools.user_pools().len(), 2);
}

async fn sigterm_stops_gracefully(db: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(db, dir.path()).await;
    let mut server = start(dir.path(), &url);
    let pid = server.child.id();
    let killed = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(killed.success());
    let mut status = None;
    wait_until(
        "the server stops after SIGTERM",
        Duration::from_secs(15),
        || {
            status = server.child.try_wait().unwrap();
            std::future::ready(status.is_some())
        },
    )
    .await;
    let status = status.unwrap();
    assert!(status.success(), "exit status {status:?}");
}

async fn admin_key_commands(db: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(db, dir.path()).await;
    let run = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(args)
            .current_dir(dir.path())
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    let (ok, out) = run(&["migrate"]);
    assert!(ok, "{out}");
    let (ok, out) = run(&["admin-key", "create", "--description", "ci"]);
    assert!(ok);
    let lines: Vec<String> = out.lines().map(str::to_string).collect();
    let (key_id, secret) = key_from(&lines).unwrap();
    let (ok, listed) = run(&["admin-key", "list"]);
    assert!(ok && listed.contains(&key_id) && listed.contains("ci"));
    assert!(!listed.contains(&secret), "list must never show secrets");

    let server = start(dir.path(), &url);
    assert!(
        key_from(&server.stdout).is_none(),
        "a key exists, so none is generated"
    );
    let client = sdk_client(&server.address, &key_id, &secret);
    client
        .list_user_pools()
        .max_results(1)
        .send()
        .await
        .unwrap();

    let (ok, _) = run(&["admin-key", "revoke", &key_id]);
    assert!(ok);
    let result = client.list_user_pools().max_results(1).send().await;
    crate::assert_aws_error!(result, "UnrecognizedClientException");
    let (ok, _) = run(&["admin-key", "revoke", &key_id]);
    assert!(!ok, "revoking an unknown key fails");
}

async fn bad_configuration_fails_clearly(_db: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .arg("serve")
        .current_dir(dir.path())
        .env("TESSERA_REGION", "bad region!")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("TESSERA_REGION"));
    std::fs::write(dir.path().join("t.toml"), "lisen = 1").unwrap();
    let out = Command::new(BIN)
        .args(["--config", "t.toml", "migrate"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("t.toml"));
}

both_databases!(
    first_start_creates_an_admin_key,
    sigterm_stops_gracefully,
    admin_key_commands,
    bad_configuration_fails_clearly,
);
