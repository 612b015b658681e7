// Package socketstest serves stand-ins for local daemons on unix sockets,
// for the tests of discovery and of the commands that show what it finds.
package socketstest

import (
	"context"
	"net"
	"net/http"
	"sync"
	"testing"

	ctrversion "github.com/containerd/containerd/api/services/version/v1"
	"github.com/containerd/ttrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Listen opens a unix stream listener at path, closed when the test ends.
func Listen(t testing.TB, path string) net.Listener {
	t.Helper()
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// ServeConns runs handle on every connection l accepts; when the test
// ends, the listener and the connections close and the handlers are
// waited for.
func ServeConns(t testing.TB, l net.Listener, handle func(net.Conn)) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { handle(c) })
		}
	})
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
}

// ServeHTTP1 answers HTTP/1.1 at path (404 to everything) until the test
// ends, as docker.sock and other REST daemons do.
func ServeHTTP1(t testing.TB, path string) {
	t.Helper()
	srv := &http.Server{Handler: http.NotFoundHandler()}
	go srv.Serve(Listen(t, path))
	t.Cleanup(func() { srv.Close() })
}

// ServeDaemon serves gRPC health plus whatever register adds at path, with
// v1 reflection when withReflection, until the test ends; it returns the
// health server so the test can set statuses.
func ServeDaemon(t testing.TB, path string, withReflection bool, register func(*grpc.Server)) *health.Server {
	t.Helper()
	l := Listen(t, path)
	srv := grpc.NewServer()
	hs := health.NewServer()
	grpc_health_v1.RegisterHealthServer(srv, hs)
	if register != nil {
		register(srv)
	}
	if withReflection {
		reflection.RegisterV1(srv)
	}
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	return hs
}

// ServeTTRPCVersion serves containerd's Version API over ttrpc at path, as
// containerd does on the socket beside its gRPC one, until the test ends.
func ServeTTRPCVersion(t testing.TB, path string) {
	t.Helper()
	l := Listen(t, path)
	srv, err := ttrpc.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	ctrversion.RegisterTTRPCVersionService(srv, VersionServer{})
	go srv.Serve(context.Background(), l)
	t.Cleanup(func() { srv.Close() })
}

// VersionServer answers containerd's Version/Version, the method the
// containerd schema is recognised by when the socket's name does not tell.
type VersionServer struct {
	ctrversion.UnimplementedVersionServer
}

func (VersionServer) Version(context.Context, *emptypb.Empty) (*ctrversion.VersionResponse, error) {
	return &ctrversion.VersionResponse{Version: "v0.0.0-test"}, nil
}

// EmptyService registers a service with no methods: enough for reflection
// to list it and for health to be asked about it.
func EmptyService(srv *grpc.Server, name string) {
	srv.RegisterService(&grpc.ServiceDesc{ServiceName: name, HandlerType: (*any)(nil)}, struct{}{})
}
