#!/usr/bin/env bash
# Drives the built TUI in tmux, as a person would, and prints what it costs:
#  - Big with 64 MiB (--max-msg-size raised for it): the time from ctrl+s to
#    the first frame that shows the reply, then the time each key takes to
#    change the screen (scrolling down and sideways, wrap, top, bottom);
#  - a server stream of STREAM_COUNT messages (sample Count, no interval):
#    the time from ctrl+s to the screen saying OK, against
#    `--call --format jsonl` for the same stream in the same run, and the
#    TUI's peak resident memory.
# Times are read by polling tmux, every few milliseconds for the keys and
# every 50 ms for the stream (so the polling does not slow what it
# measures), which adds up to that much to each; medians over ROUNDS. Usage: bench/tui.sh [ROUNDS] [STREAM_COUNT]
set -euo pipefail
[ -n "${BENCH_TRACE:-}" ] && set -x
cd "$(dirname "$0")/.."

rounds=${1:-5}
stream_count=${2:-1000000}
command -v tmux >/dev/null || { echo "needs tmux" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/sstui.XXXXXX")
sessions=0
tmux_sock="$work/tmux0"
cleanup() { for s in "$work"/tmux*; do tmux -S "$s" kill-server 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/sockscope" .

t() { tmux -S "$tmux_sock" "$@"; }
screen() { t capture-pane -p -t b; }
now_us() { echo "${EPOCHREALTIME/[.,]/}"; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'; }

# wait_for TEXT [INTERVAL]: polls the screen every INTERVAL seconds (0.005 by
# default) until it shows TEXT; gives up after 60 s.
wait_for() {
  local every=${2:-0.005}
  local deadline=$(( $(now_us) + 60000000 ))
  while [ "$(now_us)" -lt "$deadline" ]; do screen | grep -qF -- "$1" && return 0; sleep "$every"; done
  echo "the screen never showed: $1" >&2; screen >&2; exit 1
}

# key_us KEY: sends KEY and prints the microseconds until the screen changes.
key_us() {
  local before start
  before=$(screen | md5sum)
  start=$(now_us)
  t send-keys -t b "$1"
  for _ in $(seq 4000); do [ "$(screen | md5sum)" != "$before" ] && break; sleep 0.002; done
  echo $(( $(now_us) - start ))
}

# open ADDRESS METHOD_TYPE BODY: starts the TUI on ADDRESS (--demo for the
# bundled server), selects the method whose request is METHOD_TYPE and types
# BODY into the editor.
open() {
  # A tmux server of its own each time: a new session on a server still
  # shutting down fails.
  t kill-server 2>/dev/null || true
  sessions=$((sessions + 1))
  tmux_sock="$work/tmux$sessions"
  t new-session -d -s b -x 120 -y 40 -e TERM=xterm-256color \
    "exec $work/sockscope --max-msg-size 80000000 $1 2>$work/err"
  shift
  wait_for "sample.v1.Echo"
  t send-keys -t b g
  for _ in $(seq 40); do screen | grep -qF "Request $1" && break; t send-keys -t b j; sleep 0.1; done
  t send-keys -t b Tab
  for _ in $(seq 10); do t send-keys -t b C-k Down; done
  t send-keys -t b C-a
  for _ in $(seq 10); do t send-keys -t b C-k Up; done
  t send-keys -t b C-k
  t send-keys -t b -l "$2"
  wait_for "$2"
}

: >"$work/first"; : >"$work/keys"
for i in $(seq "$rounds"); do
  [ -n "${SKIP_BIG:-}" ] && break
  open --demo sample.v1.BigRequest '{"bytes": 67108864}'
  start=$(now_us)
  t send-keys -t b C-s
  wait_for "Response OK"
  echo $(( $(now_us) - start )) >>"$work/first"
  t send-keys -t b Tab Tab Tab
  sleep 0.3
  for k in j l l z j G g z h; do key_us "$k" >>"$work/keys"; done
  echo "big round $i/$rounds done" >&2
done
echo "Big 64 MiB: ctrl+s to first frame, median $(median <"$work/first") ms over $rounds"
echo "Big 64 MiB: each key to a changed screen, median $(median <"$work/keys") ms over $(wc -l <"$work/keys") keys"

# The stream: the scripted call and the TUI alternate, so both see the same machine.
"$work/sockscope" --sample-server --socket "$work/s.sock" >/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 100); do [ -S "$work/s.sock" ] && break; sleep 0.05; done
: >"$work/call"; : >"$work/tui"; : >"$work/rss"
for i in $(seq "$rounds"); do
  start=$(now_us)
  "$work/sockscope" --call sample.v1.Echo/Count -d "{\"count\":$stream_count}" --format jsonl "$work/s.sock" >/dev/null
  echo $(( $(now_us) - start )) >>"$work/call"

  open "$work/s.sock" sample.v1.CountRequest "{\"count\": $stream_count}"
  pid=$(t display -p -t b '#{pane_pid}')
  start=$(now_us)
  t send-keys -t b C-s
  # Polled seldom: each look runs tmux and grep, which would take CPU from
  # the stream measured.
  wait_for "Response OK" 0.05
  echo $(( $(now_us) - start )) >>"$work/tui"
  awk '/VmHWM/ {print $2}' "/proc/$pid/status" >>"$work/rss"
  echo "stream round $i/$rounds done" >&2
done
call=$(median <"$work/call"); tui=$(median <"$work/tui")
echo "Count $stream_count: --call --format jsonl median $call ms, TUI median $tui ms, ratio $(awk -v a="$tui" -v b="$call" 'BEGIN {printf "%.2f", a/b}')"
echo "Count $stream_count: TUI peak resident memory median $(sort -n "$work/rss" | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR+1)/2)]/1024}') MiB"
