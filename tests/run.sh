#!/usr/bin/env bash
# Runs the whole test suite: formatting and clippy (the lint table in Cargo.toml, warnings as
# errors) and cargo-deny (licenses, sources, advisories: .ci/deny.toml) first, then unit tests
# and the integration binary, every integration test on SQLite AND PostgreSQL. Starts a local
# PostgreSQL if none is given, creates the test role, and cleans up databases left by earlier
# runs. Under CI=true a missing dependency fails the run.
#
#   bash tests/run.sh                 # everything (fmt, clippy and cargo deny first)
#   bash tests/run.sh api_pools       # only tests whose name contains "api_pools"
#   bash tests/run.sh clients         # only the real-client suites (tests/clients/, browser, MFA, devices, Amplify, federation, console and crash included), both databases
#   bash tests/run.sh boto3 | issue3  # only tests/clients/boto3_admin.py | issue3_flow.py
#   bash tests/run.sh browser         # only the real-browser suite (tests/clients/browser_flow.py)
#   bash tests/run.sh mfa             # only the MFA client suite (tests/clients/mfa_flow.py)
#   bash tests/run.sh triggers        # only the triggers client suite (tests/clients/triggers_flow.py)
#   bash tests/run.sh amplify         # only the Amplify JS v6 suite (tests/clients/amplify_flow.py, the app amplify_flow.mjs)
#   bash tests/run.sh devices         # only the remembered-devices suite (tests/clients/devices_flow.py, the acij app devices_acij.mjs)
#   bash tests/run.sh federation      # only the federation suite (tests/clients/federation_flow.py: upstream OP tests/idp/op.mjs, browser)
#   bash tests/run.sh passkey         # only the passkey suite (tests/clients/passkey_flow.py: virtual authenticator, boto3)
#   bash tests/run.sh console         # only the admin console suite (tests/clients/console_flow.py: browser, boto3, SMTP sink)
#   bash tests/run.sh metrics         # only the metrics suite (tests/clients/metrics_flow.py: /metrics after a known run)
#   bash tests/run.sh tls             # only the HTTPS suite (tests/clients/tls_flow.py: a certificate per domain, reload, redirect)
#   bash tests/run.sh otel            # only the OpenTelemetry suite (tests/clients/otel_flow.py: spans at a real OTLP/HTTP receiver)
#   bash tests/run.sh import          # only the user import suite (tests/clients/import_flow.py: import jobs, hash import, a SIGKILL mid-import)
#   bash tests/run.sh cognito_migration # only the live migration suite (tests/clients/cognito_migration_flow.py: moto's server as the source pool)
#   bash tests/run.sh crash           # only the crash-safety suite (tests/clients/crash_flow.py: SIGKILLs and PostgreSQL stops under write load)
#
# Use an existing server instead: TESSERA_TEST_POSTGRES_URL=postgres://user:pass@host/db
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "tests/run.sh: $*" >&2; exit 1; }

# The server binary `cargo test` builds, in CARGO_TARGET_DIR when that is set.
TESSERA_BUILT="${CARGO_TARGET_DIR:-target}/debug/tessera"
case $TESSERA_BUILT in /*) ;; *) TESSERA_BUILT="$PWD/$TESSERA_BUILT" ;; esac

# shellcheck source=tests/postgres.sh
. tests/postgres.sh

ensure_postgres() {
  if [ -n "${TESSERA_TEST_POSTGRES_URL:-}" ]; then
    return
  fi
  start_postgres
  local port=${TESSERA_TEST_POSTGRES_URL##*@127.0.0.1:}
  port=${port%%/*}
  # Drop databases left behind by earlier runs (ones still in use, by a run going on in
  # another checkout, refuse to drop and are kept).
  as_postgres psql -q -p "$port" -d postgres -At \
    -c "SELECT datname FROM pg_database WHERE datname LIKE 'tessera_t_%'" | while read -r db; do
      as_postgres psql -q -p "$port" -d postgres -c "DROP DATABASE IF EXISTS \"$db\"" >/dev/null || true
    done
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# What the lint table in Cargo.toml says, checked before any test runs: a failure stops the run.
check_lints() {
  echo "tests/run.sh: cargo fmt --check" >&2
  cargo fmt --check || fail "cargo fmt --check failed: the code is not formatted (run cargo fmt)"
  echo "tests/run.sh: cargo clippy --all-targets --locked -- -D warnings" >&2
  cargo clippy --all-targets --locked -- -D warnings \
    || fail "cargo clippy failed: fix the lints above (warnings are errors)"
}

# The supply-chain check (cargo-deny, config .ci/deny.toml): licenses, sources, wildcard and
# duplicate versions (warned), then RustSec's advisories when their database (a git clone from
# GitHub) can be fetched; otherwise they are skipped with a warning. cargo-deny is installed from
# crates.io when missing (about 2 minutes on 2 cores); under CI=true a failed install fails the
# run, elsewhere the check is skipped with a warning.
CARGO_DENY_VERSION=0.20.2
check_supply_chain() {
  if ! cargo deny --version >/dev/null 2>&1; then
    echo "tests/run.sh: installing cargo-deny $CARGO_DENY_VERSION (cargo install --locked)" >&2
    # its own temporary target directory, not this checkout's
    env -u CARGO_TARGET_DIR cargo install --locked --quiet "cargo-deny@$CARGO_DENY_VERSION" || true
    if ! cargo deny --version >/dev/null 2>&1; then
      [ "${CI:-}" = true ] && fail "cargo-deny is missing and could not be installed (cargo install --locked cargo-deny@$CARGO_DENY_VERSION)"
      echo "tests/run.sh: WARNING: cargo-deny is missing and could not be installed; the supply-chain check is SKIPPED" >&2
      return 0
    fi
  fi
  local deny=(cargo deny --config .ci/deny.toml) log
  log=$(mktemp)
  echo "tests/run.sh: cargo deny check bans licenses sources ($(cargo deny --version))" >&2
  if ! "${deny[@]}" check --hide-inclusion-graph bans licenses sources >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    fail "cargo deny found a license, source or ban problem (above; config .ci/deny.toml)"
  fi
  # Duplicate versions are warnings: counted here, listed by the same command.
  echo "tests/run.sh: cargo deny: $(grep -c '^warning\[duplicate\]' "$log" || true) crates in two or more versions" \
    "(warned; see cargo deny --config .ci/deny.toml check bans)" >&2
  if "${deny[@]}" fetch db >"$log" 2>&1; then
    echo "tests/run.sh: cargo deny check advisories" >&2
    if ! "${deny[@]}" check --hide-inclusion-graph advisories >"$log" 2>&1; then
      cat "$log" >&2
      rm -f "$log"
      fail "cargo deny found advisories against Cargo.lock (above; config .ci/deny.toml)"
    fi
  else
    echo "tests/run.sh: WARNING: advisories SKIPPED: RustSec's advisory database could not be fetched:" >&2
    grep -m1 '^fatal' "$log" >&2 || grep -m1 -i error "$log" >&2 || true
  fi
  rm -f "$log"
}

# Tools the client suites need: python3 (+ venv), node, npm and curl. Missing ones are installed with
# apt-get when that is possible, else the run fails.
ensure_tool() {
  local tool=$1 package=$2
  command -v "$tool" >/dev/null 2>&1 && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "tests/run.sh: installing $package" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $package >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $package >/dev/null; } \
      || fail "$tool is missing and could not be installed ($package)"
  fi
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing (the client suites need it; install $package)"
}

# The Python clients (tests/clients/requirements.txt) in target/test-venv, and the Node clients
# (tests/clients/package-lock.json) in target/node-clients; each reinstalled when its pins change.
install_client_dependencies() {
  ensure_tool python3 "python3 python3-venv"
  ensure_tool node nodejs
  ensure_tool npm npm
  ensure_tool curl curl
  local venv=target/test-venv stamp
  # A venv copied from another checkout points at that checkout's python: make a new one.
  if [ "$("$venv/bin/python" -c 'import sys; print(sys.prefix)' 2>/dev/null)" != "$PWD/$venv" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv" || fail "could not create a Python virtual environment"
  fi
  stamp=$(sha256sum tests/clients/requirements.txt | cut -c1-64)
  if [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$stamp" ]; then
    "$venv/bin/python" -m pip install -q -r tests/clients/requirements.txt \
      || fail "could not install tests/clients/requirements.txt"
    echo "$stamp" >"$venv/.requirements.sha256"
  fi
  local node_dir=target/node-clients
  stamp=$(cat tests/clients/package.json tests/clients/package-lock.json | sha256sum | cut -c1-64)
  if [ "$(cat "$node_dir/.lock.sha256" 2>/dev/null)" != "$stamp" ] || [ ! -d "$node_dir/node_modules" ]; then
    rm -rf "$node_dir"
    mkdir -p "$node_dir"
    cp tests/clients/package.json tests/clients/package-lock.json "$node_dir/"
    (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
      || fail "npm ci failed for tests/clients/package-lock.json"
    echo "$stamp" >"$node_dir/.lock.sha256"
  fi
}

# The client suites (tests/clients/*.py, given by name) against the real binary, once per
# database, each database on a fresh server.
run_python_clients() {
  install_client_dependencies
  local venv=target/test-venv
  # The binary `cargo test` built (same features as the test build, so nothing recompiles).
  [ -x "$TESSERA_BUILT" ] || fail "$TESSERA_BUILT is missing; build it with cargo test --no-run"
  local status=0 backend dir port url pid db script
  for backend in sqlite postgres; do
    dir=$(mktemp -d)
    port=$(free_port)
    url="sqlite://$dir/tessera.db"
    if [ "$backend" = postgres ]; then
      db="tessera_t_boto3_$$"
      psql -q "$TESSERA_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null \
        || fail "could not create the PostgreSQL database for the boto3 suite"
      url="${TESSERA_TEST_POSTGRES_URL%/*}/$db"
    fi
    TESSERA_LISTEN="127.0.0.1:$port" TESSERA_DATA_DIR="$dir" DATABASE_URL="$url" \
      "$TESSERA_BUILT" serve >"$dir/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
      curl -sf "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
      sleep 0.1
    done
    for script in "$@"; do
      echo "tests/run.sh: $script on $backend" >&2
      TESSERA_URL="http://127.0.0.1:$port" TESSERA_DATA_DIR="$dir" TESSERA_NODE_DIR="$PWD/target/node-clients" \
        "$venv/bin/python" "tests/clients/$script" || { status=1; tail -n 30 "$dir/server.log" >&2; }
    done
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
    rm -rf "$dir"
  done
  return $status
}

# Debian's Chromium for the browser suite (CHROMIUM, default /usr/bin/chromium), installed with
# apt-get when possible. Under CI=true a missing browser fails the run; elsewhere the browser
# suite is skipped with a warning.
ensure_browser() {
  local browser=${CHROMIUM:-/usr/bin/chromium}
  [ -x "$browser" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "tests/run.sh: installing chromium" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; } \
      || true
  fi
  [ -x "$browser" ] && return 0
  [ "${CI:-}" = true ] && fail "Chromium ($browser) is missing and could not be installed; the browser suite needs it"
  echo "tests/run.sh: WARNING: no Chromium at $browser; the browser suite is skipped" >&2
  return 1
}

# The hosted UI in a real browser (tests/clients/browser_flow.py): once on SQLite, once on a
# fresh PostgreSQL database. The script starts its own server (the binary `cargo test` built),
# SMTP sink and callback app, and writes its screenshots to docs/screenshots/.
run_browser_suite() {
  install_client_dependencies
  ensure_browser || return 0
  [ -x "$TESSERA_BUILT" ] || fail "$TESSERA_BUILT is missing; build it with cargo test --no-run"
  local status=0 backend url db
  for backend in sqlite postgres; do
    url=""
    if [ "$backend" = postgres ]; then
      db="tessera_t_browser_$$"
      psql -q "$TESSERA_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null \
        || fail "could not create the PostgreSQL database for the browser suite"
      url="${TESSERA_TEST_POSTGRES_URL%/*}/$db"
    fi
    echo "tests/run.sh: browser_flow.py on $backend" >&2
    DATABASE_URL="$url" TESSERA_BIN="$TESSERA_BUILT" CHROMIUM="${CHROMIUM:-/usr/bin/chromium}" \
      target/test-venv/bin/python tests/clients/browser_flow.py || status=1
  done
  return $status
}

# The suites that start their own server (the binary `cargo test` built) and what it talks to,
# once on SQLite and once on a fresh PostgreSQL database: tests/clients/mfa_flow.py (MFA through
# boto3, with an SMS webhook receiver and an SMTP sink) and tests/clients/triggers_flow.py
# (triggers through boto3 and amazon-cognito-identity-js, with the Lambda-compatible endpoint
# tests/lambda/runtime.py), tests/clients/devices_flow.py (remembered devices through an
# amazon-cognito-identity-js app, tests/clients/devices_acij.mjs, with an SMS webhook receiver and
# an SMTP sink), tests/clients/amplify_flow.py (an Amplify JS v6 app, tests/clients/
# amplify_flow.mjs, with an SMTP sink) and tests/clients/federation_flow.py (see
# run_federation_suite).
run_own_server_suite() {
  local script=$1 name=${1%_flow.py}
  install_client_dependencies
  [ -x "$TESSERA_BUILT" ] || fail "$TESSERA_BUILT is missing; build it with cargo test --no-run"
  local status=0 backend url db
  for backend in sqlite postgres; do
    url=""
    if [ "$backend" = postgres ]; then
      db="tessera_t_${name}_$$"
      psql -q "$TESSERA_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null \
        || fail "could not create the PostgreSQL database for $script"
      url="${TESSERA_TEST_POSTGRES_URL%/*}/$db"
    fi
    echo "tests/run.sh: $script on $backend" >&2
    DATABASE_URL="$url" TESSERA_BIN="$TESSERA_BUILT" TESSERA_NODE_DIR="$PWD/target/node-clients" \
      target/test-venv/bin/python "tests/clients/$script" || status=1
    if [ "$backend" = postgres ]; then
      psql -q "$TESSERA_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $db" >/dev/null || true
    fi
  done
  return $status
}

# Federation (tests/clients/federation_flow.py) in a real browser against a real upstream OpenID
# Provider (tests/idp/op.mjs, oidc-provider from target/node-clients), both databases. Needs
# Chromium as the browser suite does: skipped with a warning without it, except under CI=true.
run_federation_suite() {
  install_client_dependencies
  ensure_browser || return 0
  run_own_server_suite federation_flow.py
}

# Passkeys (tests/clients/passkey_flow.py): Chromium's virtual authenticator on the hosted pages
# and boto3 with a software authenticator, both databases; needs Chromium like the browser suite.
run_passkey_suite() {
  install_client_dependencies
  ensure_browser || return 0
  run_own_server_suite passkey_flow.py
}

# The admin console (tests/clients/console_flow.py) in Chromium: the first operator's sign-in with
# TOTP, a user, an app client, branding, sign-out; both databases; needs Chromium like the browser
# suite.
run_console_suite() {
  install_client_dependencies
  ensure_browser || return 0
  run_own_server_suite console_flow.py
}

# Crash safety (tests/clients/crash_flow.py): SIGKILLs of the server under a mixed write load,
# then every acknowledged write read back; on SQLite, then on a throw-away PostgreSQL cluster the
# script makes itself (initdb, its own port) and stops under load, never the shared one. Needs
# PostgreSQL's server binaries, which ensure_postgres installs.
run_crash_suite() {
  install_client_dependencies
  [ -x "$TESSERA_BUILT" ] || fail "$TESSERA_BUILT is missing; build it with cargo test --no-run"
  local status=0 backend
  for backend in sqlite postgres; do
    echo "tests/run.sh: crash_flow.py on $backend" >&2
    TESSERA_BIN="$TESSERA_BUILT" target/test-venv/bin/python tests/clients/crash_flow.py "$backend" || status=1
  done
  return $status
}

CLIENT_SUITES=(boto3_admin.py issue3_flow.py)

# The C library the build links (OpenSSL, for webauthn-rs): Debian's libssl-dev and pkg-config,
# installed with apt-get when missing and possible.
ensure_build_libraries() {
  pkg-config --exists openssl 2>/dev/null && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "tests/run.sh: installing libssl-dev pkg-config" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q libssl-dev pkg-config >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libssl-dev pkg-config >/dev/null; } \
      || fail "OpenSSL's development files are missing and could not be installed (libssl-dev pkg-config)"
  fi
  pkg-config --exists openssl 2>/dev/null || fail "OpenSSL's development files are missing (install libssl-dev and pkg-config)"
}

ensure_build_libraries
if [ $# -eq 0 ]; then
  check_lints
  check_supply_chain
fi

ensure_postgres

if [ $# -eq 0 ]; then
  cargo test --locked
  status=0
  run_python_clients "${CLIENT_SUITES[@]}" || status=1
  run_own_server_suite mfa_flow.py || status=1
  run_own_server_suite triggers_flow.py || status=1
  run_own_server_suite devices_flow.py || status=1
  run_own_server_suite amplify_flow.py || status=1
  run_own_server_suite metrics_flow.py || status=1
  run_own_server_suite tls_flow.py || status=1
  run_own_server_suite otel_flow.py || status=1
  run_own_server_suite import_flow.py || status=1
  run_own_server_suite cognito_migration_flow.py || status=1
  run_crash_suite || status=1
  run_federation_suite || status=1
  run_passkey_suite || status=1
  run_console_suite || status=1
  run_browser_suite || status=1
  exit $status
elif [ "$*" = clients ]; then
  cargo test --locked --no-run
  status=0
  run_python_clients "${CLIENT_SUITES[@]}" || status=1
  run_own_server_suite mfa_flow.py || status=1
  run_own_server_suite triggers_flow.py || status=1
  run_own_server_suite devices_flow.py || status=1
  run_own_server_suite amplify_flow.py || status=1
  run_own_server_suite metrics_flow.py || status=1
  run_own_server_suite tls_flow.py || status=1
  run_own_server_suite otel_flow.py || status=1
  run_own_server_suite import_flow.py || status=1
  run_own_server_suite cognito_migration_flow.py || status=1
  run_crash_suite || status=1
  run_federation_suite || status=1
  run_passkey_suite || status=1
  run_console_suite || status=1
  run_browser_suite || status=1
  exit $status
elif [ "$*" = browser ]; then
  cargo test --locked --no-run
  run_browser_suite
elif [ "$*" = mfa ] || [ "$*" = triggers ] || [ "$*" = devices ] || [ "$*" = amplify ] || [ "$*" = metrics ] || [ "$*" = tls ] || [ "$*" = otel ] || [ "$*" = import ] || [ "$*" = cognito_migration ]; then
  cargo test --locked --no-run
  run_own_server_suite "$*_flow.py"
elif [ "$*" = crash ]; then
  cargo test --locked --no-run
  run_crash_suite
elif [ "$*" = federation ]; then
  cargo test --locked --no-run
  run_federation_suite
elif [ "$*" = passkey ]; then
  cargo test --locked --no-run
  run_passkey_suite
elif [ "$*" = console ]; then
  cargo test --locked --no-run
  run_console_suite
elif [ "$*" = boto3 ] || [ "$*" = issue3 ]; then
  cargo test --locked --no-run
  run_python_clients "$([ "$*" = boto3 ] && echo boto3_admin.py || echo issue3_flow.py)"
else
  cargo test --locked -- "$@"
fi
