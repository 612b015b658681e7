package sockets

import (
	"context"
	"strings"
	"testing"
	"time"

	"sockscope/client"

	"sockscope/sockets/socketstest"
)

func TestExplainNotGRPC(t *testing.T) {
	dir := newRoot(t)
	httpPath := join(dir, "rest.sock")
	socketstest.ServeHTTP1(t, httpPath)

	closingPath := join(dir, "closing.sock")
	closing := socketstest.Listen(t, closingPath)
	go func() {
		for {
			c, err := closing.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	grpcPath := join(dir, "grpc.sock")
	startGRPC(t, grpcPath)

	unix := func(path string) client.Target { return client.Target{Network: "unix", Address: path} }
	for _, tc := range []struct {
		target client.Target
		want   string
	}{
		{unix(httpPath), "is not a gRPC server: --scan would list it as http1: server speaks HTTP/1.1"},
		{unix(closingPath), "is not a gRPC server: --scan would list it as other"},
		{unix(grpcPath), ""},
		{client.Target{Network: "tcp", Address: "127.0.0.1:1"}, ""},
	} {
		got := ExplainNotGRPC(context.Background(), tc.target, time.Second)
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.target.Address, got, tc.want)
		}
	}
}
