#!/usr/bin/env bash
# Runs the whole test suite: unit tests and the integration binary, every integration test on
# SQLite AND PostgreSQL. Starts a local PostgreSQL if none is given, creates the test role, and
# cleans up databases left by earlier runs. Under CI=true a missing dependency fails the run.
#
#   bash tests/run.sh                 # everything
#   bash tests/run.sh api_pools       # only tests whose name contains "api_pools"
#
# Use an existing server instead: TESSERA_TEST_POSTGRES_URL=postgres://user:pass@host/db
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "tests/run.sh: $*" >&2; exit 1; }

ensure_postgres() {
  if [ -n "${TESSERA_TEST_POSTGRES_URL:-}" ]; then
    return
  fi
  local port=5432 role=tessera_test
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "tests/run.sh: installing PostgreSQL" >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null \
        || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; } \
        || fail "could not install PostgreSQL"
    else
      fail "PostgreSQL is not installed and cannot be installed here; set TESSERA_TEST_POSTGRES_URL"
    fi
  fi
  local version
  version=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
  [ -n "$version" ] || fail "no PostgreSQL server binaries under /usr/lib/postgresql"
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -q "^$version main$"; then
    pg_createcluster "$version" main >/dev/null || fail "could not create the PostgreSQL cluster"
  fi
  port=$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')
  if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
    pg_ctlcluster "$version" main start || fail "could not start PostgreSQL $version"
  fi
  for _ in $(seq 1 50); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 0.2
  done
  pg_isready -q -h 127.0.0.1 -p "$port" || fail "PostgreSQL did not become ready on port $port"
  as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -n -u postgres "$@"; fi; }
  as_postgres psql -q -p "$port" -v ON_ERROR_STOP=1 -d postgres <<SQL >/dev/null || fail "could not create the test role"
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN
    CREATE ROLE $role LOGIN CREATEDB PASSWORD '$role';
  END IF;
END \$\$;
SQL
  # Drop databases left behind by earlier runs (ones still in use, by a run going on in
  # another checkout, refuse to drop and are kept).
  as_postgres psql -q -p "$port" -d postgres -At \
    -c "SELECT datname FROM pg_database WHERE datname LIKE 'tessera_t_%'" | while read -r db; do
      as_postgres psql -q -p "$port" -d postgres -c "DROP DATABASE IF EXISTS \"$db\"" >/dev/null || true
    done
  export TESSERA_TEST_POSTGRES_URL="postgres://$role:$role@127.0.0.1:$port/postgres"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The boto3 client suite (tests/clients/*.py) against the real binary, once per database.
run_python_clients() {
  local venv=target/test-venv
  if ! "$venv/bin/python" -c 'import boto3' 2>/dev/null; then
    python3 -m venv "$venv" || fail "could not create a Python virtual environment"
    "$venv/bin/pip" install -q 'boto3>=1.34' || fail "could not install boto3"
  fi
  # The binary `cargo test` built (same features as the test build, so nothing recompiles).
  [ -x target/debug/tessera ] || fail "target/debug/tessera is missing; build it with cargo test --no-run"
  local status=0 backend dir port url pid db
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
      target/debug/tessera serve >"$dir/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
      curl -sf "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
      sleep 0.1
    done
    echo "tests/run.sh: boto3 suite on $backend" >&2
    TESSERA_URL="http://127.0.0.1:$port" TESSERA_DATA_DIR="$dir" \
      "$venv/bin/python" tests/clients/boto3_admin.py || { status=1; tail -n 30 "$dir/server.log" >&2; }
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
    rm -rf "$dir"
  done
  return $status
}

ensure_postgres

if [ $# -eq 0 ]; then
  cargo test --locked
  run_python_clients
elif [ "$*" = boto3 ]; then
  cargo test --locked --no-run
  run_python_clients
else
  cargo test --locked -- "$@"
fi
