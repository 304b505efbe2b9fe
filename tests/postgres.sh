# Sourced by tests/run.sh and benches/run.sh (the caller defines `fail MESSAGE`).
# start_postgres: installs PostgreSQL with apt-get if missing, creates and starts the newest
# cluster, creates the login role tessera_test (CREATEDB) and exports TESSERA_TEST_POSTGRES_URL.
# shellcheck shell=bash

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -n -u postgres "$@"; fi; }

start_postgres() {
  local port=5432 role=tessera_test
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "installing PostgreSQL" >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null \
        || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; } \
        || fail "could not install PostgreSQL"
    else
      fail "PostgreSQL is not installed and cannot be installed here; set TESSERA_TEST_POSTGRES_URL"
    fi
  fi
  local version
  # shellcheck disable=SC2012  # version directories: plain numbers
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
  as_postgres psql -q -p "$port" -v ON_ERROR_STOP=1 -d postgres <<SQL >/dev/null || fail "could not create the test role"
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN
    CREATE ROLE $role LOGIN CREATEDB PASSWORD '$role';
  END IF;
END \$\$;
SQL
  export TESSERA_TEST_POSTGRES_URL="postgres://$role:$role@127.0.0.1:$port/postgres"
}
