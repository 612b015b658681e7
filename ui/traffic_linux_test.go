//go:build linux

package ui

import (
	"os"
	"strings"
	"syscall"
	"testing"

	"sockscope/tap"
)

// Interpose mode swaps two socket files in one rename, which only Linux
// offers the tap (renameat2), so its test is Linux's alone.

// TestTrafficInterpose puts the tap in front of the socket the explorer
// shows: a call to the socket's own path is listed, and StopTaps (what
// main does however the program ends) puts the server's socket back.
func TestTrafficInterpose(t *testing.T) {
	h := connected(t)
	sock := h.m.explorer.address
	before := inodeOf(t, sock)
	h.send(press("t"), nil)
	h.send(press("i"), func(m Model) bool { return m.traffic.phase != trafficStarting })
	if h.m.traffic.phase != trafficRunning {
		t.Fatalf("the tap did not start: %s", h.m.traffic.err)
	}
	if inodeOf(t, sock) == before || inodeOf(t, tap.AsidePath(sock)) != before {
		t.Fatal("the tap is not in front of the socket")
	}
	called := echoThrough(sock, "interposed")
	h.send(nil, func(m Model) bool { return tappedCall(m, "sample.v1.Echo/Echo") != nil })
	if err := <-called; err != nil {
		t.Fatalf("Echo through the interposed tap: %v", err)
	}
	if c := tappedCall(h.m, "sample.v1.Echo/Echo"); string(c.firstRequest) != `{"message":"interposed"}` {
		t.Errorf("the tapped request: %s", c.firstRequest)
	}
	notes := h.m.StopTaps()
	if inodeOf(t, sock) != before {
		t.Errorf("the server's socket is not back at %s (%v)", sock, notes)
	}
	if _, err := os.Lstat(tap.AsidePath(sock)); err == nil {
		t.Error("the renamed socket is still there")
	}
	if !strings.Contains(strings.Join(notes, " "), "back") {
		t.Errorf("StopTaps did not say it put the socket back: %v", notes)
	}
}

func inodeOf(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}
