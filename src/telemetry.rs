//! Structured logs with `tracing`: text for people, JSON for log pipelines. The level comes from
//! `RUST_LOG` (default `info`).
//!
//! Lines are formatted on the thread that logs and written to stderr by `tracing-appender`'s
//! non-blocking writer thread, so a request never waits on a `write` to a slow terminal or
//! pipe. Should stderr fall [`PENDING_LINES`] behind, new lines are dropped rather than
//! stalling requests.

use std::io::IsTerminal;

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::format;

/// Lines queued for the writer thread at most. tracing-appender's default (128,000) allocates
/// its whole queue up front: 4 MB of idle memory, a fifth of DESIGN §5's idle target.
pub const PENDING_LINES: usize = 8_192;

/// Installs the global subscriber once; later calls (tests) are ignored. Keep the guard until
/// the process ends: dropping it writes the lines still pending.
pub fn init(format: &str) -> WorkerGuard {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,actix_server=warn"));
    // The writer thread writes every line it finds queued, then flushes: through a buffer that
    // is one `write` per batch, not per line (stderr itself is unbuffered).
    let stderr = std::io::BufWriter::with_capacity(64 * 1024, std::io::stderr());
    let (writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(PENDING_LINES)
        .finish(stderr);
    // Colours only for a person at a terminal: escape codes are noise in a file or a journal.
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
        // Plain `name=value` fields, the message bare.
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
