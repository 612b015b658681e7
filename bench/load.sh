#!/usr/bin/env bash
# Compares sockscope --bench with ghz and with a minimal grpc-go client loop
# (bench/grpcloop) on the same sample server socket, calling
# sample.v1.Echo/Echo: the median latency at concurrency 1, the calls per
# second each reaches at concurrency 1 and 16, and p50/p99 at a fixed rate.
# The tools take turns within each round, in an order that rotates, so that
# all of them see the same machine; medians over the rounds are printed,
# with sockscope's ratio to each of the others.
# Usage: bench/load.sh [ROUNDS] [CALLS]; RATE (default 2000) sets the fixed rate.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-5}
calls=${2:-20000}
rate=${RATE:-2000}
rate_calls=$((rate * 2))
data='{"message":"bench"}'

work=$(mktemp -d "${TMPDIR:-/tmp}/ssload.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "building sockscope and bench/grpcloop; installing ghz into a temporary GOBIN" >&2
go build -o "$work/sockscope" .
go build -o "$work/grpcloop" ./bench/grpcloop
ghz=""
if GOBIN="$work/bin" go install github.com/bojand/ghz/cmd/ghz@latest >"$work/ghz-install.log" 2>&1; then
  ghz="$work/bin/ghz"
else
  echo "ghz could not be installed ('go install github.com/bojand/ghz/cmd/ghz@latest' failed); its columns stay empty:" >&2
  tail -5 "$work/ghz-install.log" >&2
fi

sock="$work/s.sock"
"$work/sockscope" --sample-server --socket "$sock" >"$work/server.out" &
server_pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || { echo "sample server did not start" >&2; exit 1; }
# ghz reads the schema from a protoset (the reflection it speaks is older
# than the sample's); sockscope uses reflection, which costs it nothing
# once the load starts.
"$work/sockscope" --list --protoset-out "$work/sample.protoset" "$sock" >/dev/null

# field NAME: the first number after "NAME": in the JSON on stdin.
field() { grep -o "\"$1\":[0-9.eE+-]*" | head -1 | cut -d: -f2; }
# ghz_percentile P: ghz's latency at percentile P, in microseconds.
ghz_percentile() { grep -o "{\"percentage\":$1,\"latency\":[0-9]*" | head -1 | awk -F: '{printf "%.1f", $3/1000}'; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print ""; exit} m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m}'; }

record() { echo "$2" >>"$work/$1"; } # record SERIES VALUE

ss_run() { # ss_run SCENARIO ARGS...
  local scenario=$1 out
  shift
  out=$("$work/sockscope" --bench sample.v1.Echo/Echo -d "$data" --format jsonl "$@" "$sock")
  record "ss_${scenario}_rps" "$(field calls_per_s <<<"$out")"
  record "ss_${scenario}_p50" "$(field p50 <<<"$out")"
  record "ss_${scenario}_p99" "$(field p99 <<<"$out")"
}
loop_run() { # loop_run SCENARIO CONCURRENCY
  local out
  out=$("$work/grpcloop" -addr "$sock" -n "$calls" -c "$2")
  record "loop_$1_rps" "$(field calls_per_s <<<"$out")"
  record "loop_$1_p50" "$(field p50 <<<"$out")"
  record "loop_$1_p99" "$(field p99 <<<"$out")"
}
ghz_run() { # ghz_run SCENARIO GHZ-ARGS...
  [ -n "$ghz" ] || return 0
  local scenario=$1 out
  shift
  out=$("$ghz" --insecure --protoset "$work/sample.protoset" --call sample.v1.Echo/Echo -d "$data" \
    --connections 1 -O json "$@" "unix://$sock")
  record "ghz_${scenario}_rps" "$(field rps <<<"$out")"
  record "ghz_${scenario}_p50" "$(ghz_percentile 50 <<<"$out")"
  record "ghz_${scenario}_p99" "$(ghz_percentile 99 <<<"$out")"
}

c1() {
  case $1 in
  ss) ss_run c1 -n "$calls" ;;
  loop) loop_run c1 1 ;;
  ghz) ghz_run c1 -n "$calls" -c 1 ;;
  esac
}
c16() {
  case $1 in
  ss) ss_run c16 -n "$calls" --concurrency 16 ;;
  loop) loop_run c16 16 ;;
  ghz) ghz_run c16 -n "$calls" -c 16 ;;
  esac
}
paced() {
  case $1 in
  ss) ss_run rate -n "$rate_calls" --concurrency 16 --rate "$rate" ;;
  ghz) ghz_run rate -n "$rate_calls" -c 16 --rps "$rate" ;;
  esac
}

# One warm-up of each before timing.
c1 ss; c1 loop; c1 ghz
rm -f "$work"/ss_* "$work"/loop_* "$work"/ghz_*

tools=(ss loop ghz)
for i in $(seq "$rounds"); do
  # Rotate who goes first, so no tool always runs right after another.
  shift_by=$((i % 3))
  order=("${tools[@]:shift_by}" "${tools[@]:0:shift_by}")
  for scenario in c1 c16 paced; do
    for tool in "${order[@]}"; do "$scenario" "$tool"; done
  done
  echo "round $i/$rounds done" >&2
done

m() { if [ -s "$work/$1" ]; then median <"$work/$1"; fi; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }
row() { # row LABEL SERIES-SUFFIX
  local ss loop gz
  ss=$(m "ss_$2"); loop=$(m "loop_$2"); gz=$(m "ghz_$2")
  printf '%-30s %10s %10s %10s %12s %12s\n' "$1" "$ss" "${loop:--}" "${gz:--}" "$(ratio "$ss" "$loop")" "$(ratio "$ss" "$gz")"
}
printf '%-30s %10s %10s %10s %12s %12s\n' "median over $rounds rounds" sockscope grpc-loop ghz "ss/loop" "ss/ghz"
row "concurrency 1: p50 µs" c1_p50
row "concurrency 1: p99 µs" c1_p99
row "concurrency 1: calls/s" c1_rps
row "concurrency 16: calls/s" c16_rps
row "concurrency 16: p50 µs" c16_p50
row "${rate}/s, concurrency 16: p50 µs" rate_p50
row "${rate}/s, concurrency 16: p99 µs" rate_p99
echo "calls per run: $calls ($rate_calls at the fixed rate); one connection each; machine: $(nproc) cores, $(go version | awk '{print $3}')"
if [ -n "$ghz" ]; then echo "ghz: $(go version -m "$ghz" | awk '$1 == "mod" {print $2, $3}')"; fi
