//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"sockscope/sample"
	"sockscope/sample/sampletest"
)

// TestTrafficInTmux taps a running sample server from the TUI in
// interpose mode: a `sockscope --call` to the socket's own path is listed
// and opened both ways, and quitting (q, then SIGTERM in a second run)
// puts the server's socket back at its path.
func TestTrafficInTmux(t *testing.T) {
	bin := buildSockscope(t)
	sock := sampletest.ServeAt(t, filepath.Join(shortDir(t), "daemon.sock"), sample.Options{Reflection: sample.ReflectionV1})
	before := inode(t, sock)
	aside := sock + ".sockscope-tapped"

	interpose := func(tm *tmuxSession) {
		t.Helper()
		tm.waitFor("sample.v1.Echo")
		tm.keys("t")
		tm.waitFor("proxy or interpose?")
		tm.keys("i")
		tm.waitFor("interposed: clients of")
		if inode(t, sock) == before || inode(t, aside) != before {
			t.Fatal("the tap is not in front of the socket")
		}
	}
	restored := func(how string) {
		t.Helper()
		if inode(t, sock) != before {
			t.Errorf("after %s the path does not hold the server's socket again", how)
		}
		if _, err := os.Lstat(aside); err == nil {
			t.Errorf("after %s the renamed socket is still there", how)
		}
		runCLI(t, nil, "--call", "sample.v1.Echo/Echo", sock).want(t, exitOK)
	}

	t.Run("q", func(t *testing.T) {
		tm := startTmux(t, 140, 36, bin, sock)
		interpose(tm)
		if r := runBinary(t, bin, "", "--call", "sample.v1.Echo/Echo", "-d", `{"message":"via-tmux"}`, "-H", "x-demo: 1", sock); r.code != exitOK {
			t.Fatalf("--call through the interposed tap exited %d:\n%s", r.code, r.stderr)
		}
		screen := tm.waitFor("sample.v1.Echo/Echo OK")
		if !strings.Contains(screen, "sockscope (pid") || !strings.Contains(screen, "↑1 ↓1") {
			t.Errorf("the call is listed without its client or counts:\n%s", screen)
		}
		selectTrafficRow(tm, "sample.v1.Echo/Echo")
		tm.keys("Enter")
		tm.waitFor(`"message": "via-tmux"`)
		tm.waitFor("← response 1")
		tm.keys("i")
		tm.waitFor("x-demo: 1")
		tm.keys("Escape")
		tm.waitFor("call to collection") // the list's footer
		tm.keys("q")
		tm.waitForExit()
		restored("q")
	})

	t.Run("SIGTERM", func(t *testing.T) {
		tm := startTmux(t, 140, 36, bin, sock)
		interpose(tm)
		out, err := exec.Command("tmux", "-S", tm.socket, "display-message", "-p", "-t", tm.name, "#{pane_pid}").Output()
		if err != nil {
			t.Fatal(err)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
		if err != nil {
			t.Fatalf("pane pid %q: %v", out, err)
		}
		if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		tm.waitForExit()
		restored("SIGTERM")
	})
}

// TestTrafficContainerdInTmux is the "done when" in the TUI: a
// real containerd tapped in interpose mode from the traffic screen shows
// ctr's calls decoded with the built-in schema, and quitting puts its
// socket back.
func TestTrafficContainerdInTmux(t *testing.T) {
	ctr, err := exec.LookPath("ctr")
	if err != nil {
		t.Skip("ctr is not installed (Debian's containerd package ships it; .ci/run installs it)")
	}
	sock := startContainerd(t)
	bin := buildSockscope(t)
	before := inode(t, sock)
	tm := startTmux(t, 160, 36, bin, sock)
	tm.waitFor("containerd.services")
	tm.keys("t")
	tm.waitFor("proxy or interpose?")
	tm.keys("i")
	tm.waitFor("interposed: clients of")
	if out, err := exec.Command(ctr, "--address", sock, "version").CombinedOutput(); err != nil {
		t.Fatalf("ctr version through the interposed tap: %v\n%s", err, out)
	}
	screen := tm.waitFor("containerd.services.version.v1.Version/Version OK")
	if !strings.Contains(screen, "ctr (pid") {
		t.Errorf("ctr is not named as the client:\n%s", screen)
	}
	selectTrafficRow(tm, "containerd.services.version.v1.Version/Version")
	tm.keys("Enter")
	tm.waitFor(`"version":`)
	tm.keys("Escape")
	tm.keys("q")
	tm.waitForExit()
	if inode(t, sock) != before {
		t.Error("after q containerd's socket is not back at its path")
	}
	if out, err := exec.Command(ctr, "--address", sock, "version").CombinedOutput(); err != nil {
		t.Errorf("ctr straight to containerd after the tap: %v\n%s", err, out)
	}
}

// selectTrafficRow moves the traffic screen's cursor down, from the newest
// call, to the first row that holds method. Other calls may be listed
// too: anything on the machine that probes new sockets (a sockscope
// watching the temp directory) is a client of the tapped socket as well.
func selectTrafficRow(tm *tmuxSession, method string) {
	tm.t.Helper()
	for range 50 {
		for line := range strings.Lines(tm.screen()) {
			if strings.Contains(line, "▸") && strings.Contains(line, method) {
				return
			}
		}
		tm.keys("j")
		tm.waitUntil("the cursor moved", func(string) bool { return true })
	}
	tm.t.Fatalf("no row of %s to select:\n%s", method, tm.screen())
}
