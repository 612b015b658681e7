#!/usr/bin/env bash
# Times how long each mode of sockscope takes to give up on a socket that
# accepts and never speaks (containerd's .ttrpc socket, say) with
# --connect-timeout 1s: the bound the issue asks for is 1.5 s in every mode.
# Prints each mode's wall time and exit status. Usage: bench/silent.sh
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d "${TMPDIR:-/tmp}/sssilent.XXXXXX")
listener_pid=""
cleanup() {
  if [ -n "$listener_pid" ]; then kill "$listener_pid" 2>/dev/null || true; wait "$listener_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/sockscope" .
go build -o "$work/silent" ./bench/silentlistener
sock="$work/silent.sock"
"$work/silent" "$sock" &
listener_pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || { echo "the silent listener did not start" >&2; exit 1; }
"$work/sockscope" --list --protoset-out "$work/sample.protoset" --proto sample/v1/echo.proto --import-path sample/proto >/dev/null

run() {
  local name=$1; shift
  local start=$EPOCHREALTIME status=0
  "$work/sockscope" "$@" --connect-timeout 1s "$sock" >/dev/null 2>&1 || status=$?
  local end=$EPOCHREALTIME
  printf '%-22s %6.2f s  exit %d\n' "$name" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$status"
}
run call --call sample.v1.Echo/Echo
run "call with protoset" --call sample.v1.Echo/Echo --protoset "$work/sample.protoset"
run list --list
run describe --describe sample.v1.Echo
run template --template sample.v1.Echo/Echo
run health --health
