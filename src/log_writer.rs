//! The writer thread behind the logs. A logger appends its formatted line to one shared buffer
//! (a lock held for a copy); the thread takes the whole buffer a few milliseconds after its
//! first line, or at once when it has grown to [`Limits::wake_at`], and writes it with one call.
//!
//! This replaces a queue of one allocated `String` per line with a wake-up of the writer thread
//! per line: under load that wake-up (a futex call, then a context switch on a two-core machine)
//! cost more than formatting the line (docs/performance.md). Now a busy server wakes its writer
//! at most once per batch, and an idle one not at all.
//!
//! Nothing is dropped: while [`Limits::most`] bytes wait to be written, loggers wait for room.
//! Lines reach the sink in the order they were appended, each whole. Dropping the [`Guard`]
//! writes what is pending and ends the thread; lines logged after that are discarded.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tracing_subscriber::fmt::MakeWriter;

/// When the writer thread writes.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// How long the first line of a batch waits for others.
    pub linger: Duration,
    /// A batch this large (bytes) is written without waiting for the rest of the linger.
    pub wake_at: usize,
    /// Loggers wait while this many bytes are pending.
    pub most: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            linger: Duration::from_millis(5),
            wake_at: 64 * 1024,
            most: 4 * 1024 * 1024,
        }
    }
}

struct State {
    pending: Vec<u8>,
    /// The writer thread sleeps with nothing pending: the next line must wake it.
    idle: bool,
    /// The guard was dropped: write what is pending, then stop.
    closing: bool,
    /// The thread has stopped; nothing more will be written.
    finished: bool,
}

struct Shared {
    state: Mutex<State>,
    /// Wakes the writer thread (a first line, a full batch, closing).
    writer: Condvar,
    /// Wakes loggers waiting for room.
    room: Condvar,
    limits: Limits,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves a byte buffer, never a broken invariant.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn append(&self, line: &[u8]) {
        let mut state = self.lock();
        while state.pending.len() >= self.limits.most && !state.closing {
            state = self
                .room
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if state.finished {
            return;
        }
        let before = state.pending.len();
        state.pending.extend_from_slice(line);
        let wake = state.idle
            || (before < self.limits.wake_at && state.pending.len() >= self.limits.wake_at);
        state.idle = false;
        drop(state);
        if wake {
            self.writer.notify_one();
        }
    }

    /// The next batch, swapped into `batch` (which must be empty); `false` once closed and
    /// everything is written.
    fn next_batch(&self, batch: &mut Vec<u8>) -> bool {
        let mut state = self.lock();
        while state.pending.is_empty() && !state.closing {
            state.idle = true;
            state = self
                .writer
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.idle = false;
        if state.pending.is_empty() {
            state.finished = true;
            return false;
        }
        let deadline = Instant::now() + self.limits.linger;
        while !state.closing && state.pending.len() < self.limits.wake_at {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            state = self
                .writer
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        std::mem::swap(&mut state.pending, batch);
        drop(state);
        self.room.notify_all();
        true
    }
}

/// Hands out line writers to `tracing-subscriber`; cheap to clone.
#[derive(Clone)]
pub struct BatchWriter {
    shared: Arc<Shared>,
}

/// Writes what is pending and ends the writer thread when dropped.
pub struct Guard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// Starts the writer thread over `sink`.
pub fn spawn<W: Write + Send + 'static>(
    sink: W,
    limits: Limits,
) -> std::io::Result<(BatchWriter, Guard)> {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            pending: Vec::with_capacity(limits.wake_at),
            idle: false,
            closing: false,
            finished: false,
        }),
        writer: Condvar::new(),
        room: Condvar::new(),
        limits,
    });
    let thread = {
        let shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("tessera-log".into())
            .spawn(move || run(&shared, sink))?
    };
    Ok((
        BatchWriter {
            shared: Arc::clone(&shared),
        },
        Guard {
            shared,
            thread: Some(thread),
        },
    ))
}

/// Whatever ends the writer thread (a sink that panics included), loggers must not wait for it.
struct Finished<'a>(&'a Shared);

impl Drop for Finished<'_> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.closing = true;
        state.finished = true;
        state.pending.clear();
        drop(state);
        self.0.room.notify_all();
    }
}

fn run<W: Write>(shared: &Shared, mut sink: W) {
    let _finished = Finished(shared);
    let mut batch = Vec::with_capacity(shared.limits.wake_at);
    while shared.next_batch(&mut batch) {
        // A sink that fails (stderr closed) loses its lines; logging must not stop the server.
        let _ = sink.write_all(&batch).and_then(|()| sink.flush());
        batch.clear();
        // A burst may have grown the buffer far beyond a normal batch: give that memory back.
        if batch.capacity() > 4 * shared.limits.wake_at {
            batch.shrink_to(shared.limits.wake_at);
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.shared.lock().closing = true;
        self.shared.writer.notify_one();
        self.shared.room.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One logger's handle: each `write` appends whole (tracing-subscriber writes a line with one
/// `write_all`, so lines never interleave).
pub struct Line<'a> {
    shared: &'a Shared,
}

impl Write for Line<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.shared.append(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchWriter {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Line<'a> {
        Line {
            shared: &self.shared,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink that keeps what it is given and counts its writes, optionally slowly.
    #[derive(Clone, Default)]
    struct Sink {
        written: Arc<Mutex<Vec<u8>>>,
        writes: Arc<Mutex<usize>>,
        delay: Duration,
    }

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            std::thread::sleep(self.delay);
            *self.writes.lock().unwrap() += 1;
            self.written.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn log(writer: &BatchWriter, line: &str) {
        writer.make_writer().write_all(line.as_bytes()).unwrap();
    }

    #[test]
    fn every_line_is_written_whole_and_in_order_per_thread() {
        let sink = Sink::default();
        let (writer, guard) = spawn(sink.clone(), Limits::default()).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    for i in 0..5_000 {
                        log(
                            &writer,
                            &format!("thread {t} line {i} {}\n", "x".repeat(i % 97)),
                        );
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        drop(guard);
        let written = String::from_utf8(sink.written.lock().unwrap().clone()).unwrap();
        let mut next = [0usize; 4];
        for line in written.lines() {
            let words: Vec<&str> = line.split(' ').collect();
            let (t, i): (usize, usize) = (words[1].parse().unwrap(), words[3].parse().unwrap());
            assert_eq!(i, next[t], "thread {t} out of order");
            assert_eq!(words[4].len(), i % 97, "line cut: {line}");
            next[t] += 1;
        }
        assert_eq!(next, [5_000; 4]);
        // Batched: far fewer writes than lines.
        assert!(*sink.writes.lock().unwrap() < 20_000 / 10);
    }

    #[test]
    fn a_lone_line_is_written_without_waiting_for_more() {
        let sink = Sink::default();
        let (writer, _guard) = spawn(sink.clone(), Limits::default()).unwrap();
        log(&writer, "hello\n");
        let started = Instant::now();
        while sink.written.lock().unwrap().is_empty() {
            assert!(started.elapsed() < Duration::from_secs(10), "never written");
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(&*sink.written.lock().unwrap(), b"hello\n");
    }

    #[test]
    fn a_slow_sink_makes_loggers_wait_instead_of_dropping_lines() {
        let sink = Sink {
            delay: Duration::from_millis(20),
            ..Sink::default()
        };
        let limits = Limits {
            linger: Duration::from_millis(1),
            wake_at: 64,
            most: 256,
        };
        let (writer, guard) = spawn(sink.clone(), limits).unwrap();
        let line = format!("{}\n", "y".repeat(99));
        for _ in 0..50 {
            log(&writer, &line);
            // Never more than the limit plus one line waits in memory.
            assert!(writer.shared.lock().pending.len() <= 256 + line.len());
        }
        drop(guard);
        assert_eq!(sink.written.lock().unwrap().len(), 50 * line.len());
    }

    /// A sink that panics at its first write.
    struct Broken;

    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            panic!("broken sink")
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn loggers_never_wait_for_a_writer_thread_that_died() {
        let limits = Limits {
            linger: Duration::from_millis(1),
            wake_at: 16,
            most: 64,
        };
        let (writer, guard) = spawn(Broken, limits).unwrap();
        // Far more than the limit: with the thread gone, these return instead of waiting.
        for _ in 0..100 {
            log(&writer, "a line that will never be written\n");
        }
        drop(guard);
        assert!(writer.shared.lock().finished);
    }

    #[test]
    fn lines_after_the_guard_is_dropped_are_discarded() {
        let sink = Sink::default();
        let (writer, guard) = spawn(sink.clone(), Limits::default()).unwrap();
        log(&writer, "kept\n");
        drop(guard);
        log(&writer, "late\n");
        assert_eq!(&*sink.written.lock().unwrap(), b"kept\n");
        assert!(writer.shared.lock().pending.is_empty());
    }
}
