package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tmuxSession drives the real binary in a real terminal: tmux on a private
// server socket, so the test never touches a user's own tmux.
type tmuxSession struct {
	t      *testing.T
	socket string
	name   string
}

func startTmux(t *testing.T, width, height int, command ...string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (.ci/run installs it); skipping the terminal end-to-end test")
	}
	s := &tmuxSession{t: t, socket: filepath.Join(shortDir(t), "tmux"), name: "ss"}
	// The program's history goes to a directory of the test's, whatever
	// SOCKSCOPE_HISTORY says, never to the user's ~/.local/state.
	args := append([]string{"-S", s.socket, "new-session", "-d", "-s", s.name,
		"-x", strconv.Itoa(width), "-y", strconv.Itoa(height), "-e", "TERM=xterm-256color",
		"-e", "XDG_STATE_HOME=" + shortDir(t)}, command...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "-S", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	args := append([]string{"-S", s.socket, "send-keys", "-t", s.name}, keys...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		s.t.Fatalf("send-keys %v: %v\n%s", keys, err, out)
	}
	if keys[len(keys)-1] == "Escape" {
		// A key sent right after ESC would reach the program as alt+key, as
		// it would for a person typing that fast; a person pauses.
		time.Sleep(300 * time.Millisecond)
	}
}

func (s *tmuxSession) screen() string {
	s.t.Helper()
	out, err := exec.Command("tmux", "-S", s.socket, "capture-pane", "-p", "-t", s.name).CombinedOutput()
	if err != nil {
		s.t.Fatalf("capture-pane: %v\n%s", err, out)
	}
	return string(out)
}

// waitForExit waits until the program has ended and its session with it.
func (s *tmuxSession) waitForExit() {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for exec.Command("tmux", "-S", s.socket, "has-session", "-t", s.name).Run() == nil {
		if time.Now().After(deadline) {
			s.t.Fatalf("the program did not end; it shows:\n%s", s.screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitFor polls the screen until it contains want; the deadline only guards
// against a hang, it is not a speed assertion.
func (s *tmuxSession) waitFor(want string) string {
	s.t.Helper()
	return s.waitUntil(strconv.Quote(want), func(screen string) bool { return strings.Contains(screen, want) })
}

// waitUntil polls the screen until ok accepts it, then until it stops
// changing, so that a key sent next acts on the state that was seen rather
// than on a frame half drawn; what says what was awaited when it never came.
func (s *tmuxSession) waitUntil(what string, ok func(screen string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	screen := s.screen()
	for !ok(screen) {
		if time.Now().After(deadline) {
			s.t.Fatalf("screen never showed %s; it shows:\n%s", what, screen)
		}
		time.Sleep(50 * time.Millisecond)
		screen = s.screen()
	}
	for {
		time.Sleep(50 * time.Millisecond)
		again := s.screen()
		if again == screen && ok(again) {
			return again
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("screen never settled on %s; it shows:\n%s", what, again)
		}
		screen = again
	}
}

// TestDemoInTmux does what the README promises a person can do: start the
// demo, walk to sample.v1.Echo/Echo, add metadata, send, and read the reply;
// then cancel a Sleep with esc and read Fail's details.
func TestDemoInTmux(t *testing.T) {
	bin := buildSockscope(t)
	// $EDITOR is a script that replaces the request, as a person would in vi.
	editor := filepath.Join(shortDir(t), "edit.sh")
	script := "#!/bin/sh\nprintf '{\"message\": \"from-editor\"}' > \"$1\"\n"
	if err := os.WriteFile(editor, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	// The demo's private directory goes under a temp dir of the test's own,
	// so the test can see it go when the program ends.
	tmp := shortDir(t)
	tm := startTmux(t, 120, 36, "env", "EDITOR="+editor, "TMPDIR="+tmp, bin, "--demo")
	tm.waitFor("sample.v1.Echo")

	selectMethod(tm, "sample.v1.EchoRequest")
	tm.keys("C-e")
	tm.waitFor(`{"message": "from-editor"}`)
	tm.keys("C-s")
	tm.waitFor(`"message": "from-editor",`) // the reply: the editor has no comma

	tm.keys("Tab", "Tab") // body, then metadata
	tm.keys("-l", "x-demo: from-tmux")
	tm.keys("C-s")
	screen := tm.waitFor("from-tmux\"")
	if !strings.Contains(screen, "OK") {
		t.Errorf("no OK status after Echo:\n%s", screen)
	}

	tm.keys("Escape") // back to the services pane
	tm.waitFor("d describe")
	selectMethod(tm, "sample.v1.SleepRequest")
	tm.keys("Tab")
	// Replace the template with a long sleep, then cancel it.
	tm.setBody(`{"ms": 60000}`)
	tm.keys("C-s")
	tm.waitFor("running")
	tm.keys("Escape")
	tm.waitFor("Canceled")

	tm.keys("Escape")
	tm.waitFor("d describe")
	selectMethod(tm, "sample.v1.FailRequest")
	tm.keys("Tab")
	tm.setBody(`{"code": 5, "message": "gone"}`)
	tm.keys("C-s")
	screen = tm.waitFor("NotFound")
	for _, want := range []string{"gone", "google.rpc.BadRequest"} {
		if !strings.Contains(screen, want) {
			t.Errorf("Fail's reply lacks %q:\n%s", want, screen)
		}
	}
	tm.keys("C-c")
	tm.waitForExit()
	if left, _ := filepath.Glob(filepath.Join(tmp, "sockscope-demo-*")); len(left) > 0 {
		t.Errorf("the demo left %v behind", left)
	}
}

// selectMethod moves down the services list until the request pane names the
// method's input type. Each key waits for the cursor to have moved, since a
// key sent before the screen shows the last one's effect would run past the
// method.
func selectMethod(tm *tmuxSession, requestType string) {
	tm.t.Helper()
	tm.keys("g")
	screen := tm.waitUntil("the cursor on the first method", func(screen string) bool {
		row, first := selectedRow(screen)
		return row >= 0 && row == first
	})
	for i := 0; i < 40; i++ {
		if strings.Contains(screen, "Request "+requestType) {
			return
		}
		before, _ := selectedRow(screen)
		beforeText := selectedText(screen)
		tm.keys("j")
		screen = tm.waitUntil("the cursor past "+beforeText, func(screen string) bool {
			row, _ := selectedRow(screen)
			return row >= 0 && (row != before || selectedText(screen) != beforeText)
		})
	}
	tm.t.Fatalf("never reached a method taking %s:\n%s", requestType, screen)
}

// selectedRow finds, in the services pane (the screen's left column, above
// the calls), the line of the method under the cursor and the line of the
// first method; -1 when there is none. Methods are indented under their
// service's heading, or marked with the cursor.
func selectedRow(screen string) (selected, first int) {
	selected, first = -1, -1
	for i, line := range strings.Split(screen, "\n") {
		if strings.HasPrefix(line, "┗") || strings.HasPrefix(line, "╰") {
			break // the calls pane is below
		}
		cell := trimBorder(line)
		if cell == line {
			continue
		}
		isCursor := strings.HasPrefix(cell, "▸ ")
		if first < 0 && (isCursor || strings.HasPrefix(cell, "  ") && strings.TrimSpace(cell[:min(len(cell), 24)]) != "") {
			first = i
		}
		if isCursor {
			selected = i
		}
	}
	return selected, first
}

// selectedText is the services pane's cursor line, "" without one.
func selectedText(screen string) string {
	for _, line := range strings.Split(screen, "\n") {
		if strings.HasPrefix(line, "┗") || strings.HasPrefix(line, "╰") {
			break
		}
		if cell := trimBorder(line); strings.HasPrefix(cell, "▸ ") {
			name, _, _ := strings.Cut(strings.ReplaceAll(cell, "┃", "│"), "│")
			return strings.TrimSpace(name)
		}
	}
	return ""
}

// trimBorder takes a pane's left border off a screen line: light, or heavy
// for the pane with the keyboard; the line comes back as it was without one.
func trimBorder(line string) string {
	for _, border := range []string{"│ ", "┃ "} {
		if cell, ok := strings.CutPrefix(line, border); ok {
			return cell
		}
	}
	return line
}

// setBody replaces the request editor's text, the focus on the editor.
func (s *tmuxSession) setBody(body string) {
	s.t.Helper()
	for i := 0; i < 10; i++ {
		s.keys("C-k", "Down")
	}
	s.keys("C-a")
	for i := 0; i < 10; i++ {
		s.keys("C-k", "Up")
	}
	s.keys("C-k")
	s.keys("-l", body)
}

// TestBigReplyInTmux: a 4 MiB reply is on screen soon after ctrl+s,
// scrolls sideways, and ctrl+c ends the program at once with the terminal
// as it was. The bounds are twenty times what it takes: they catch a
// stall (this once took minutes), they do not measure speed.
func TestBigReplyInTmux(t *testing.T) {
	bin := buildSockscope(t)
	dir := shortDir(t)
	stty := filepath.Join(dir, "stty")
	script := bin + " --demo; stty -a > " + stty + "; echo EXITED; sleep 30"
	tm := startTmux(t, 120, 36, "sh", "-c", script)
	tm.waitFor("sample.v1.Echo")
	selectMethod(tm, "sample.v1.BigRequest")
	tm.keys("Tab")
	tm.setBody(`{"bytes": 4194304}`)
	tm.waitFor(`{"bytes": 4194304}`)
	sent := time.Now()
	tm.keys("C-s")
	tm.waitFor("Response OK")
	if took := time.Since(sent); took > 2*time.Second {
		t.Errorf("the 4 MiB reply took %s to show", took)
	}
	tm.keys("Tab", "Tab", "Tab", "Tab") // metadata, socket metadata, deadline, response
	tm.waitFor("i headers")
	tm.keys("l", "l")
	screen := tm.waitFor("from column")
	if !strings.Contains(screen, "chars)") {
		t.Errorf("the long line does not say how long it is:\n%s", screen)
	}
	quit := time.Now()
	tm.keys("C-c")
	tm.waitFor("EXITED")
	if took := time.Since(quit); took > time.Second {
		t.Errorf("ctrl+c took %s to end the program", took)
	}
	settings, err := os.ReadFile(stty)
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{" icanon", " echo "} {
		if !strings.Contains(" "+string(settings), mode) {
			t.Errorf("the terminal was left without %q:\n%s", mode, settings)
		}
	}
}

// TestSignalsEndTheTUI: SIGTERM and SIGHUP end the program, restore the
// terminal and remove the demo's socket, as ctrl+c does.
func TestSignalsEndTheTUI(t *testing.T) {
	bin := buildSockscope(t)
	for _, sig := range []string{"TERM", "HUP"} {
		t.Run(sig, func(t *testing.T) {
			dir, tmp := shortDir(t), shortDir(t)
			stty := filepath.Join(dir, "stty")
			// The inner shell becomes the program, in the foreground of the
			// terminal as a person would run it, after writing its pid.
			inner := "echo $$ > " + filepath.Join(dir, "pid") + "; TMPDIR=" + tmp + " exec " + bin + " --demo"
			script := "sh -c '" + inner + "'; stty -a > " + stty + "; echo EXITED; sleep 30"
			tm := startTmux(t, 100, 30, "sh", "-c", script)
			tm.waitFor("sample.v1.Echo")
			pid, err := os.ReadFile(filepath.Join(dir, "pid"))
			if err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command("kill", "-"+sig, strings.TrimSpace(string(pid))).CombinedOutput(); err != nil {
				t.Fatalf("kill: %v %s", err, out)
			}
			tm.waitFor("EXITED")
			if settings, _ := os.ReadFile(stty); !strings.Contains(" "+string(settings), " icanon") {
				t.Errorf("SIG%s left the terminal raw:\n%s", sig, settings)
			}
			if left, _ := filepath.Glob(filepath.Join(tmp, "sockscope-demo-*")); len(left) > 0 {
				t.Errorf("SIG%s left %v behind", sig, left)
			}
		})
	}
}

// TestWatchWhileCallingInTmux: a watch keeps running, and receiving,
// while the user calls another method; back on it, it is still running
// with new messages; then a bidi stream shows both directions.
func TestWatchWhileCallingInTmux(t *testing.T) {
	bin := buildSockscope(t)
	tm := startTmux(t, 130, 40, bin, "--demo")
	tm.waitFor("sample.v1.Echo")
	selectMethod(tm, "sample.v1.WatchEventsRequest")
	tm.keys("Tab")
	tm.setBody(`{"heartbeat": "0.2s"}`)
	tm.keys("C-s")
	tm.waitUntil("the watch receiving", func(s string) bool { return watchCount(s) >= 2 })

	tm.keys("BTab") // back to the services, leaving the watch running
	selectMethod(tm, "sample.v1.EchoRequest")
	tm.keys("Tab", "C-s")
	tm.waitFor("Response OK")
	tm.waitFor("Calls (1 running)")

	tm.keys("BTab")
	selectMethod(tm, "sample.v1.WatchEventsRequest")
	before := watchCount(tm.waitFor("running"))
	screen := tm.waitUntil("new watch messages", func(s string) bool { return watchCount(s) > before })
	if !strings.Contains(screen, "running") {
		t.Errorf("the watch stopped:\n%s", screen)
	}

	selectMethod(tm, "sample.v1.ChatMessage")
	tm.keys("Tab")
	tm.setBody(`{"text": "hello"}`)
	tm.keys("C-s")
	tm.waitFor(`← {"text":"hello"}`)
	tm.setBody(`{"text": "again"}`)
	tm.keys("C-s")
	screen = tm.waitFor("2 sent, 2 received")
	for _, want := range []string{`→ {"text":"hello"}`, `→ {"text":"again"}`, `← {"text":"again"}`} {
		if !strings.Contains(screen, want) {
			t.Errorf("the chat lacks %s:\n%s", want, screen)
		}
	}
	tm.keys("C-c")
	tm.waitForExit()
}

var msgsCount = regexp.MustCompile(`(\d+) msgs`)

// watchCount is how many messages the response pane says the stream shown
// has received, -1 when it says none.
func watchCount(screen string) int {
	m := msgsCount.FindStringSubmatch(screen)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
