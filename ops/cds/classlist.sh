#!/usr/bin/env bash
# Makes daemon/src/main/resources/cds/classes.lst (see classlist.py): builds the jar and the protocol test-jar when
# missing, resolves the Nextcloud test server's classpath, then trains one daemon against the benchmark servers.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
if ! ls protocol/target/ncsync-protocol-*-tests.jar >/dev/null 2>&1 || [[ ! -f daemon/target/ncsync-all.jar ]]; then
  ./mvnw -q -B install -DskipTests
fi
proto_jar="$(ls protocol/target/ncsync-protocol-*.jar | grep -v -- '-tests.jar$' | grep -v -- '-sources.jar$' | head -1)"
proto_tests="$(ls protocol/target/ncsync-protocol-*-tests.jar | head -1)"
cp_file="$(mktemp)"
./mvnw -q -B -o -pl protocol dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >/dev/null
exec python3 ops/cds/classlist.py --nc-classpath "$ROOT/$proto_jar:$ROOT/$proto_tests:$(cat "$cp_file")" "$@"
