#!/usr/bin/env bash
# ncsync benchmarks: ncsync vs nextcloudcmd, rclone and plain parallel curl, on Apache mod_dav and on the
# Nextcloud-compatible test server, same data, side by side in one run. Figures go to docs/BENCHMARKS.md.
#
#   bench/run.sh                 full run (W1..W5 at the sizes of issue 3; about 10-15 minutes on 2 cores)
#   bench/run.sh --quick         small sizes, a smoke check (about 2 minutes)
#   bench/run.sh --help          every option (--servers, --tools, --keep, --work-dir, ...)
#
# Needs root (Apache's workers run as www-data), Java 17, python3, and the Debian packages apache2, curl, time,
# rclone and nextcloud-desktop-cmd (installed with apt-get when missing). Starts the daemon through bin/ncsync (with
# its default JVM options) on a private copy of daemon/target/ncsync-all.jar (built once when missing), and the
# Nextcloud test server from the protocol module's test-jar (the Nextcloud columns are skipped, with a notice, when
# that jar or its NextcloudTestServer class is missing). Figures land in bench/results/latest.{md,json}.
#
# Not part of the test suite: nothing under ops/ or in Maven runs it.
set -euo pipefail

ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"

for arg in "$@"; do
  if [[ "$arg" == "-h" || "$arg" == "--help" ]]; then
    exec python3 "$BENCH/bench.py" --help
  fi
done

if [[ "$(id -u)" != 0 ]]; then
  echo "bench/run.sh: run it as root (the private Apache starts as root and serves through www-data workers)" >&2
  exit 1
fi

# ---- System packages -----------------------------------------------------------------------------------------------
missing=()
[[ -x /usr/bin/time ]] || missing+=(time)
[[ -x /usr/sbin/apache2 ]] || missing+=(apache2)
command -v curl >/dev/null || missing+=(curl)
command -v rclone >/dev/null || missing+=(rclone)
command -v nextcloudcmd >/dev/null || missing+=(nextcloud-desktop-cmd)
if ((${#missing[@]})); then
  echo "bench: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v java >/dev/null || { echo "bench: java not found (apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench: python3 not found" >&2; exit 1; }

# ---- The daemon ----------------------------------------------------------------------------------------------------
JAR="${NCSYNC_BENCH_JAR:-$ROOT/daemon/target/ncsync-all.jar}"
# daemon/target without the jar: a build is probably under way; give it up to 3 minutes before building ourselves.
for _ in $(seq 1 36); do
  [[ ! -f "$JAR" && -d "$(dirname "$JAR")" ]] || break
  echo "bench: waiting for $JAR (a build may be running)..." >&2
  sleep 5
done
if [[ ! -f "$JAR" ]]; then
  echo "bench: $JAR is missing, building it (mvn -pl daemon -am install -DskipTests)" >&2
  (cd "$ROOT" && mvn -q -B -pl daemon -am install -DskipTests)
fi

# ---- The Nextcloud test server (protocol test-jar + its test classpath) ---------------------------------------------
find_protocol_jars() {
  PROTO_JAR="$(ls "$ROOT"/protocol/target/ncsync-protocol-*.jar 2>/dev/null | grep -v -- '-tests.jar$' \
    | grep -v -- '-sources.jar$' | head -1 || true)"
  PROTO_TESTS="$(ls "$ROOT"/protocol/target/ncsync-protocol-*-tests.jar 2>/dev/null | head -1 || true)"
  [[ -n "$PROTO_JAR" && -n "$PROTO_TESTS" ]] \
    && unzip -l "$PROTO_TESTS" 2>/dev/null | grep -q 'io/ncsync/protocol/testing/nextcloud/NextcloudTestServer.class'
}
NC_CP=""
# A concurrent `mvn clean install` empties protocol/target for a while: wait for the jars to come back (up to 3 min).
found=0
for _ in $(seq 1 36); do
  if find_protocol_jars; then found=1; break; fi
  [[ -d "$ROOT/protocol/target" ]] || break   # never built here: nothing to wait for
  echo "bench: waiting for protocol/target/*-tests.jar (a build may be running)..." >&2
  sleep 5
done
if [[ "$found" == 1 ]]; then
  cp_file="$(mktemp)"
  if (cd "$ROOT" && { mvn -q -B -o -pl protocol dependency:build-classpath -Dmdep.includeScope=test \
        -Dmdep.outputFile="$cp_file" >/dev/null 2>&1 \
      || mvn -q -B -pl protocol dependency:build-classpath -Dmdep.includeScope=test \
        -Dmdep.outputFile="$cp_file" >/dev/null; }); then
    NC_CP="$PROTO_JAR:$PROTO_TESTS:$(cat "$cp_file")"
  else
    echo "bench: could not resolve the protocol test classpath; the Nextcloud test server is skipped" >&2
  fi
  rm -f "$cp_file"
else
  echo "bench: protocol test-jar with NextcloudTestServer not found (build it: mvn -pl protocol -am install" \
       "-DskipTests); the Nextcloud test server is skipped" >&2
fi

export LANG="${LANG:-C.UTF-8}"
exec python3 "$BENCH/bench.py" --jar "$JAR" --nc-classpath "$NC_CP" "$@"
