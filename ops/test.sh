#!/usr/bin/env bash
# Runs every test of ncsync: unit, actor, persistence (H2 and PostgreSQL) and end-to-end.
#
# On a fresh Debian machine it first provides what the tests need:
#   - a JDK (openjdk-17-jdk-headless) when `javac` is missing,
#   - Apache httpd with mod_dav (packages apache2, apache2-utils) for the WebDAV end-to-end tests,
#   - a PostgreSQL server: the one on 127.0.0.1:5432 (user postgres, no password) when it answers,
#     otherwise a private throwaway server on a free loopback port, stopped on exit.
# Then it runs `./mvnw -B verify "$@"` from the repository root and, when that passes, the quick forms of the journal
# crash test (ops/crash/journal_crash.py --quick) and of the sync engine crash test (ops/crash/engine_crash.py --quick);
# it exits non-zero when any fails.
#
# Environment:
#   NCSYNC_TEST_PG_URL / NCSYNC_TEST_PG_USER  use this PostgreSQL instead (nothing is started)
#   NCSYNC_TEST_PG_PRIVATE=1                  always start a private PostgreSQL, even if :5432 answers
#   NCSYNC_TEST_NO_INSTALL=1                  never call apt-get; fail with the list of missing packages
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '[test.sh] %s\n' "$*" >&2; }
die() { printf '[test.sh] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Package installation (apt-get, as root or through sudo)
# ---------------------------------------------------------------------------------------------
APT_UPDATED=0
install_packages() {
  local pkgs=("$@")
  if [[ "${NCSYNC_TEST_NO_INSTALL:-0}" == 1 ]]; then
    die "missing packages: ${pkgs[*]} (install them, e.g. 'sudo apt-get install ${pkgs[*]}')"
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    die "missing: ${pkgs[*]}; this script installs them with apt-get (Debian/Ubuntu) only: install them by hand and re-run"
  fi
  local -a sudo_cmd=()
  if [[ "$(id -u)" != 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo_cmd=(sudo)
    else
      die "missing packages: ${pkgs[*]}; not root and no sudo: run 'apt-get install ${pkgs[*]}' as root, then re-run"
    fi
  fi
  if [[ "$APT_UPDATED" == 0 ]]; then
    log "apt-get update"
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
      || die "apt-get update failed"
    APT_UPDATED=1
  fi
  log "installing: ${pkgs[*]}"
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2 \
    || die "apt-get install ${pkgs[*]} failed"
}

# ---------------------------------------------------------------------------------------------
# JDK (the Maven wrapper needs nothing else: it downloads Maven itself)
# ---------------------------------------------------------------------------------------------
if ! command -v javac >/dev/null 2>&1 && [[ -z "${JAVA_HOME:-}" ]]; then
  install_packages openjdk-17-jdk-headless
fi

# ---------------------------------------------------------------------------------------------
# Apache httpd + mod_dav + htpasswd (the end-to-end WebDAV peer, started by the tests themselves)
# ---------------------------------------------------------------------------------------------
apache_missing=()
# The test fixture (protocol's ApacheDavServer) runs /usr/sbin/apache2 with Debian's module folder.
if [[ ! -x /usr/sbin/apache2 || ! -f /usr/lib/apache2/modules/mod_dav_fs.so ]]; then
  apache_missing+=(apache2)
fi
if [[ -z "$(command -v htpasswd 2>/dev/null || true)" ]]; then
  apache_missing+=(apache2-utils)
fi
if ((${#apache_missing[@]})); then
  install_packages "${apache_missing[@]}"
fi

# ---------------------------------------------------------------------------------------------
# nextcloudcmd (Debian's Nextcloud desktop sync client, package nextcloud-desktop-cmd): protocol's
# NextcloudCmdConformanceTest drives it against the Nextcloud test server and fails without it
# ---------------------------------------------------------------------------------------------
if [[ -z "$(command -v nextcloudcmd 2>/dev/null || true)" ]]; then
  install_packages nextcloud-desktop-cmd
fi

# ---------------------------------------------------------------------------------------------
# Python 3 runs the crash tests (ops/crash/*.py, standard library only)
# ---------------------------------------------------------------------------------------------
if [[ -z "$(command -v python3 2>/dev/null || true)" ]]; then
  install_packages python3
fi

# ---------------------------------------------------------------------------------------------
# The Prometheus text-format parser (Debian's python3-prometheus-client) that MetricsTest reads /metrics with
# ---------------------------------------------------------------------------------------------
if ! /usr/bin/python3 -c 'import prometheus_client.parser' >/dev/null 2>&1; then
  install_packages python3-prometheus-client
fi

# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------
PG_TMP=""
PG_BIN=""
PG_AS=()          # command prefix to run initdb/pg_ctl as the postgres user when we are root

find_pg_bin() {
  local d
  PG_BIN=""
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
    [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && PG_BIN="$d"
  done
  [[ -n "$PG_BIN" ]]
}

pg_answers() {   # host port
  local isready
  isready="$(command -v pg_isready 2>/dev/null || true)"
  if [[ -z "$isready" ]] && find_pg_bin && [[ -x "$PG_BIN/pg_isready" ]]; then
    isready="$PG_BIN/pg_isready"
  fi
  if [[ -n "$isready" ]]; then
    "$isready" -q -h "$1" -p "$2" -t 3 >/dev/null 2>&1
  else
    (exec 3<>"/dev/tcp/$1/$2") >/dev/null 2>&1
  fi
}

pg_trusts_postgres() {   # host port: can user postgres log in without a password?
  local psql
  psql="$(command -v psql 2>/dev/null || true)"
  [[ -z "$psql" ]] && return 0   # cannot check; assume the documented setup (trust)
  PGCONNECT_TIMEOUT=5 "$psql" -w -h "$1" -p "$2" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") >/dev/null 2>&1; }

free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 30000 ))
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  die "no free loopback port found"
}

stop_private_pg() {
  if [[ -n "$PG_TMP" && -d "$PG_TMP" ]]; then
    if [[ -f "$PG_TMP/data/postmaster.pid" ]]; then
      log "stopping private PostgreSQL"
      "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_TMP"
  fi
}

start_private_pg() {
  if ! find_pg_bin; then
    install_packages postgresql
    find_pg_bin || die "PostgreSQL installed but no initdb/pg_ctl under /usr/lib/postgresql/*/bin"
  fi
  local tmp_base="${TMPDIR:-/tmp}"
  [[ "$(id -u)" == 0 ]] && tmp_base=/tmp   # the postgres user must be able to reach it
  PG_TMP="$(mktemp -d "$tmp_base/ncsync-test-pg.XXXXXX")"
  trap stop_private_pg EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  if [[ "$(id -u)" == 0 ]]; then
    # initdb refuses to run as root.
    id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' OS user to run initdb as (install the postgresql package)"
    chown postgres: "$PG_TMP"
    chmod 0700 "$PG_TMP"
    if command -v runuser >/dev/null 2>&1; then
      PG_AS=(runuser -u postgres --)
    else
      PG_AS=(su postgres -s /bin/sh -c '"$0" "$@"')
    fi
  fi
  local port
  port="$(free_port)"
  log "starting a private PostgreSQL ($PG_BIN) on 127.0.0.1:$port in $PG_TMP"
  "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres -A trust -E UTF8 --no-sync \
      >"$PG_TMP/initdb.log" 2>&1 \
    || { cat "$PG_TMP/initdb.log" >&2; die "initdb failed"; }
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/postgres.log" -w -t 60 \
      -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null \
    || { cat "$PG_TMP/postgres.log" >&2 || true; die "PostgreSQL did not start"; }
  PG_PORT="$port"
}

if [[ -n "${NCSYNC_TEST_PG_URL:-}" ]]; then
  export NCSYNC_TEST_PG_USER="${NCSYNC_TEST_PG_USER:-postgres}"
  log "using PostgreSQL from the environment: $NCSYNC_TEST_PG_URL (user $NCSYNC_TEST_PG_USER)"
else
  if [[ "${NCSYNC_TEST_PG_PRIVATE:-0}" != 1 ]] && pg_answers 127.0.0.1 5432 && pg_trusts_postgres 127.0.0.1 5432; then
    PG_PORT=5432
    log "using the PostgreSQL on 127.0.0.1:5432 (user postgres)"
  else
    if [[ "${NCSYNC_TEST_PG_PRIVATE:-0}" != 1 ]] && pg_answers 127.0.0.1 5432; then
      log "127.0.0.1:5432 answers but refuses user postgres without a password; starting a private server"
    fi
    start_private_pg
  fi
  export NCSYNC_TEST_PG_URL="jdbc:postgresql://127.0.0.1:${PG_PORT}/postgres"
  export NCSYNC_TEST_PG_USER=postgres
fi

# ---------------------------------------------------------------------------------------------
# Maven
# ---------------------------------------------------------------------------------------------
mvn_args=(-B)
[[ -n "${CI:-}" ]] && mvn_args+=(-ntp)
log "running: ./mvnw ${mvn_args[*]} verify $*"
set +e
./mvnw "${mvn_args[@]}" verify "$@"
rc=$?
set -e
if [[ $rc == 0 ]]; then
  # The journal crash test, short form: kill -9 a busy daemon (embedded default journal) at 5 seeded random points;
  # after each restart every acknowledged connection and library must be there (ops/crash/README.md has the full run).
  crash_dir="$(mktemp -d "${TMPDIR:-/tmp}/ncsync-crash.XXXXXX")"
  chmod 0755 "$crash_dir"   # Apache's workers (www-data) serve a folder inside it
  log "journal crash test (quick) in $crash_dir"
  set +e
  python3 ops/crash/journal_crash.py --quick --store default --jar daemon/target/ncsync-all.jar \
    --work-dir "$crash_dir/default"
  rc=$?
  set -e
  [[ $rc == 0 ]] && rm -rf "$crash_dir"
fi
if [[ $rc == 0 ]]; then
  # The sync engine crash test, short form: kill -9 a syncing daemon at 5 seeded random points of a mixed run against
  # the Nextcloud test server (chunked uploads, conflicts, renames); after each restart the trees must converge with
  # nothing lost, duplicated or corrupt (ops/crash/README.md has the full run).
  crash_dir="$(mktemp -d "${TMPDIR:-/tmp}/ncsync-engine-crash.XXXXXX")"
  log "engine crash test (quick) in $crash_dir"
  set +e
  python3 -m unittest ops/crash/test_engine_oracle.py \
    && python3 ops/crash/engine_crash.py --quick --jar daemon/target/ncsync-all.jar --work-dir "$crash_dir/run"
  rc=$?
  set -e
  [[ $rc == 0 ]] && rm -rf "$crash_dir"
fi
if [[ $rc == 0 ]]; then
  log "all tests passed"
else
  log "Maven exited with $rc (reports: */target/surefire-reports, */target/failsafe-reports)"
fi
exit "$rc"
