#!/usr/bin/env bash
# Times sockscope against grpcurl on the bundled sample server, alternating the
# two tools in one run so both see the same machine state, and prints medians
# and ratios: a unary call, a server stream (Count) and a client stream (Sum),
# and the streams' peak RSS when GNU time is installed. The unary call's
# floors are timed beside them: the same call by the least grpc-go client
# that finds the method by reflection (bench/reflectcall), and by one with
# the generated stubs, which needs no reflection (bench/grpcloop -n 0).
# Usage: bench/call.sh [ROUNDS] [STREAM_COUNT]; the quick unary call gets
# five times as many rounds as the streams, since one run of it varies by a
# fifth either way on a shared machine. CGO_ENABLED=0 in the environment
# builds both tools static (grpcurl's releases are), which takes the
# dynamic loader out of both start-ups.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-21}
stream_count=${2:-100000}
grpcurl_version=v1.9.4

work=$(mktemp -d "${TMPDIR:-/tmp}/ssbench.XXXXXX")
# Each call is recorded in the history, as a user's would be, but in a
# history of the run's own rather than the user's.
export XDG_STATE_HOME="$work/state"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "building sockscope and installing grpcurl ${grpcurl_version} into a temporary GOBIN" >&2
go build -o "$work/sockscope" .
# The floors for the unary call: one call by reflection with nothing
# else (bench/reflectcall), and one with the generated stubs, no
# reflection, nothing printed but a line (bench/grpcloop -n 0).
go build -o "$work/reflectcall" ./bench/reflectcall
go build -o "$work/grpcloop" ./bench/grpcloop
GOBIN="$work/bin" go install "github.com/fullstorydev/grpcurl/cmd/grpcurl@${grpcurl_version}"

sock="$work/s.sock"
"$work/sockscope" --sample-server --socket "$sock" >"$work/server.out" &
server_pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || { echo "sample server did not start" >&2; exit 1; }

ss() { "$work/sockscope" "$@"; }
gc() { "$work/bin/grpcurl" "$@"; }

# time_us CMD... : runs CMD with stdout discarded and prints its wall time in
# microseconds. EPOCHREALTIME is read inside bash: a `date` process per
# reading would add the same few milliseconds to both tools and hide the
# difference between them.
time_us() {
  local start end
  start=${EPOCHREALTIME/[.,]/}
  "$@" >/dev/null
  end=${EPOCHREALTIME/[.,]/}
  echo $(( end - start ))
}

median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'; }

unary_data='{"message":"bench"}'
stream_data="{\"count\":${stream_count}}"
# The client stream (Sum) reads its messages from a file, one JSON object
# a line, the same file for both tools.
seq 1 "$stream_count" | awk '{print "{\"value\":" $1 "}"}' >"$work/sum.jsonl"

# Check that the stream is whole and the reflection floor answers, then
# warm the binaries with the call that is timed first. The build's files are
# flushed to disk first, so that their writeback does not compete with the
# first rounds.
ss_n=$(ss --call sample.v1.Echo/Count -d "$stream_data" --format jsonl "$sock" | wc -l)
[ "$ss_n" -eq "$stream_count" ] || { echo "sockscope streamed $ss_n messages, want $stream_count" >&2; exit 1; }
"$work/reflectcall" -addr "$sock" -d "$unary_data" | grep -q '"message":"bench"' || { echo "bench/reflectcall did not echo the request" >&2; exit 1; }
sync
for _ in 1 2 3; do
  ss --call sample.v1.Echo/Echo -d "$unary_data" "$sock" >/dev/null
  gc -plaintext -unix -d "$unary_data" "$sock" sample.v1.Echo/Echo >/dev/null
  "$work/reflectcall" -addr "$sock" -d "$unary_data" >/dev/null
  "$work/grpcloop" -addr "$sock" -n 0 >/dev/null
done

: >"$work/ss_unary"; : >"$work/gc_unary"; : >"$work/reflect_unary"; : >"$work/floor_unary"; : >"$work/ss_stream"; : >"$work/gc_stream"; : >"$work/ss_sum"; : >"$work/gc_sum"
ss_unary() { time_us ss --call sample.v1.Echo/Echo -d "$unary_data" "$sock" >>"$work/ss_unary"; }
gc_unary() { time_us gc -plaintext -unix -d "$unary_data" "$sock" sample.v1.Echo/Echo >>"$work/gc_unary"; }
reflect_unary() { time_us "$work/reflectcall" -addr "$sock" -d "$unary_data" >>"$work/reflect_unary"; }
floor_unary() { time_us "$work/grpcloop" -addr "$sock" -n 0 >>"$work/floor_unary"; }
ss_stream() { time_us ss --call sample.v1.Echo/Count -d "$stream_data" --format jsonl "$sock" >>"$work/ss_stream"; }
gc_stream() { time_us gc -plaintext -unix -d "$stream_data" "$sock" sample.v1.Echo/Count >>"$work/gc_stream"; }
ss_sum() { time_us ss --call sample.v1.Echo/Sum -d @"$work/sum.jsonl" "$sock" >>"$work/ss_sum"; }
gc_sum() { time_us gc -plaintext -unix -d @ "$sock" sample.v1.Echo/Sum <"$work/sum.jsonl" >>"$work/gc_sum"; }

# Peak RSS needs GNU time (Debian package time); without it the memory
# rows are left out.
gnu_time=""
[ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1 && gnu_time=/usr/bin/time
# rss_kib FILE CMD... : appends CMD's peak resident set in KiB to FILE. CMD
# is a program, not one of the functions above (time runs it itself).
rss_kib() {
  local out=$1; shift
  "$gnu_time" -f %M -o "$work/rss.tmp" "$@" >/dev/null
  tail -n 1 "$work/rss.tmp" >>"$out"
}
# The unary calls are timed apart from the streams, and the two tools swap
# places every round: a call that follows a 100,000-message stream finds the
# server still cleaning up after it, and with a fixed order that fell on the
# same tool every time.
for i in $(seq $((rounds * 5))); do
  if ((i % 2)); then ss_unary; gc_unary; else gc_unary; ss_unary; fi
  reflect_unary; floor_unary
done
echo "unary rounds done" >&2
for i in $(seq "$rounds"); do
  if ((i % 2)); then ss_stream; gc_stream; ss_sum; gc_sum; else gc_stream; ss_stream; gc_sum; ss_sum; fi
  echo "stream round $i/$rounds done" >&2
done
if [ -n "$gnu_time" ]; then
  for i in $(seq "$rounds"); do
    rss_kib "$work/ss_stream_rss" "$work/sockscope" --call sample.v1.Echo/Count -d "$stream_data" --format jsonl "$sock"
    rss_kib "$work/gc_stream_rss" "$work/bin/grpcurl" -plaintext -unix -d "$stream_data" "$sock" sample.v1.Echo/Count
    rss_kib "$work/ss_sum_rss" "$work/sockscope" --call sample.v1.Echo/Sum -d @"$work/sum.jsonl" "$sock"
    rss_kib "$work/gc_sum_rss" sh -c 'exec "$0" -plaintext -unix -d @ "$1" sample.v1.Echo/Sum <"$2"' "$work/bin/grpcurl" "$sock" "$work/sum.jsonl"
  done
  echo "memory rounds done" >&2
fi

ssu=$(median <"$work/ss_unary"); gcu=$(median <"$work/gc_unary")
sss=$(median <"$work/ss_stream"); gcs=$(median <"$work/gc_stream")
printf '%-32s %12s %12s %8s\n' "median wall time (ms)" sockscope grpcurl ratio
printf '%-32s %12s %12s %8.2f\n' "unary Echo (reflection)" "$ssu" "$gcu" "$(awk -v a="$ssu" -v b="$gcu" 'BEGIN{print a/b}')"
rfu=$(median <"$work/reflect_unary")
printf '%-32s %12s %12s %8.2f\n' "  floor: reflection, one call" "$rfu" "$gcu" "$(awk -v a="$rfu" -v b="$gcu" 'BEGIN{print a/b}')"
flu=$(median <"$work/floor_unary")
printf '%-32s %12s %12s %8.2f\n' "  floor: grpc-go stubs, one call" "$flu" "$gcu" "$(awk -v a="$flu" -v b="$gcu" 'BEGIN{print a/b}')"
printf '%-32s %12s %12s %8.2f\n' "Count stream x${stream_count}" "$sss" "$gcs" "$(awk -v a="$sss" -v b="$gcs" 'BEGIN{print a/b}')"
ssm=$(median <"$work/ss_sum"); gcm=$(median <"$work/gc_sum")
printf '%-32s %12s %12s %8.2f\n' "Sum client stream x${stream_count}" "$ssm" "$gcm" "$(awk -v a="$ssm" -v b="$gcm" 'BEGIN{print a/b}')"
if [ -n "$gnu_time" ]; then
  median_mib() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1024}'; }
  printf '%-32s %12s %12s %8s\n' "median peak RSS (MiB)" sockscope grpcurl ratio
  for row in stream:Count sum:Sum; do
    f=${row%%:*}; name=${row#*:}
    a=$(median_mib <"$work/ss_${f}_rss"); b=$(median_mib <"$work/gc_${f}_rss")
    printf '%-32s %12s %12s %8.2f\n' "$name x${stream_count}" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN{print a/b}')"
  done
fi
echo "rounds: $((rounds * 5)) unary, $rounds stream; machine: $(nproc) cores, $(go version | awk '{print $3}')"
