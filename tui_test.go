package main

import (
	"os"
	"os/exec"
	"path/filepath"
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
	args := append([]string{"-S", s.socket, "new-session", "-d", "-s", s.name,
		"-x", strconv.Itoa(width), "-y", strconv.Itoa(height), "-e", "TERM=xterm-256color"}, command...)
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
	deadline := time.Now().Add(30 * time.Second)
	for {
		screen := s.screen()
		if strings.Contains(screen, want) {
			return screen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("screen never showed %q; it shows:\n%s", want, screen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDemoInTmux does what the README promises a person can do: start the
// demo, walk to sample.v1.Echo/Echo, add metadata, send, and read the reply;
// then cancel a Sleep with esc and read Fail's details.
func TestDemoInTmux(t *testing.T) {
	bin := filepath.Join(shortDir(t), "sockscope")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
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
	selectMethod(tm, "sample.v1.SleepRequest")
	tm.keys("Tab")
	// Replace the template with a long sleep, then cancel it.
	tm.keys("C-a") // harmless in the editor; the body is rewritten below
	for i := 0; i < 10; i++ {
		tm.keys("C-k", "Down")
	}
	tm.keys("-l", `{"ms": 60000}`)
	tm.keys("C-s")
	tm.waitFor("running")
	tm.keys("Escape")
	tm.waitFor("Canceled")

	tm.keys("Escape")
	selectMethod(tm, "sample.v1.FailRequest")
	tm.keys("Tab")
	for i := 0; i < 10; i++ {
		tm.keys("C-k", "Down")
	}
	tm.keys("-l", `{"code": 5, "message": "gone"}`)
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
// method's input type.
func selectMethod(tm *tmuxSession, requestType string) {
	tm.t.Helper()
	tm.keys("g")
	for i := 0; i < 40; i++ {
		if strings.Contains(tm.screen(), "Request "+requestType) {
			return
		}
		tm.keys("j")
		time.Sleep(50 * time.Millisecond)
	}
	tm.t.Fatalf("never reached a method taking %s:\n%s", requestType, tm.screen())
}
