#!/usr/bin/env bash
# Times discovery on a root of 10,000 stale sockets and 50 live servers
# (20 gRPC, 10 HTTP/1, 10 other, 10 silent), and `find -type s` (with and
# without a stat of each socket) on the same tree and `ss -xlp` in the same
# run.
# Usage: bench/scan.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-9}
work=$(mktemp -d "${TMPDIR:-/tmp}/ssscan.XXXXXX")
fixture_pid=""
cleanup() {
  if [ -n "$fixture_pid" ]; then kill "$fixture_pid" 2>/dev/null || true; wait "$fixture_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/sockscope" .
go build -o "$work/scanfixture" ./bench/scanfixture
"$work/scanfixture" -root "$work/root" >"$work/fixture.out" &
fixture_pid=$!
for _ in $(seq 600); do grep -q ready "$work/fixture.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$work/fixture.out" || { echo "fixture did not start" >&2; exit 1; }

ss_cmd=()
command -v ss >/dev/null 2>&1 && ss_cmd=(ss -xlp)

# Wall time in microseconds from bash's own clock: a `date` process per
# reading would add its start-up to every figure.
time_us() {
  local start end
  start=${EPOCHREALTIME/[.,]/}
  "$@" >/dev/null 2>&1 || true
  end=${EPOCHREALTIME/[.,]/}
  echo $(( end - start ))
}
median_ms() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'; }

scan=("$work/sockscope" --scan --no-default-roots --root "$work/root")
# Check the fixture is seen as intended before timing.
"${scan[@]}" --json >"$work/check.json"
for kind in grpc http1 other silent stale; do
  printf '%-7s %s\n' "$kind" "$(grep -c "\"kind\":\"$kind\"" "$work/check.json")"
done

: >"$work/noprobe"; : >"$work/full"; : >"$work/ss"; : >"$work/find"; : >"$work/findstat"
for i in $(seq "$rounds"); do
  time_us find "$work/root" -type s >>"$work/find"
  # -perm makes find stat each socket, as the table's owner column needs:
  # the part of discovery that find -type s, reading only directory
  # entries, never does.
  time_us find "$work/root" -type s -perm -0 >>"$work/findstat"
  time_us "${scan[@]}" --no-probe >>"$work/noprobe"
  time_us "${scan[@]}" >>"$work/full"
  if [ ${#ss_cmd[@]} -gt 0 ]; then time_us "${ss_cmd[@]}" >>"$work/ss"; fi
  echo "round $i/$rounds done" >&2
done

printf '%-40s %10s\n' "median wall time (ms)" ""
noprobe=$(median_ms <"$work/noprobe"); find_ms=$(median_ms <"$work/find")
printf '%-40s %10s\n' "sockscope --scan --no-probe" "$noprobe"
printf '%-40s %10s\n' "find ROOT -type s (the same tree)" "$find_ms"
printf '%-40s %10s\n' "ratio --no-probe / find" "$(awk -v a="$noprobe" -v b="$find_ms" 'BEGIN {printf "%.2f", a/b}')"
findstat_ms=$(median_ms <"$work/findstat")
printf '%-40s %10s\n' "find ROOT -type s -perm -0 (stats each)" "$findstat_ms"
printf '%-40s %10s\n' "ratio --no-probe / find -perm" "$(awk -v a="$noprobe" -v b="$findstat_ms" 'BEGIN {printf "%.2f", a/b}')"
printf '%-40s %10s\n' "sockscope --scan (probe timeout 1s)" "$(median_ms <"$work/full")"
if [ -s "$work/ss" ]; then
  printf '%-40s %10s\n' "ss -xlp (every socket on the machine)" "$(median_ms <"$work/ss")"
else
  echo "ss not installed (Debian package iproute2): no comparison"
fi
echo "rounds: $rounds, machine: $(nproc) cores"
