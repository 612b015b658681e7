#!/usr/bin/env bash
# Renders docs/screenshot.png: drives `sockscope --demo` in tmux to a sent
# Echo call and turns the captured screen into an image with freeze.
# Needs tmux; installs freeze into a temporary GOBIN.
set -euo pipefail
cd "$(dirname "$0")/.."

freeze_version=v0.2.2
work=$(mktemp -d "${TMPDIR:-/tmp}/ssshot.XXXXXX")
tmux_sock="$work/tmux"
cleanup() { tmux -S "$tmux_sock" kill-server 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/sockscope" .
GOBIN="$work/bin" go install "github.com/charmbracelet/freeze@${freeze_version}"

# The calls made for the picture go into a history of their own, not the user's.
tmux -S "$tmux_sock" new-session -d -s shot -x 110 -y 32 -e TERM=xterm-256color -e COLORTERM=truecolor -e XDG_STATE_HOME="$work/state" "$work/sockscope --demo"
screen() { tmux -S "$tmux_sock" capture-pane -p -t shot; }
wait_for() {
  for _ in $(seq 200); do screen | grep -qF -- "$1" && return 0; sleep 0.1; done
  echo "the screen never showed: $1" >&2; screen >&2; exit 1
}
keys() { tmux -S "$tmux_sock" send-keys -t shot "$@"; }

wait_for "sample.v1.Echo"
keys g
for _ in $(seq 40); do screen | grep -qF "Request sample.v1.EchoRequest" && break; keys j; sleep 0.05; done
keys Tab
# The editor holds the template {"message": ""} with the cursor between
# the quotes.
keys -l 'hello from sockscope'
keys Tab
keys -l 'x-request-id: 42'
keys C-s
wait_for 'hello from sockscope"'
# Move to the response pane, so the picture shows where the focus is.
keys Tab Tab Tab
sleep 0.3

tmux -S "$tmux_sock" capture-pane -p -e -t shot >"$work/screen.ans"
"$work/bin/freeze" --language ansi --window --padding 20 --font.size 14 \
  --output docs/screenshot.png "$work/screen.ans"
echo "wrote docs/screenshot.png"
