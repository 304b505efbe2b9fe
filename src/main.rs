//! The `tessera` command: `serve` (the default), `migrate`, `apply FILE.yaml`,
//! `backup FILE`, `restore FILE [--force]`, `admin-key create|list|revoke`,
//! `keys rotate [--pool ID]`, `keys rotate-master`,
//! `users export|import|copy-from-cognito|pending`.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tessera::clock::Clock;
use tessera::config::Settings;
use tessera::services::{admin_keys, backup, master_key};
use tessera::startup::{self, Application};

#[derive(Parser)]
#[command(
    name = "tessera",
    version,
    about = "A self-hosted user directory compatible with Amazon Cognito User Pools"
)]
struct Cli {
    /// TOML file with settings (environment variables TESSERA_* win over it).
    #[arg(long, global = true, env = "TESSERA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Create or update pools, clients, groups, resource servers and domains to match a YAML
    /// stack file (idempotent).
    Apply { file: PathBuf },
    /// Write a consistent copy of the database to a new FILE while the server keeps serving
    /// (SQLite: VACUUM INTO; PostgreSQL: pg_dump's custom format).
    Backup { file: PathBuf },
    /// Replace the configured database with the backup in FILE (SQLite: the file; PostgreSQL:
    /// pg_restore), then bring its schema up to date. Stop the servers first.
    Restore {
        file: PathBuf,
        /// Replace a database that already holds data.
        #[arg(long)]
        force: bool,
    },
    /// Manage the SigV4 access keys of the admin API.
    AdminKey {
        #[command(subcommand)]
        action: AdminKeyCommand,
    },
    /// Manage the pools' token signing keys.
    Keys {
        #[command(subcommand)]
        action: KeysCommand,
    },
    /// Move a pool's users out and in (JSON lines).
    Users {
        #[command(subcommand)]
        action: UsersCommand,
    },
    /// Read the audit trail.
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Print the records as JSON lines, oldest first.
    Export {
        /// Only records from this time on: an RFC 3339 time (2026-12-01T00:00:00Z) or a day
        /// (2026-12-01, UTC). Every record when omitted.
        #[arg(long)]
        since: Option<String>,
    },
}

/// `--since` as epoch milliseconds.
fn since_millis(text: &str) -> anyhow::Result<i64> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = time::OffsetDateTime::parse(text, &Rfc3339) {
        return Ok((t.unix_timestamp_nanos() / 1_000_000) as i64);
    }
    let day = time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| anyhow::anyhow!("--since {text}: give an RFC 3339 time or a day (YYYY-MM-DD)"))?;
    Ok(day.midnight().assume_utc().unix_timestamp() * 1000)
}

#[derive(Subcommand)]
enum KeysCommand {
    /// New ID and access token keys sign from now on; the old ones stay in the JWKS until the
    /// tokens they signed have expired.
    Rotate {
        /// Only this pool (every pool when omitted).
        #[arg(long)]
        pool: Option<String>,
    },
    /// Seals the data key of the secrets at rest under a new master key: a new key file, or
    /// TESSERA_NEW_MASTER_KEY when the master key is TESSERA_MASTER_KEY. Running nodes go on.
    RotateMaster,
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Write every user of a pool to standard output, one JSON line each, with attributes,
    /// status, groups, password hash and MFA settings; the hash and the TOTP secret sealed
    /// under KEY_FILE (created 0600 when missing), which `users import` needs.
    Export {
        #[arg(long)]
        pool: String,
        #[arg(long = "key-file")]
        key_file: PathBuf,
    },
    /// Read users from FILE (JSON lines, from `users export` or made from another system's
    /// users) into a pool; users that exist are skipped, bad lines reported.
    Import {
        file: PathBuf,
        #[arg(long)]
        pool: String,
        /// The key file of the export, when the lines hold sealed values.
        #[arg(long = "key-file")]
        key_file: Option<PathBuf>,
    },
    /// Copy every user of the pool's MigrationSource (an Amazon Cognito pool) that the pool
    /// does not have yet: attributes, status, groups, no password (it comes with each user's
    /// first sign-in).
    CopyFromCognito {
        #[arg(long)]
        pool: String,
    },
    /// List the users copied from the MigrationSource who have not signed in since.
    Pending {
        #[arg(long)]
        pool: String,
    },
}

#[derive(Subcommand)]
enum AdminKeyCommand {
    /// Create a key pair and print it once.
    Create {
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List key ids (never secrets).
    List,
    /// Delete a key pair.
    Revoke { access_key_id: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tessera: {e}");
            return ExitCode::from(2);
        }
    };
    let telemetry = tessera::telemetry::init(&settings.log_format);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => actix_web::rt::System::new().block_on(serve(settings)),
        other => tokio_runtime().and_then(|rt| rt.block_on(run_command(other, settings))),
    };
    // Export the queued spans and flush the queued log lines before the final message, so it
    // comes last.
    drop(telemetry);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tessera: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn tokio_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    return_big_buffers_to_the_system();
    let public_url = settings.public_url.clone();
    let listener = startup::bind(&settings)?;
    let app = Application::build(settings, Clock::System, listener).await?;
    if let Some(key) = &app.first_admin_key {
        println!(
            "\nNo admin key existed, so Tessera created one. It is shown once here and kept (0600) in the data directory as admin-key.txt:\n\n  AWS_ACCESS_KEY_ID={}\n  AWS_SECRET_ACCESS_KEY={}\n\nTry: aws cognito-idp list-user-pools --max-results 10 --endpoint-url {public_url} --region local\n",
            key.access_key_id,
            key.secret_access_key.expose()
        );
    }
    if let Some(operator) = &app.first_operator {
        println!(
            "\nThe admin console is at {}. Its first operator, shown once here:\n\n  username: {}\n  temporary password: {}\n\nSign in there to choose a password and set up an authenticator app.\n",
            operator.url,
            operator.username,
            operator.temporary_password.expose()
        );
    }
    let handle = app.handle();
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    actix_web::rt::spawn(async move {
        tokio::select! {
            _ = terminate.recv() => tracing::info!("SIGTERM: finishing in-flight requests, then stopping"),
            _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: finishing in-flight requests, then stopping"),
        }
        handle.stop(true).await;
    });
    println!(
        "Tessera is ready on {public_url} (listening on {})",
        app.address()
    );
    app.run_until_stopped().await?;
    Ok(())
}

async fn run_command(command: Command, settings: Settings) -> anyhow::Result<()> {
    // A backup takes the database as it is (one taken before an upgrade must restore with the
    // old version), and a restore replaces it: neither migrates it first.
    let database_url = settings.database_url.expose();
    let command = match command {
        Command::Backup { file } => {
            let backend = backup::backup_database(database_url, &file).await?;
            println!("backed up the {backend} database to {}", file.display());
            return Ok(());
        }
        Command::Restore { file, force } => {
            backup::restore(database_url, &file, force).await?;
            println!(
                "restored {} into the database; its schema is up to date",
                file.display()
            );
            return Ok(());
        }
        other => other,
    };
    let store = startup::open_store(&settings).await?;
    let now = Clock::System.now();
    match command {
        Command::Serve | Command::Backup { .. } | Command::Restore { .. } => unreachable_serve(),
        Command::Migrate => println!("database schema is up to date ({})", store.backend()),
        Command::Apply { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let stack: tessera::domain::stack::Stack = serde_saphyr::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let delivery = startup::delivery_from_settings(&settings)?;
            let services = startup::services(&settings, store.clone(), Clock::System, delivery);
            let changes = tessera::services::apply::apply(&services, stack)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            for change in changes {
                println!("{change}");
            }
        }
        Command::Keys {
            action: KeysCommand::Rotate { pool },
        } => {
            let delivery = startup::delivery_from_settings(&settings)?;
            let services = startup::services(&settings, store.clone(), Clock::System, delivery);
            let rotations = match pool {
                Some(pool_id) => vec![tessera::services::keys::rotate(&services, &pool_id).await],
                None => match tessera::services::keys::rotate_all(&services).await {
                    Ok(all) => all.into_iter().map(Ok).collect(),
                    Err(e) => vec![Err(e)],
                },
            };
            for rotation in rotations {
                let r = rotation.map_err(|e| anyhow::anyhow!("{e}"))?;
                println!(
                    "{}\tnew keys {}\tsigning from {}\told keys published until {}",
                    r.pool_id,
                    r.new_kids.join(" "),
                    r.signs_from / 1000,
                    r.publish_until / 1000
                );
            }
        }
        Command::Keys {
            action: KeysCommand::RotateMaster,
        } => {
            let new_key = std::env::var("TESSERA_NEW_MASTER_KEY").ok();
            match master_key::rotate(&store, &settings, new_key.as_deref()).await? {
                master_key::Rotated::File(path) => {
                    println!(
                        "the data key is sealed under the new key in {}",
                        path.display()
                    )
                }
                master_key::Rotated::Setting => println!(
                    "the data key is sealed under TESSERA_NEW_MASTER_KEY: set it as \
                     TESSERA_MASTER_KEY on every node before their next start"
                ),
            }
        }
        Command::Users { action } => {
            let delivery = startup::delivery_from_settings(&settings)?;
            let services = startup::services(&settings, store.clone(), Clock::System, delivery);
            users_command(&services, action).await?;
        }
        Command::Audit {
            action: AuditCommand::Export { since },
        } => {
            let since = since.as_deref().map(since_millis).transpose()?.unwrap_or(0);
            let mut out = std::io::stdout().lock();
            let mut failed = None;
            tessera::services::audit::export(&store, since, |event| {
                use std::io::Write;
                if failed.is_none()
                    && let Err(e) = serde_json::to_writer(&mut out, event)
                        .map_err(std::io::Error::from)
                        .and_then(|()| out.write_all(b"\n"))
                {
                    failed = Some(e);
                }
            })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            if let Some(e) = failed {
                anyhow::bail!("writing the records: {e}");
            }
        }
        Command::AdminKey { action } => match action {
            AdminKeyCommand::Create { description } => {
                let key = admin_keys::create(&store, &description, now)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                println!(
                    "AWS_ACCESS_KEY_ID={}\nAWS_SECRET_ACCESS_KEY={}",
                    key.access_key_id,
                    key.secret_access_key.expose()
                );
            }
            AdminKeyCommand::List => {
                for key in store.list_admin_keys().await? {
                    println!(
                        "{}\t{}\t{}",
                        key.access_key_id,
                        key.created_at / 1000,
                        key.description
                    );
                }
            }
            AdminKeyCommand::Revoke { access_key_id } => {
                if store.delete_admin_key(&access_key_id).await? {
                    println!("revoked {access_key_id}");
                } else {
                    anyhow::bail!("no admin key {access_key_id}");
                }
            }
        },
    }
    store.close().await;
    Ok(())
}

fn unreachable_serve() {}

async fn users_command(
    services: &tessera::services::Services,
    action: UsersCommand,
) -> anyhow::Result<()> {
    use tessera::crypto::vault::Vault;
    use tessera::services::user_transfer;
    match action {
        UsersCommand::Export { pool, key_file } => {
            let key = master_key::read_or_create_key_file(&key_file)?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let count = user_transfer::export(services, &pool, &Vault::new(&key), &mut out)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            std::io::Write::flush(&mut out)?;
            eprintln!("exported {count} users of {pool}");
        }
        UsersCommand::Import {
            file,
            pool,
            key_file,
        } => {
            let vault = match key_file {
                Some(path) => Some(Vault::new(&master_key::read_key_file(&path)?)),
                None => None,
            };
            let input = std::fs::File::open(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let summary = user_transfer::import(
                services,
                &pool,
                vault.as_ref(),
                std::io::BufReader::new(input),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            for (line, reason) in &summary.failed {
                eprintln!("{}:{line}: {reason}", file.display());
            }
            println!(
                "imported {}, skipped {} (existing), failed {}",
                summary.imported,
                summary.skipped,
                summary.failed.len()
            );
            if !summary.failed.is_empty() {
                anyhow::bail!("{} lines were not imported", summary.failed.len());
            }
        }
        UsersCommand::CopyFromCognito { pool } => {
            let summary = tessera::services::cognito_migration::copy_all(services, &pool)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            for (username, reason) in &summary.failed {
                eprintln!("{username}: {reason}");
            }
            println!(
                "copied {}, skipped {} (existing), failed {}",
                summary.copied,
                summary.skipped,
                summary.failed.len()
            );
            if !summary.failed.is_empty() {
                anyhow::bail!("{} users were not copied", summary.failed.len());
            }
        }
        UsersCommand::Pending { pool } => {
            for username in tessera::services::cognito_migration::pending(services, &pool)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
            {
                println!("{username}");
            }
        }
    }
    Ok(())
}

/// glibc raises its mmap threshold to the size of the largest block freed, so after the first
/// password hash every 19 MiB argon2 buffer comes from an arena heap and stays there when
/// freed: six arenas held 58 MB each (350 MB RSS) after a sign-in burst. A fixed threshold
/// keeps such buffers mmap-ed, so freeing one returns it to the system (RSS under load stays
/// under DESIGN §5's 100 MB).
fn return_big_buffers_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's tuning, which glibc allows at any time; it
    // is called once, before the server starts its threads.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}
