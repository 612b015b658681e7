#!/usr/bin/env bash
# Times `sockscope --scan` on a root holding 10,000 stale socket files and 50
# live servers (20 gRPC sample servers, 10 HTTP/1, 10 that echo, 10 silent),
# with and without probing, next to `ss -xlp` in the same run, and prints
# medians. Targets: --no-probe <= 100 ms; the full scan <= probe timeout + 0.5 s.
# Usage: bench/scan.sh [ROUNDS] [STALE_COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-7}
stale_count=${2:-10000}
probe_timeout=1s

command -v python3 >/dev/null || { echo "bench/scan.sh needs python3 for the non-gRPC fixture servers" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ssscan.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "building sockscope" >&2
go build -o "$work/sockscope" .
root="$work/root"
mkdir -p "$root/stale" "$root/grpc" "$root/live"

for i in $(seq 1 20); do
  "$work/sockscope" --sample-server --socket "$root/grpc/g$i.sock" >/dev/null &
  pids+=($!)
done

cat >"$work/fixture.py" <<'PY'
import http.server, os, socket, socketserver, sys, threading, time

root, stale_count = sys.argv[1], int(sys.argv[2])

# Stale files: bound, then closed without unlinking.
for i in range(stale_count):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(os.path.join(root, "stale", "s%05d.sock" % i))
    s.close()

class Quiet(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def do_GET(self):
        self.send_response(404); self.end_headers()

class HTTP1(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    def get_request(self):
        conn, _ = self.socket.accept()
        return conn, ("unix", 0)  # BaseHTTPRequestHandler wants a (host, port)

def serve_http1(path):
    HTTP1(path, Quiet).serve_forever()

def serve_raw(path, echo):
    lis = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lis.bind(path); lis.listen(64)
    held = []
    while True:
        conn, _ = lis.accept()
        held.append(conn)  # silent ones keep the connection open and say nothing
        if echo:
            threading.Thread(target=pump, args=(conn,), daemon=True).start()

def pump(conn):
    try:
        while True:
            b = conn.recv(4096)
            if not b:
                return
            conn.sendall(b)
    except OSError:
        pass

live = os.path.join(root, "live")
for i in range(10):
    threading.Thread(target=serve_http1, args=(os.path.join(live, "h%d.sock" % i),), daemon=True).start()
    threading.Thread(target=serve_raw, args=(os.path.join(live, "e%d.sock" % i), True), daemon=True).start()
    threading.Thread(target=serve_raw, args=(os.path.join(live, "q%d.sock" % i), False), daemon=True).start()
print("ready", flush=True)
while True:
    time.sleep(3600)
PY
python3 "$work/fixture.py" "$root" "$stale_count" >"$work/fixture.out" &
pids+=($!)

want_live=50
for _ in $(seq 200); do
  n=$(find "$root/grpc" "$root/live" -type s | wc -l)
  grep -q ready "$work/fixture.out" 2>/dev/null && [ "$n" -ge "$want_live" ] && break
  sleep 0.05
done
grep -q ready "$work/fixture.out" || { echo "fixture servers did not start" >&2; exit 1; }
echo "root: $(find "$root" -type s | wc -l) socket files ($stale_count stale, $want_live live); $(nproc) CPUs" >&2

now_ns() { date +%s%N; }
time_us() { # time_us CMD... : wall time in microseconds, stdout discarded
  local start end
  start=$(now_ns); "$@" >/dev/null 2>&1 || true; end=$(now_ns)
  echo $(( (end - start) / 1000 ))
}
median_ms() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'; }

scan=("$work/sockscope" --scan --no-default-roots --root "$root" --probe-timeout "$probe_timeout")

# Check the result before timing it: every kind is where it should be.
"${scan[@]}" --json >"$work/scan.json"
python3 - "$work/scan.json" "$root" <<'PY'
import collections, json, sys
rows = [r for r in json.load(open(sys.argv[1])) if r["path"].startswith(sys.argv[2])]
kinds = collections.Counter(r["kind"] for r in rows)
print("kinds:", dict(kinds), file=sys.stderr)
want = {"grpc": 20, "http1": 10, "other": 10, "silent": 10}
bad = {k: (kinds[k], n) for k, n in want.items() if kinds[k] != n}
if bad:
    sys.exit("unexpected kind counts (got, want): %s" % bad)
PY

noprobe=() full=() ssx=()
for _ in $(seq "$rounds"); do
  noprobe+=("$(time_us "${scan[@]}" --no-probe)")
  full+=("$(time_us "${scan[@]}")")
  ssx+=("$(time_us ss -xlp)")
done

noprobe_ms=$(printf '%s\n' "${noprobe[@]}" | median_ms)
full_ms=$(printf '%s\n' "${full[@]}" | median_ms)
ss_ms=$(printf '%s\n' "${ssx[@]}" | median_ms)
printf '\nmedians over %d rounds (%d stale + %d live sockets, probe timeout %s)\n' "$rounds" "$stale_count" "$want_live" "$probe_timeout"
printf '  %-34s %8s ms   target <= 100 ms\n' "sockscope --scan --no-probe" "$noprobe_ms"
printf '  %-34s %8s ms   target <= %s + 500 ms\n' "sockscope --scan" "$full_ms" "$probe_timeout"
printf '  %-34s %8s ms\n' "ss -xlp" "$ss_ms"
awk -v a="$noprobe_ms" -v b="$ss_ms" 'BEGIN { if (b > 0) printf "  --no-probe / ss -xlp: %.2fx\n", a / b }'
