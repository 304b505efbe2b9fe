//! Structured logs with `tracing`: text for people, JSON for log pipelines. The level comes from
//! `RUST_LOG` (default `info`). With an OTLP endpoint in the environment, the same spans also go
//! out as OpenTelemetry traces ([`otel`]).
//!
//! Lines are formatted on the thread that logs and written to stderr by `tracing-appender`'s
//! non-blocking writer thread, so a request never waits on a `write` to a slow terminal or
//! pipe. Should stderr fall [`PENDING_LINES`] behind, new lines are dropped rather than
//! stalling requests.

pub mod otel;

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing::Subscriber;
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::format;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::{SubscriberInitExt, TryInitError};

/// Lines queued for the writer thread at most. tracing-appender's default (128,000) allocates
/// its whole queue up front: 4 MB of idle memory, a fifth of DESIGN §5's idle target.
pub const PENDING_LINES: usize = 8_192;

/// Set once `init` has installed the OpenTelemetry layer.
static TRACES: AtomicBool = AtomicBool::new(false);

/// Whether spans go out as OpenTelemetry traces. The request middleware asks before any
/// OpenTelemetry work, so with traces off a request pays this one load.
#[inline]
pub fn traces_on() -> bool {
    TRACES.load(Ordering::Relaxed)
}

/// What `init` started that must finish at exit. Dropping it exports the spans still queued,
/// then writes the lines still pending.
pub struct Guard {
    traces: Option<SdkTracerProvider>,
    _log_writer: WorkerGuard,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(provider) = self.traces.take()
            && let Err(e) = provider.shutdown()
        {
            tracing::warn!(cause = %e, "OpenTelemetry: spans left unexported at exit");
        }
    }
}

/// Installs the global subscriber once; later calls (tests) are ignored. Keep the guard until
/// the process ends. Call it before starting an async runtime (the OTLP exporter's blocking
/// HTTP client runs one of its own).
pub fn init(format: &str) -> Guard {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,actix_server=warn"));
    // The writer thread writes every line it finds queued, then flushes: through a buffer that
    // is one `write` per batch, not per line (stderr itself is unbuffered).
    let stderr = std::io::BufWriter::with_capacity(64 * 1024, std::io::stderr());
    let (writer, log_writer) = NonBlockingBuilder::default()
        .buffered_lines_limit(PENDING_LINES)
        .finish(stderr);
    let traces = otel::wanted().then(otel::provider);
    let tracer = match &traces {
        Some(Ok((_, tracer))) => Some(tracer.clone()),
        _ => None,
    };
    // Colours only for a person at a terminal: escape codes are noise in a file or a journal.
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(writer);
    let installed = if format == "json" {
        install(builder.json().finish(), tracer)
    } else if colour {
        install(builder.finish(), tracer)
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
        install(builder.fmt_fields(plain).finish(), tracer)
    };
    let traces = match traces {
        Some(Ok((provider, _))) if installed.is_ok() => {
            TRACES.store(true, Ordering::Relaxed);
            tracing::info!("OpenTelemetry: exporting traces over OTLP/HTTP");
            Some(provider)
        }
        Some(Err(e)) => {
            tracing::error!(cause = %e, "OpenTelemetry: traces are off");
            None
        }
        _ => None,
    };
    Guard {
        traces,
        _log_writer: log_writer,
    }
}

/// Installs `subscriber` as the global default, with the OpenTelemetry layer on top when there
/// is a tracer (without one, nothing of OpenTelemetry is in the way of a log line).
fn install<S>(subscriber: S, tracer: Option<SdkTracer>) -> Result<(), TryInitError>
where
    S: Subscriber + for<'span> LookupSpan<'span> + Send + Sync + 'static,
{
    match tracer {
        Some(tracer) => subscriber
            .with(tracing_opentelemetry::layer().with_tracer(tracer))
            .try_init(),
        None => subscriber.try_init(),
    }
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
