#!/usr/bin/env bash
# Measures the tap against direct calls on the bundled sample server, in
# one run: unary latency percentiles and the p50 overhead, Count stream
# throughput and the ratio, and the tap's peak memory while 1 GiB passes
# through it; also the tap's CPU time and how often its threads were
# scheduled, per unary call (bench/tapbench does the measuring). Usage:
# bench/tap.sh [tapbench flags], e.g. bench/tap.sh -unary 10000 -mib 256.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d "${TMPDIR:-/tmp}/sstap.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "building sockscope and tapbench" >&2
go build -o "$work/sockscope" .
go build -o "$work/tapbench" ./bench/tapbench
sync
"$work/tapbench" -sockscope "$work/sockscope" "$@"
