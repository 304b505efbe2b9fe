#!/usr/bin/env bash
# The benchmark harness (issue #6): one command that builds Tessera in release mode, measures the
# crypto floors, starts the server on SQLite and on PostgreSQL, seeds a pool, drives each hot
# path with wrk at 1, 16 and 64 connections, and writes docs/benchmarks.md and
# docs/benchmarks.png.
#
#   bash benches/run.sh            # 10 s per point (the reference run)
#   bash benches/run.sh --quick    # 2 s per point, 1-s floors, ListUsers at 100,000: a smoke run
#   options: --seconds N  --users N  --list-users N (0: skip)  --paths jwks,get_user,...
#            (--paths flood: GetUser, JWKS and refresh while password sign-ins flood the server)
#            --no-postgres  --no-build  --no-floors  --peers oidc-provider,cognito-local,moto
#            --no-peers
#            --note TEXT (a warning printed at the top of docs/benchmarks.md)
#   bash benches/run.sh --instructions [--paths ...]
#            instead: instructions per request of each path, Tessera on SQLite under callgrind,
#            one connection (valgrind; steady whatever else the machine does, so the measure
#            for before/after comparisons of one change); writes nothing under docs/
#   bash benches/run.sh --timing [--pairs N] [--no-postgres]
#            instead: known against unknown users on each path that hides them (sign-in with a
#            password, both SRP steps, ForgotPassword, the hosted sign-in page), interleaved
#            pairs (benches/timing.py); prints the medians, writes target/bench/timing.json and
#            nothing under docs/
#
# Installs what it needs: wrk (Debian, apt-get), PostgreSQL (via tests/postgres.sh), and a Python
# venv in target/bench-venv (boto3, matplotlib, pycognito, moto), the Node peers in
# target/bench-peers (npm ci). Fails with a message when it cannot.
# Everything runs under the caller's priority: prefix with `nice -n 19` on a shared machine.
# Use an existing PostgreSQL instead: TESSERA_TEST_POSTGRES_URL=postgres://user:pass@host/db
# (a role that may CREATE DATABASE).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "benches/run.sh: $*" >&2; exit 1; }
say() { echo "benches/run.sh: $*" >&2; }

seconds=10 floor_seconds=3 users=1000 list_users=1000000 paths="" postgres=1 build=1 mode=reference
peers=oidc-provider,cognito-local,moto floors=1 pairs=300
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) seconds=2 floor_seconds=1 list_users=100000 mode=quick ;;
    --seconds) seconds=$2; shift ;;
    --users) users=$2; shift ;;
    --list-users) list_users=$2; shift ;;
    --paths) paths=$2; shift ;;
    --note) export BENCH_NOTE=$2; shift ;;
    --no-postgres) postgres=0 ;;
    --peers) peers=$2; shift ;;
    --no-peers) peers="" ;;
    --no-build) build=0 ;;
    --no-floors) floors=0 ;;
    --instructions) mode=instructions peers="" postgres=0 floors=0 ;;
    --timing) mode=timing peers="" floors=0 ;;
    --pairs) pairs=$2; shift ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) fail "unknown option $1 (see --help)" ;;
  esac
  shift
done

apt_install() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null; }
}

# wrk, the load generator
if [ "$mode" != timing ] && ! command -v wrk >/dev/null 2>&1; then
  say "installing wrk"
  apt_install wrk || fail "wrk is missing and could not be installed (apt-get install wrk)"
fi
[ "$mode" = timing ] || command -v wrk >/dev/null 2>&1 || fail "wrk is missing"

# Python helpers (seeding through boto3, the chart through matplotlib)
venv=target/bench-venv
if [ "$("$venv/bin/python" -c 'import sys; print(sys.prefix)' 2>/dev/null)" != "$PWD/$venv" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv" || { apt_install python3-venv && python3 -m venv "$venv"; } \
    || fail "could not create a Python virtual environment"
fi
stamp=$(sha256sum benches/requirements.txt | cut -c1-64)
if [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$stamp" ]; then
  "$venv/bin/python" -m pip install -q -r benches/requirements.txt \
    || fail "could not install benches/requirements.txt"
  echo "$stamp" >"$venv/.requirements.sha256"
fi

# Peers measured in the same run: the Node ones (benches/peers/package-lock.json) in
# target/bench-peers, moto's server in the venv (benches/requirements.txt)
if [ -n "$peers" ]; then
  peer_dir=target/bench-peers
  stamp=$(cat benches/peers/package.json benches/peers/package-lock.json | sha256sum | cut -c1-64)
  if [ "$(cat "$peer_dir/.lock.sha256" 2>/dev/null)" != "$stamp" ] || [ ! -d "$peer_dir/node_modules" ]; then
    command -v npm >/dev/null 2>&1 || apt_install nodejs npm || fail "npm is missing (the Node peers need it; or --no-peers)"
    rm -rf "$peer_dir"
    mkdir -p "$peer_dir"
    cp benches/peers/package.json benches/peers/package-lock.json "$peer_dir/"
    (cd "$peer_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
      || fail "npm ci failed for benches/peers/package-lock.json"
    echo "$stamp" >"$peer_dir/.lock.sha256"
  fi
  cp benches/peers/oidc.mjs "$peer_dir/"
fi

# PostgreSQL (the same start-up as tests/run.sh)
if [ "$postgres" = 1 ] && [ -z "${TESSERA_TEST_POSTGRES_URL:-}" ]; then
  # shellcheck source=tests/postgres.sh
  . tests/postgres.sh
  start_postgres
fi

out=target/bench
rm -rf "$out"
mkdir -p "$out"

if [ "$build" = 1 ]; then
  say "building (release)"
  cargo build --release --locked --bin tessera || fail "release build failed"
fi
[ -x target/release/tessera ] || fail "target/release/tessera is missing"

if [ "$mode" = instructions ]; then
  command -v valgrind >/dev/null 2>&1 || apt_install valgrind || fail "valgrind is missing"
  say "instructions per request (callgrind; the rates it prints are meaningless)"
  "$venv/bin/python" benches/harness.py --binary target/release/tessera --work "$PWD/$out/work" \
    --out "$out/instructions.json" --seconds 6 --connections 1 --users 20 --tokens 4 \
    --paths "${paths:-jwks,discovery,client_credentials,get_user,userinfo,refresh_auth,refresh_grant}" \
    --databases sqlite --list-users 0 --callgrind "$PWD/$out/callgrind" \
    || fail "the callgrind runs failed (server log in $out/work/)"
  "$venv/bin/python" - "$out/instructions.json" <<'PY'
import json, sys
for db in json.load(open(sys.argv[1]))["databases"]:
    for name, p in db["paths"].items():
        n = p["points"][0].get("instructions_per_request")
        print(f"{name:20} {n:>12,} instructions/request" if n else f"{name:20} (no requests)")
PY
  exit 0
fi

if [ "$mode" = timing ]; then
  say "known against unknown users: $pairs pairs per path"
  "$venv/bin/python" benches/timing.py --binary target/release/tessera --work "$PWD/$out/timing" \
    --out "$out/timing.json" --pairs "$pairs" \
    --databases "sqlite$([ "$postgres" = 1 ] && echo ,postgres)" \
    --postgres-url "$([ "$postgres" = 1 ] && echo "${TESSERA_TEST_POSTGRES_URL:-}")" \
    || fail "the timing runs failed (server logs in $out/timing/)"
  exit 0
fi

# The floors before and after the load runs (the report keeps the fastest of each): on a shared
# VM a core's speed drifts, and one measurement taken at a slow moment would inflate ratios.
floors_run() {
  BENCH_SECONDS=$floor_seconds cargo bench --locked --bench crypto >"$1" \
    || fail "cargo bench --bench crypto failed"
  cat "$1"
}
: >"$out/crypto-before.txt"
if [ "$floors" = 1 ]; then
  say "building the crypto floors (cargo bench --bench crypto --no-run)"
  cargo bench --locked --bench crypto --no-run || fail "could not build benches/crypto.rs"
  say "crypto floors, before the load runs"
  floors_run "$out/crypto-before.txt"
fi

say "load runs: ${seconds} s per point"
"$venv/bin/python" benches/harness.py --binary target/release/tessera --work "$PWD/$out/work" \
  --out "$out/results.json" --seconds "$seconds" --users "$users" --paths "$paths" --list-users "$list_users" \
  --postgres-url "$([ "$postgres" = 1 ] && echo "${TESSERA_TEST_POSTGRES_URL:-}")" \
  --peers "$peers" --peers-dir "$PWD/target/bench-peers" \
  || fail "the load runs failed (server logs in $out/work/)"

if [ "$floors" = 1 ]; then
  say "crypto floors, after the load runs"
  floors_run "$out/crypto.txt"
else
  : >"$out/crypto.txt"
fi

command_line="bash benches/run.sh"
[ "$mode" = quick ] && command_line="$command_line --quick"
"$venv/bin/python" benches/report.py --results "$out/results.json" \
  --crypto "$out/crypto-before.txt" --crypto "$out/crypto.txt" \
  --command "$command_line" --markdown docs/benchmarks.md --chart docs/benchmarks.png \
  || fail "could not write the report"
say "wrote docs/benchmarks.md and docs/benchmarks.png"
