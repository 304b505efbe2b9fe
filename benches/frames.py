"""Summarises a folded perf profile (inferno-collapse-perf output) by where the server's CPU
time goes: a few named buckets (the signature, the database, logging, HTTP) and the heaviest
Tessera functions, each as a share of all samples. Used by benches/profile.sh."""

import collections
import re
import sys

# bucket -> (pattern, where): "thread" matches the thread's name (the first frame), "any" any
# frame; a sample counts in every bucket it matches
BUCKETS = [
    ("RSA signing (aws-lc)", r"SigningKey::sign$", "any"),
    ("RSA verification (aws-lc)", r"parsed_verify_sig$", "any"),
    ("argon2id", r"^argon2::", "any"),
    ("SQLite worker threads (sqlx)", r"^sqlx-sqlite", "thread"),
    ("PostgreSQL client (sqlx)", r"^<?sqlx_postgres::", "any"),
    ("logging (tracing-subscriber)", r"^<?tracing_subscriber::", "any"),
    ("log writer thread (tracing-appender)", r"^tracing-appender", "thread"),
    ("JSON (serde_json)", r"^<?(&mut )?serde_json::", "any"),
    ("HTTP/1 parsing and writing (actix-http codec)", r"actix_http::h1::(codec|decoder|encoder)", "any"),
    ("kernel: futex (thread hand-offs)", r"^futex|^__x64_sys_futex", "any"),
    ("kernel: network", r"^tcp_sendmsg|^tcp_recvmsg", "any"),
]


def clean(frame):
    return re.sub(r"::h[0-9a-f]{16}$", "", frame).strip()


def main(path):
    total = 0
    buckets = collections.Counter()
    inclusive = collections.Counter()
    for line in open(path):
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = [clean(f) for f in stack.split(";")]
        for name, pattern, where in BUCKETS:
            looked = frames[:1] if where == "thread" else frames
            if any(re.search(pattern, f) for f in looked):
                buckets[name] += n
        for f in set(frames):
            if f.startswith("tessera::"):
                inclusive[f] += n
    if not total:
        print("no samples")
        return
    print(f"{total} samples (perf cpu-clock, weighted); shares of all server CPU time\n")
    print("where the time goes:")
    for name, _, _ in BUCKETS:
        print(f"  {100 * buckets[name] / total:5.1f}%  {name}")
    print("\nheaviest Tessera functions (inclusive):")
    for f, n in inclusive.most_common(15):
        print(f"  {100 * n / total:5.1f}%  {f[:140]}")


if __name__ == "__main__":
    main(sys.argv[1])
