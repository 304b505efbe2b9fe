//! Structured logs with `tracing`: text for people, JSON for log pipelines. The level comes from
//! `RUST_LOG` (default `info`).
//!
//! Lines are formatted on the thread that logs and written to stderr by a writer thread
//! (`tracing-appender`), so a request never waits on a `write` to a slow terminal or pipe. The
//! queue is not lossy: when it is full, loggers wait rather than drop lines. The writer thread
//! takes every line queued before it writes and flushes once per batch (stderr itself is
//! unbuffered: a `write` per line was a system call per request under load).

use std::io::IsTerminal;
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::format;

/// Installs the global subscriber once; later calls (tests) are ignored. Keep the guard until
/// the process ends: dropping it flushes the lines still queued.
pub fn init(format: &str) -> WorkerGuard {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,actix_server=warn"));
    // The queue's slots are allocated up front: the default 128,000 lines took 4 MB of an idle
    // server's memory; 4,096 lines is plenty for a writer that only writes to stderr.
    let (writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(4096)
        .lossy(false)
        .thread_name("tessera-log")
        .finish(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stderr(),
        ));
    // Colours only for a person at a terminal: escape codes are noise in a file or a journal,
    // and writing them was a sixth of the CPU of the cheapest requests (docs/performance.md).
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(writer);
    let _ = if format == "json" {
        builder.json().try_init()
    } else if colour {
        builder.try_init()
    } else {
        // Plain `name=value` fields, the message bare: the default field formatter paints
        // every name through nu-ansi-term even with colours off (8% of a JWKS request).
        let plain = format::debug_fn(|w, field, value| {
            if field.name() == "message" {
                write!(w, "{value:?}")
            } else {
                write!(w, "{field}={value:?}")
            }
        })
        .delimited(" ");
        builder.fmt_fields(plain).try_init()
    };
    guard
}

/// Runs blocking work (password hashing) on the blocking pool while keeping the caller's span,
/// so the request id stays on its log lines.
pub async fn spawn_blocking_in_span<F, R>(f: F) -> Result<R, tokio::task::JoinError>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f)).await
}
