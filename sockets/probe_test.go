package sockets

import (
	"os"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/health/grpc_health_v1"
)

func TestScanClassifiesEveryKind(t *testing.T) {
	dir := newRoot(t)
	hs := startGRPC(t, join(dir, "grpc.sock"))
	hs.SetServingStatus("", grpc_health_v1.HealthCheckResponse_NOT_SERVING)
	startGRPCNoHealth(t, join(dir, "bare-grpc.sock"))
	startHTTP1(t, join(dir, "http1.sock"))
	startHTTP2(t, join(dir, "http2.sock"))
	startEcho(t, join(dir, "echo.sock"))
	startGarbage(t, join(dir, "garbage.sock"))
	startCloser(t, join(dir, "closer.sock"))
	startSilent(t, join(dir, "silent.sock"))
	makeStale(t, join(dir, "stale.sock"))
	makeDatagram(t, join(dir, "dgram.sock"))
	// Named like ASP.NET Core's example: found by type, not name.
	if err := os.Mkdir(join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	startHTTP1(t, join(dir, "sub/socket.tmp"))
	if err := os.WriteFile(join(dir, "not-a-socket.sock"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}

	scan, got := scanAll(t, rootOnly(dir))
	if scan.RootsRead != 1 {
		t.Errorf("RootsRead = %d, want 1 (roots %+v)", scan.RootsRead, scan.Roots)
	}
	want := map[string]Kind{
		"grpc.sock":      KindGRPC,
		"bare-grpc.sock": KindGRPC,
		"http1.sock":     KindHTTP1,
		"sub/socket.tmp": KindHTTP1,
		"http2.sock":     KindHTTP2,
		"echo.sock":      KindOther,
		"garbage.sock":   KindOther,
		"closer.sock":    KindOther,
		"silent.sock":    KindSilent,
		"stale.sock":     KindStale,
	}
	if _, haveProc := os.Stat(procNetUnixPath); haveProc == nil {
		want["dgram.sock"] = KindNotStream
	}
	for name, kind := range want {
		s, ok := got[join(dir, name)]
		if !ok {
			t.Errorf("%s: not found", name)
			continue
		}
		if s.Kind != kind {
			t.Errorf("%s: kind %q, want %q (hint %q, error %q)", name, s.Kind, kind, s.Hint, s.Err)
		}
	}
	if _, ok := got[join(dir, "not-a-socket.sock")]; ok {
		t.Errorf("a regular file named .sock was reported as a socket")
	}

	if h := got[join(dir, "grpc.sock")].Health[""]; h != "NOT_SERVING" {
		t.Errorf("grpc.sock health = %q, want NOT_SERVING", h)
	}
	if h := got[join(dir, "bare-grpc.sock")].Health; len(h) != 0 {
		t.Errorf("bare-grpc.sock health = %v, want none (no health service)", h)
	}
	if hint := got[join(dir, "http1.sock")].Hint; hint != HTTP1Hint {
		t.Errorf("http1 hint = %q", hint)
	}
	if hint := got[join(dir, "http2.sock")].Hint; !strings.Contains(hint, ":status 404") {
		t.Errorf("http2 hint = %q, want it to name the :status", hint)
	}
	if hint := got[join(dir, "echo.sock")].Hint; !strings.Contains(hint, "echoed") {
		t.Errorf("echo hint = %q", hint)
	}
	for _, name := range []string{"grpc.sock", "http1.sock", "silent.sock"} {
		s := got[join(dir, name)]
		if s.Process == nil || s.Process.PID != os.Getpid() {
			t.Errorf("%s: process = %+v, want this test (pid %d)", name, s.Process, os.Getpid())
		}
		if s.Listening == nil || !*s.Listening {
			t.Errorf("%s: listening = %v, want true", name, s.Listening)
		}
	}
	stale := got[join(dir, "stale.sock")]
	if stale.Process != nil {
		t.Errorf("stale socket has a process: %+v", stale.Process)
	}
	if stale.Listening == nil || *stale.Listening {
		t.Errorf("stale socket listening = %v, want false", stale.Listening)
	}
	if want := "connection refused (stale socket: nothing is listening); the file can be removed"; stale.Hint != want {
		t.Errorf("stale socket hint = %q, want %q, as a failed dial words it", stale.Hint, want)
	}
	if o := stale.Owner; o == nil || o.UID != uint32(os.Getuid()) || o.User == "" || len(o.Mode) != 4 {
		t.Errorf("stale socket owner = %+v", o)
	}
}

func TestReflectionModes(t *testing.T) {
	dir := newRoot(t)
	for _, mode := range []string{ReflectionV1, ReflectionV1Alpha, ReflectionNone} {
		startGRPCReflection(t, join(dir, mode+".sock"), mode)
	}
	_, got := scanAll(t, rootOnly(dir))
	for _, mode := range []string{ReflectionV1, ReflectionV1Alpha, ReflectionNone} {
		s := got[join(dir, mode+".sock")]
		if s.Kind != KindGRPC || s.Reflection != mode || s.Err != "" {
			t.Errorf("%s server: kind %q reflection %q error %q", mode, s.Kind, s.Reflection, s.Err)
		}
		if s.Health[""] != "SERVING" {
			t.Errorf("%s server: health %v, want SERVING", mode, s.Health)
		}
		hasHealth := slices.Contains(s.Services, "grpc.health.v1.Health")
		if (mode != ReflectionNone) != hasHealth {
			t.Errorf("%s server: services %v", mode, s.Services)
		}
	}
}
