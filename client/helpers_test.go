package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"sockscope/sample/sampletest"
)

// socketDir is a short-lived directory with a short path, for sockets.
func socketDir(t testing.TB) string { return sampletest.ShortDir(t) }

// testContext bounds a test so a bug shows up as a failure, not a hang.
func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// serveAuthorityReporter runs a real gRPC server with no services on lis. Every
// call fails with Unimplemented and a message holding the :authority the
// server saw, which proves the connection works end to end.
func serveAuthorityReporter(t testing.TB, lis net.Listener) {
	t.Helper()
	srv := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		md, _ := metadata.FromIncomingContext(stream.Context())
		return status.Error(codes.Unimplemented, "authority="+first(md[":authority"]))
	}))
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
}

func first(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}

// listenUnix listens on a fresh socket in a short temporary directory.
func listenUnix(t testing.TB) (string, *net.UnixListener) {
	t.Helper()
	path := filepath.Join(socketDir(t), "s.sock")
	lis, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lis.Close() })
	return path, lis
}

// authorityOf makes one call on conn and returns the authority the server
// reported.
func authorityOf(t *testing.T, conn grpc.ClientConnInterface) string {
	t.Helper()
	err := conn.Invoke(testContext(t), "/x.Y/Z", &emptyMessage{}, &emptyMessage{})
	st, _ := status.FromError(err)
	if st.Code() != codes.Unimplemented {
		t.Fatalf("call through the dialed conn: %v, want the server's Unimplemented", err)
	}
	const prefix = "authority="
	if len(st.Message()) < len(prefix) || st.Message()[:len(prefix)] != prefix {
		t.Fatalf("unexpected message %q", st.Message())
	}
	return st.Message()[len(prefix):]
}

func mustErrorIs(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v is not %v", err, target)
	}
}

// emptyMessage is an empty protobuf message for raw conn.Invoke calls.
type emptyMessage = emptypb.Empty

// helperEnv selects a helper mode: the test binary re-executes itself (for
// example as another user) and runs helpers[mode] instead of the tests.
const helperEnv = "SOCKSCOPE_CLIENT_TEST_HELPER"

var helpers = map[string]func() int{}

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		helper, ok := helpers[mode]
		if !ok {
			fmt.Fprintf(os.Stderr, "unknown helper mode %q\n", mode)
			os.Exit(3)
		}
		os.Exit(helper())
	}
	os.Exit(m.Run())
}
