#!/usr/bin/env bash
# curl_put.sh NETRC FILE URL [FILE URL]...
# PUTs every FILE to its URL with one curl process (one kept-alive connection, Basic auth sent up front from NETRC)
# and prints one HTTP status code a line. bench.py runs it under `xargs -P 8` for the parallel-curl baseline.
set -euo pipefail
netrc=$1
shift
args=()
while (($# >= 2)); do
  args+=(-T "$1" -o /dev/null "$2")
  shift 2
done
exec curl -sS --netrc-file "$netrc" -w '%{http_code}\n' "${args[@]}"
