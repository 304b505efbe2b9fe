//! Structured logs with `tracing`: text for people, JSON for log pipelines. The level comes from
//! `RUST_LOG` (default `info`).
//!
//! Lines are formatted on the thread that logs and written to stderr in batches by a writer
//! thread ([`crate::log_writer`]), so a request never waits on a `write` to a slow terminal or
//! pipe, and a busy server makes one `write` per batch, not per line. Nothing is dropped: when
//! too much is pending, loggers wait.

use std::cell::RefCell;
use std::io::IsTerminal;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::log_writer::{Guard, Limits};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::format::{self, Writer};
use tracing_subscriber::fmt::time::FormatTime;

/// Installs the global subscriber once; later calls (tests) are ignored. Keep the guard until
/// the process ends: dropping it writes the lines still pending. Fails only if the writer
/// thread cannot be started.
pub fn init(format: &str) -> std::io::Result<Guard> {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,actix_server=warn"));
    let (writer, guard) = crate::log_writer::spawn(std::io::stderr(), Limits::default())?;
    // Colours only for a person at a terminal: escape codes are noise in a file or a journal,
    // and writing them was a sixth of the CPU of the cheapest requests (docs/performance.md).
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_timer(LogClock)
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
    Ok(guard)
}

/// RFC 3339 timestamps in UTC with microseconds (`2026-12-02T20:03:48.123456Z`, as
/// tracing-subscriber writes them), with the date and the time of day formatted once per second
/// on each thread: formatting them for every line was 4.5% of a JWKS request's instructions
/// (with the access line no longer entering its span: 52,556 → 50,367 per JWKS request).
struct LogClock;

thread_local! {
    /// The second last formatted on this thread, and its text up to the fraction.
    static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

impl FormatTime for LogClock {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let seconds = now.as_secs();
        let fraction = micros_text(now.subsec_micros());
        SECOND.with(|cell| match cell.try_borrow_mut() {
            Ok(mut cached) => {
                if cached.0 != seconds {
                    *cached = (seconds, second_text(seconds));
                }
                w.write_str(&cached.1)?;
                w.write_str(&fraction)
            }
            // Only if formatting a timestamp ever logged a line itself.
            Err(_) => {
                w.write_str(&second_text(seconds))?;
                w.write_str(&fraction)
            }
        })
    }
}

/// `2026-12-02T20:03:48.`: the timestamp of a second up to its fraction.
fn second_text(seconds: u64) -> String {
    let (year, month, day) = crate::calendar::civil_from_days((seconds / 86_400) as i64);
    let of_day = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// `123456Z`: microseconds, zero-padded, and the zone.
fn micros_text(micros: u32) -> MicrosText {
    let mut text = [b'Z'; 7];
    for (digit, place) in text.iter_mut().zip([100_000, 10_000, 1_000, 100, 10, 1]) {
        *digit = b'0' + (micros / place % 10) as u8;
    }
    MicrosText(text)
}

/// Six ASCII digits and `Z`.
struct MicrosText([u8; 7]);

impl std::ops::Deref for MicrosText {
    type Target = str;

    fn deref(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("000000Z")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_with_microseconds() {
        assert_eq!(second_text(0), "1970-01-01T00:00:00.");
        assert_eq!(second_text(1_772_528_707), "2026-03-03T09:05:07.");
        assert_eq!(second_text(951_868_799), "2000-02-29T23:59:59.");
        assert_eq!(&*micros_text(0), "000000Z");
        assert_eq!(&*micros_text(45), "000045Z");
        assert_eq!(&*micros_text(999_999), "999999Z");
    }

    #[test]
    fn the_clock_writes_now_and_reuses_the_second() {
        let mut first = String::new();
        let mut second = String::new();
        LogClock.format_time(&mut Writer::new(&mut first)).unwrap();
        LogClock.format_time(&mut Writer::new(&mut second)).unwrap();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        for text in [&first, &second] {
            assert_eq!(text.len(), "2026-12-02T20:03:48.123456Z".len(), "{text}");
            assert!(text.ends_with('Z'));
            let prefix = &text[..20];
            assert!(
                prefix == second_text(now) || prefix == second_text(now - 1),
                "{text} is not now"
            );
        }
    }
}
