package sockets

import (
	"context"
	"net"
	"net/http"
	"os"
	"testing"
	"time"
)

func TestWatchReportsAppearChangeVanish(t *testing.T) {
	dir := newRoot(t)
	makeStale(t, join(dir, "old.sock"))
	opts := rootOnly(dir)
	opts.WatchInterval = 20 * time.Millisecond
	scan, _ := scanAll(t, opts)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	events, err := Watch(ctx, opts, scan.Sockets)
	if err != nil {
		t.Fatal(err)
	}
	next := func(path string) Event {
		t.Helper()
		for ev := range events {
			if ev.Socket.Path == path {
				return ev
			}
			if ev.Socket.Path == join(dir, "old.sock") {
				t.Errorf("unchanged baseline socket reported: %s", ev.Type)
			}
		}
		t.Fatalf("watch ended before an event for %s", path)
		return Event{}
	}

	path := join(dir, "new.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	srv := &http.Server{Handler: http.NotFoundHandler()}
	go srv.Serve(l)
	defer srv.Close()
	if ev := next(path); ev.Type != Appeared || ev.Socket.Kind != KindHTTP1 {
		t.Fatalf("first event %s %s, want appeared http1", ev.Type, ev.Socket.Kind)
	}

	if _, err := os.Stat(procNetUnixPath); err == nil {
		// The server goes away and leaves its file: /proc shows the change.
		srv.Close()
		if ev := next(path); ev.Type != Changed || ev.Socket.Kind != KindStale {
			t.Fatalf("after the server stopped: %s %s, want changed stale", ev.Type, ev.Socket.Kind)
		}
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if ev := next(path); ev.Type != Vanished {
		t.Fatalf("after removing the file: %s, want vanished", ev.Type)
	}
	cancel()
	for ev := range events {
		if ev.Socket.Path == join(dir, "old.sock") {
			t.Errorf("unchanged baseline socket reported: %s", ev.Type)
		}
	}
}
