package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"sockscope/sample"
)

// TestServerDiesMidStream is finding 4 of issue 13: a server that goes
// away during a call spoke gRPC on that very connection, so it is said to
// have gone, never called something other than gRPC.
func TestServerDiesMidStream(t *testing.T) {
	path := filepath.Join(shortDir(t), "dies.sock")
	lis, err := sample.Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	// As when the process is killed, the socket file stays behind.
	lis.SetUnlinkOnClose(false)
	srv := sample.NewServer(sample.Options{Reflection: sample.ReflectionV1})
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	// The stream runs for seconds; the server is stopped once it is under way.
	stop := time.AfterFunc(500*time.Millisecond, srv.Stop)
	defer stop.Stop()

	r := runCLI(t, nil, "--call", "sample.v1.Echo/Count", "-d", `{"count":100,"interval_ms":50}`, "--format", "jsonl", path).
		want(t, exitRPCBase+int(codes.Unavailable))
	if !strings.Contains(r.stdout, `{"n":1}`) {
		t.Errorf("no reply arrived before the server went:\n%s", r.stdout)
	}
	if strings.Contains(r.stderr, "not a gRPC server") || !strings.Contains(r.stderr, "spoke gRPC on this connection and then broke it") ||
		!strings.Contains(r.stderr, "now --scan would list it as stale") {
		t.Errorf("a server that died mid-stream:\n%s", r.stderr)
	}
}
