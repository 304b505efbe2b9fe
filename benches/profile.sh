#!/usr/bin/env bash
# Flame graphs of the server under load (issue #6): for each path named, runs the harness on it
# (64 connections), samples the server with `perf record` while wrk drives it, and writes
# docs/flamegraphs/{path}.svg plus a text summary of the heaviest frames
# (docs/flamegraphs/{path}.txt).
#
#   bash benches/profile.sh get_user userinfo client_credentials   # after benches/run.sh
#   options (before the paths): --database sqlite|postgres  --seconds N (sampling, default 6)
#
# Needs what benches/run.sh installs (wrk, target/bench-venv, the release build) and installs
# linux-perf (Debian) and inferno (crates.io) when they are missing. The release profile keeps
# line tables, so frames carry function names; call stacks come from DWARF unwinding.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "benches/profile.sh: $*" >&2; exit 1; }
say() { echo "benches/profile.sh: $*" >&2; }

database=sqlite sample=6
while [ $# -gt 0 ]; do
  case "$1" in
    --database) database=$2; shift ;;
    --seconds) sample=$2; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) fail "unknown option $1 (see --help)" ;;
    *) break ;;
  esac
  shift
done
[ $# -gt 0 ] || fail "name at least one path (see benches/harness.py PATHS)"

if ! command -v perf >/dev/null 2>&1; then
  say "installing linux-perf"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q linux-perf >/dev/null \
    || fail "perf is missing (apt-get install linux-perf)"
fi
if ! command -v inferno-flamegraph >/dev/null 2>&1; then
  say "installing inferno (cargo install)"
  cargo install --locked inferno >/dev/null 2>&1 || fail "could not install inferno"
fi
venv=target/bench-venv
[ -x "$venv/bin/python" ] || fail "run benches/run.sh first (it makes $venv)"
[ -x target/release/tessera ] || cargo build --release --locked --bin tessera

pg_url=""
if [ "$database" = postgres ]; then
  if [ -z "${TESSERA_TEST_POSTGRES_URL:-}" ]; then
    # shellcheck source=tests/postgres.sh
    . tests/postgres.sh
    start_postgres
  fi
  pg_url=$TESSERA_TEST_POSTGRES_URL
fi

out=docs/flamegraphs
work=target/bench-profile
mkdir -p "$out" "$work"
for path in "$@"; do
  rm -rf "${work:?}/$path"
  # the load runs longer than the sampling window: seeding first, then wrk for (sample + 8) s
  "$venv/bin/python" benches/harness.py --binary target/release/tessera --work "$PWD/$work/$path" \
    --out "$work/$path.json" --seconds $((sample + 8)) --connections 64 --users 100 \
    --paths "$path" --databases "$database" --list-users 0 --postgres-url "$pg_url" \
    >"$work/$path.log" 2>&1 &
  harness=$!
  for _ in $(seq 1 1200); do pgrep -x wrk >/dev/null && break; sleep 0.1; done
  pgrep -x wrk >/dev/null || { wait "$harness" || true; fail "$path: the load never started (see $work/$path.log)"; }
  sleep 2
  server=$(pgrep -n -f "target/release/tessera serve") || fail "$path: no server process"
  perf record -q -F 499 --call-graph dwarf,16384 -p "$server" -o "$work/$path.perf" -- sleep "$sample" \
    >/dev/null 2>&1 || fail "$path: perf record failed"
  wait "$harness" || fail "$path: the harness failed (see $work/$path.log)"
  perf script -i "$work/$path.perf" 2>/dev/null | inferno-collapse-perf >"$work/$path.folded"
  inferno-flamegraph --minwidth 1 --title "Tessera $path ($database, 64 connections)" \
    <"$work/$path.folded" >"$out/$path.svg"
  "$venv/bin/python" benches/frames.py "$work/$path.folded" >"$out/$path.txt"
  say "$path: $(grep -E 'c=64' "$work/$path.log" | sed 's/.*c=64: //') -> $out/$path.svg"
done
