package sockets

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"

	"sockscope/sockets/socketstest"
)

// testTimeout is the probe timeout tests use: long enough that a busy
// machine running -race still hears real servers answer, short enough
// that the silent listener does not drag.
const testTimeout = time.Second

// newRoot makes a short, world-searchable temporary directory for sockets.
func newRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ss")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func startGRPC(t testing.TB, path string) *health.Server {
	t.Helper()
	return startGRPCReflection(t, path, ReflectionNone)
}

// startGRPCReflection serves gRPC health with the given reflection
// versions: "v1" serves v1 only, "v1alpha" v1alpha only.
func startGRPCReflection(t testing.TB, path, mode string) *health.Server {
	t.Helper()
	l := socketstest.Listen(t, path)
	srv := grpc.NewServer()
	hs := health.NewServer()
	grpc_health_v1.RegisterHealthServer(srv, hs)
	switch mode {
	case ReflectionV1:
		reflection.RegisterV1(srv)
	case ReflectionV1Alpha:
		reflectionv1alpha.RegisterServerReflectionServer(srv, reflection.NewServer(reflection.ServerOptions{Services: srv}))
	}
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	return hs
}

// startGRPCNoHealth serves gRPC with no services at all: every call is
// Unimplemented, which still proves gRPC.
func startGRPCNoHealth(t testing.TB, path string) {
	t.Helper()
	l := socketstest.Listen(t, path)
	srv := grpc.NewServer()
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
}

func startHTTP1(t testing.TB, path string) {
	t.Helper()
	l := socketstest.Listen(t, path)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok")
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
}

// startHTTP2 serves plain HTTP/2 (prior knowledge, no TLS) that is not gRPC.
func startHTTP2(t testing.TB, path string) {
	t.Helper()
	l := socketstest.Listen(t, path)
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{Protocols: &protocols, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNotFound)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
}

func startEcho(t testing.TB, path string) {
	t.Helper()
	socketstest.ServeConns(t, socketstest.Listen(t, path), func(c net.Conn) { io.Copy(c, c) })
}

func startGarbage(t testing.TB, path string) {
	t.Helper()
	socketstest.ServeConns(t, socketstest.Listen(t, path), func(c net.Conn) {
		c.Write([]byte("\x00\x01hello, this is not http\n"))
		io.Copy(io.Discard, c)
	})
}

func startCloser(t testing.TB, path string) {
	t.Helper()
	socketstest.ServeConns(t, socketstest.Listen(t, path), func(c net.Conn) { c.Close() })
}

// startSilent accepts and then never writes.
func startSilent(t testing.TB, path string) {
	t.Helper()
	socketstest.ServeConns(t, socketstest.Listen(t, path), func(c net.Conn) { io.Copy(io.Discard, c) })
}

// makeStale leaves a socket file behind with nothing listening on it.
func makeStale(t testing.TB, path string) {
	t.Helper()
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
}

func makeDatagram(t testing.TB, path string) {
	t.Helper()
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
}

// abstractName returns a fresh abstract socket name ("@...").
func abstractName(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	return "@sockscope-test-" + hex.EncodeToString(b)
}

// scanAll runs Start to the end and returns the finished sockets by path.
func scanAll(t testing.TB, opts Options) (*Scan, map[string]Socket) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	scan, updates, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	for u := range updates {
		if !scan.Update(u) {
			t.Errorf("update for unknown socket %s", u.Path)
		}
	}
	byPath := make(map[string]Socket)
	for _, s := range scan.Sockets {
		byPath[s.Path] = s
	}
	return scan, byPath
}

func rootOnly(dir string) Options {
	return Options{Roots: []string{dir}, NoDefaultRoots: true, ProbeTimeout: testTimeout}
}

func join(dir, name string) string { return filepath.Join(dir, name) }
