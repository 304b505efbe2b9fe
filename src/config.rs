//! Settings: built-in defaults < TOML file (`--config` / `TESSERA_CONFIG`) < `TESSERA_*`
//! environment variables. The names are a contract (DESIGN §2 "Configuration names").
//! Secrets are wrapped in [`Secret`] so that `Debug` output never shows them.

use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// A value that must never be printed or logged.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The secret itself; call only where it is used, never to print it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The settings as a TOML file may give them: every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub listen: Option<String>,
    pub public_url: Option<String>,
    pub database_url: Option<Secret>,
    pub data_dir: Option<PathBuf>,
    pub region: Option<String>,
    pub auth_domain: Option<String>,
    pub smtp_url: Option<Secret>,
    pub email_from: Option<String>,
    pub sms_webhook_url: Option<Secret>,
    pub admin_keys: Option<Secret>,
    pub log_format: Option<String>,
    pub hash_concurrency: Option<usize>,
    pub hash_queue: Option<usize>,
    pub rate_limit_per_ip: Option<u32>,
    pub trust_forwarded_for: Option<bool>,
    pub import_jobs: Option<bool>,
    pub lambda_endpoint: Option<String>,
    pub webhook_secret: Option<Secret>,
    pub metrics_token: Option<Secret>,
    pub master_key: Option<Secret>,
    pub audit_retention_days: Option<u32>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub tls_dir: Option<PathBuf>,
    pub http_listen: Option<String>,
}

/// The certificate files of HTTPS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// Per-domain certificates: `{domain}.crt` and `{domain}.key` (default `{data dir}/tls`).
    pub dir: PathBuf,
}

/// The resolved settings the server runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `TESSERA_LISTEN`: address to bind, default `127.0.0.1:9339`.
    pub listen: String,
    /// `TESSERA_PUBLIC_URL`: base URL used in issuers and links, default `http://{listen}`.
    pub public_url: String,
    /// `DATABASE_URL` / `TESSERA_DATABASE_URL`: `sqlite://…` (default) or `postgres://…`.
    pub database_url: Secret,
    /// `TESSERA_DATA_DIR`: SQLite file, outbox and generated admin key, default `./data`.
    pub data_dir: PathBuf,
    /// `TESSERA_REGION`: prefix of pool ids, default `local`.
    pub region: String,
    /// `TESSERA_AUTH_DOMAIN`: parent of prefix domains.
    pub auth_domain: Option<String>,
    /// `TESSERA_SMTP_URL`: SMTP server for email; none means the file outbox.
    pub smtp_url: Option<Secret>,
    /// `TESSERA_EMAIL_FROM`: sender address, default `no-reply@{host of public url}`.
    pub email_from: String,
    /// `TESSERA_SMS_WEBHOOK_URL`: where SMS messages are POSTed; none means the outbox.
    pub sms_webhook_url: Option<Secret>,
    /// `TESSERA_ADMIN_KEYS`: `KEYID:SECRET[,KEYID:SECRET…]` admin SigV4 key pairs.
    pub admin_keys: Option<Secret>,
    /// `TESSERA_LOG_FORMAT`: `text` (default) or `json`.
    pub log_format: String,
    /// `TESSERA_HASH_CONCURRENCY`: password hashes computed at once, default: CPU count.
    pub hash_concurrency: usize,
    /// `TESSERA_HASH_QUEUE`: password hashes that may wait for a hashing thread; more are
    /// refused with TooManyRequestsException. Default 16 per hashing thread; 0: no limit.
    pub hash_queue: usize,
    /// `TESSERA_RATE_LIMIT_PER_IP`: calls per minute one client IP may make to each group of
    /// unauthenticated actions (sign-up, sign-in, recovery, confirmation), default 300;
    /// 0 turns the limit off.
    pub rate_limit_per_ip: u32,
    /// `TESSERA_TRUST_FORWARDED_FOR`: take the client IP from the last `X-Forwarded-For`
    /// entry (set it only behind a proxy that appends it), default false.
    pub trust_forwarded_for: bool,
    /// `TESSERA_IMPORT_JOBS`: whether this node runs user import jobs, default true (set it
    /// false on nodes that should only answer requests; another node must run them).
    pub import_jobs: bool,
    /// `TESSERA_LAMBDA_ENDPOINT`: where Lambda triggers are invoked (a Lambda-compatible
    /// endpoint such as `sam local start-lambda`); none means AWS's regional endpoint.
    pub lambda_endpoint: Option<url::Url>,
    /// `TESSERA_WEBHOOK_SECRET`: signs the webhook triggers of pools without a secret of
    /// their own (`whsec_…`).
    pub webhook_secret: Option<Secret>,
    /// `TESSERA_METRICS_TOKEN`: the bearer token `GET /metrics` requires (none: open).
    pub metrics_token: Option<Secret>,
    /// `TESSERA_MASTER_KEY`: the key-encryption key of the secrets at rest (32 bytes in
    /// base64); none means the key file `master.key` in the data directory.
    pub master_key: Option<Secret>,
    /// `TESSERA_AUDIT_RETENTION_DAYS`: how long audit records are kept (default 365; 0 keeps
    /// them for ever).
    pub audit_retention_days: u32,
    /// `TESSERA_TLS_CERT` and `TESSERA_TLS_KEY` (PEM files): serve HTTPS on `listen` with this
    /// certificate, and with `{tls_dir}/{domain}.crt` / `.key` for the domains found there.
    pub tls: Option<TlsFiles>,
    /// `TESSERA_HTTP_LISTEN`: with TLS on, a plain-HTTP address that redirects to HTTPS.
    pub http_listen: Option<String>,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` when the environment
    /// sets them; otherwise Lambda calls take credentials from the rest of AWS's standard
    /// chain (shared profile, container or instance role).
    pub aws_credentials: Option<AwsCredentials>,
}

/// An AWS key pair (and session token) from the environment.
#[derive(Debug, Clone)]
pub struct AwsCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
}

/// A problem with the configuration, reported before the server starts.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid configuration file {path}: {message}")]
    Parse { path: String, message: String },
    #[error("invalid setting {name}: {message}")]
    Invalid { name: &'static str, message: String },
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

impl Settings {
    /// Loads the settings from an optional TOML file and the process environment.
    pub fn load(config_file: Option<&Path>) -> Result<Settings, ConfigError> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let file_path = config_file
            .map(Path::to_path_buf)
            .or_else(|| env("TESSERA_CONFIG").map(PathBuf::from));
        let file = match file_path {
            Some(path) => read_file(&path)?,
            None => FileSettings::default(),
        };
        Self::resolve(file, env)
    }

    /// Combines file settings with an environment lookup (injected so tests need no globals).
    pub fn resolve(
        file: FileSettings,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        // An empty variable counts as unset.
        let env = |name: &str| env(name).filter(|v| !v.is_empty());
        let listen = env("TESSERA_LISTEN")
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:9339".to_string());
        let tls_cert = env("TESSERA_TLS_CERT").map(PathBuf::from).or(file.tls_cert);
        let tls_key = env("TESSERA_TLS_KEY").map(PathBuf::from).or(file.tls_key);
        let scheme = if tls_cert.is_some() { "https" } else { "http" };
        let public_url = env("TESSERA_PUBLIC_URL")
            .or(file.public_url)
            .unwrap_or_else(|| format!("{scheme}://{listen}"))
            .trim_end_matches('/')
            .to_string();
        let parsed_public = url::Url::parse(&public_url).map_err(|e| ConfigError::Invalid {
            name: "TESSERA_PUBLIC_URL",
            message: e.to_string(),
        })?;
        let data_dir = env("TESSERA_DATA_DIR")
            .map(PathBuf::from)
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("./data"));
        let tls = match (tls_cert, tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert,
                key,
                dir: env("TESSERA_TLS_DIR")
                    .map(PathBuf::from)
                    .or(file.tls_dir)
                    .unwrap_or_else(|| data_dir.join("tls")),
            }),
            (None, None) => None,
            _ => {
                return Err(ConfigError::Invalid {
                    name: "TESSERA_TLS_CERT",
                    message: "TESSERA_TLS_CERT and TESSERA_TLS_KEY go together".into(),
                });
            }
        };
        let http_listen = env("TESSERA_HTTP_LISTEN").or(file.http_listen);
        if http_listen.is_some() && tls.is_none() {
            return Err(ConfigError::Invalid {
                name: "TESSERA_HTTP_LISTEN",
                message: "redirects to HTTPS, so it needs TESSERA_TLS_CERT and TESSERA_TLS_KEY"
                    .into(),
            });
        }
        let database_url = env("DATABASE_URL")
            .or_else(|| env("TESSERA_DATABASE_URL"))
            .map(Secret::new)
            .or(file.database_url)
            .unwrap_or_else(|| {
                Secret::new(format!(
                    "sqlite://{}",
                    data_dir.join("tessera.db").to_string_lossy()
                ))
            });
        let region = env("TESSERA_REGION")
            .or(file.region)
            .unwrap_or_else(|| "local".to_string());
        if region.is_empty()
            || !region
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(ConfigError::Invalid {
                name: "TESSERA_REGION",
                message: "use letters, digits and '-' only".into(),
            });
        }
        let host = parsed_public.host_str().unwrap_or("localhost").to_string();
        let email_from = env("TESSERA_EMAIL_FROM")
            .or(file.email_from)
            .unwrap_or_else(|| format!("no-reply@{host}"));
        let hash_concurrency = match env("TESSERA_HASH_CONCURRENCY") {
            Some(v) => v.parse().map_err(|_| ConfigError::Invalid {
                name: "TESSERA_HASH_CONCURRENCY",
                message: "must be a positive number".into(),
            })?,
            None => file.hash_concurrency.unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(2)
            }),
        }
        .max(1);
        let hash_queue = match env("TESSERA_HASH_QUEUE") {
            Some(v) => v.parse().map_err(|_| ConfigError::Invalid {
                name: "TESSERA_HASH_QUEUE",
                message: "must be a number (0: no limit)".into(),
            })?,
            None => file
                .hash_queue
                .unwrap_or(hash_concurrency * crate::crypto::password::QUEUE_PER_THREAD),
        };
        let rate_limit_per_ip = match env("TESSERA_RATE_LIMIT_PER_IP") {
            Some(v) => v.parse().map_err(|_| ConfigError::Invalid {
                name: "TESSERA_RATE_LIMIT_PER_IP",
                message: "must be a number (0 turns the limit off)".into(),
            })?,
            None => file.rate_limit_per_ip.unwrap_or(300),
        };
        let trust_forwarded_for = match env("TESSERA_TRUST_FORWARDED_FOR") {
            Some(v) => parse_bool(&v).ok_or(ConfigError::Invalid {
                name: "TESSERA_TRUST_FORWARDED_FOR",
                message: "must be true or false".into(),
            })?,
            None => file.trust_forwarded_for.unwrap_or(false),
        };
        let import_jobs = match env("TESSERA_IMPORT_JOBS") {
            Some(v) => parse_bool(&v).ok_or(ConfigError::Invalid {
                name: "TESSERA_IMPORT_JOBS",
                message: "must be true or false".into(),
            })?,
            None => file.import_jobs.unwrap_or(true),
        };
        let lambda_endpoint = match env("TESSERA_LAMBDA_ENDPOINT").or(file.lambda_endpoint) {
            Some(v) => Some(
                url::Url::parse(&v)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
                    .ok_or(ConfigError::Invalid {
                        name: "TESSERA_LAMBDA_ENDPOINT",
                        message: "must be an http:// or https:// URL".into(),
                    })?,
            ),
            None => None,
        };
        let webhook_secret = env("TESSERA_WEBHOOK_SECRET")
            .map(Secret::new)
            .or(file.webhook_secret);
        if let Some(secret) = &webhook_secret {
            crate::domain::triggers::WebhookSecret::parse(secret.expose()).map_err(|message| {
                ConfigError::Invalid {
                    name: "TESSERA_WEBHOOK_SECRET",
                    message,
                }
            })?;
        }
        let master_key = env("TESSERA_MASTER_KEY")
            .filter(|k| !k.is_empty())
            .map(Secret::new)
            .or(file.master_key);
        if let Some(key) = &master_key {
            crate::crypto::vault::Key::decode(key.expose()).map_err(|message| {
                ConfigError::Invalid {
                    name: "TESSERA_MASTER_KEY",
                    message: message.into(),
                }
            })?;
        }
        let aws_credentials = match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
            (Some(access_key_id), Some(secret)) => Some(AwsCredentials {
                access_key_id,
                secret_access_key: Secret::new(secret),
                session_token: env("AWS_SESSION_TOKEN").map(Secret::new),
            }),
            _ => None,
        };
        Ok(Settings {
            listen,
            public_url,
            database_url,
            data_dir,
            region,
            auth_domain: env("TESSERA_AUTH_DOMAIN").or(file.auth_domain),
            smtp_url: env("TESSERA_SMTP_URL").map(Secret::new).or(file.smtp_url),
            email_from,
            sms_webhook_url: env("TESSERA_SMS_WEBHOOK_URL")
                .map(Secret::new)
                .or(file.sms_webhook_url),
            admin_keys: env("TESSERA_ADMIN_KEYS")
                .map(Secret::new)
                .or(file.admin_keys),
            log_format: env("TESSERA_LOG_FORMAT")
                .or(file.log_format)
                .unwrap_or_else(|| "text".into()),
            hash_concurrency,
            hash_queue,
            rate_limit_per_ip,
            trust_forwarded_for,
            import_jobs,
            lambda_endpoint,
            webhook_secret,
            master_key,
            tls,
            http_listen,
            audit_retention_days: match env("TESSERA_AUDIT_RETENTION_DAYS") {
                Some(v) => v.parse().map_err(|_| ConfigError::Invalid {
                    name: "TESSERA_AUDIT_RETENTION_DAYS",
                    message: "must be a whole number of days".into(),
                })?,
                None => file.audit_retention_days.unwrap_or(365),
            },
            metrics_token: env("TESSERA_METRICS_TOKEN")
                .filter(|t| !t.is_empty())
                .map(Secret::new)
                .or(file.metrics_token),
            aws_credentials,
        })
    }

    /// Parses `TESSERA_ADMIN_KEYS` into (key id, secret) pairs.
    pub fn admin_key_pairs(&self) -> Result<Vec<(String, Secret)>, ConfigError> {
        let Some(keys) = &self.admin_keys else {
            return Ok(Vec::new());
        };
        keys.expose()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|pair| match pair.split_once(':') {
                Some((id, secret)) if !id.is_empty() && !secret.is_empty() => {
                    Ok((id.to_string(), Secret::new(secret)))
                }
                _ => Err(ConfigError::Invalid {
                    name: "TESSERA_ADMIN_KEYS",
                    message: "expected KEYID:SECRET[,KEYID:SECRET…]".into(),
                }),
            })
            .collect()
    }
}

fn read_file(path: &Path) -> Result<FileSettings, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.display().to_string(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_give_a_working_server() {
        let s = Settings::resolve(FileSettings::default(), env_of(&[])).unwrap();
        assert_eq!(s.listen, "127.0.0.1:9339");
        assert_eq!(s.public_url, "http://127.0.0.1:9339");
        assert_eq!(s.database_url.expose(), "sqlite://./data/tessera.db");
        assert_eq!(s.region, "local");
        assert_eq!(s.email_from, "no-reply@127.0.0.1");
    }

    #[test]
    fn environment_wins_over_file() {
        let file: FileSettings =
            toml::from_str("listen = \"0.0.0.0:1\"\nregion = \"eu-west-1\"").unwrap();
        let s = Settings::resolve(file, env_of(&[("TESSERA_LISTEN", "127.0.0.1:2")])).unwrap();
        assert_eq!(s.listen, "127.0.0.1:2");
        assert_eq!(s.region, "eu-west-1");
    }

    #[test]
    fn secrets_are_not_printed() {
        let s = Settings::resolve(
            FileSettings::default(),
            env_of(&[("TESSERA_ADMIN_KEYS", "AKID:supersecret")]),
        )
        .unwrap();
        assert!(!format!("{s:?}").contains("supersecret"));
        assert_eq!(s.admin_key_pairs().unwrap()[0].0, "AKID");
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        assert!(toml::from_str::<FileSettings>("lisen = \"x\"").is_err());
    }
}
