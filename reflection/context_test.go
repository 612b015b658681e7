package reflection

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	csi "github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"

	"sockscope/sample"
)

// silentSocket accepts connections and never says a word, as a server
// that is not gRPC or has hung does.
func silentSocket(t *testing.T) string {
	t.Helper()
	path := filepath.Join(tableTempDir(t), "q.sock")
	lis, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		lis.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	}()
	return path
}

// mute is a reflection service that reads requests and never answers.
type mute struct {
	refv1.UnimplementedServerReflectionServer
}

func (mute) ServerReflectionInfo(stream refv1.ServerReflection_ServerReflectionInfoServer) error {
	<-stream.Context().Done()
	return stream.Context().Err()
}

// slowCSI answers the CSI probe only when the caller gives up.
type slowCSI struct {
	csi.UnimplementedIdentityServer
}

func (slowCSI) GetPluginInfo(ctx context.Context, _ *csi.GetPluginInfoRequest) (*csi.GetPluginInfoResponse, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestLookupObeysDeadline checks that a look-up returns at its own
// deadline, with an error that says so, when the server never answers, and
// that it leaves the server's reflection API to be learnt later.
func TestLookupObeysDeadline(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", tableTempDir(t)) // no user schemas to probe for
	for _, c := range []struct {
		name string
		path func(t *testing.T) string
	}{
		{"silent socket", silentSocket},
		{"reflection that never answers", func(t *testing.T) string {
			srv := grpc.NewServer()
			refv1.RegisterServerReflectionServer(srv, mute{})
			return serveOn(t, srv, "m.sock")
		}},
		{"schema probe that never answers", func(t *testing.T) string {
			srv := grpc.NewServer()
			csi.RegisterIdentityServer(srv, slowCSI{})
			return serveOn(t, srv, "p.sock")
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := c.path(t)
			_, src := openSource(t, dialSocket(t, path), Options{SocketPath: path})
			const deadline = 200 * time.Millisecond
			for _, lookup := range []struct {
				name string
				do   func(context.Context) error
			}{
				{"FindMethod", func(ctx context.Context) error { _, err := src.FindMethod(ctx, "sample.v1.Echo/Echo"); return err }},
				{"FindSymbol", func(ctx context.Context) error { _, err := src.FindSymbol(ctx, "sample.v1.Echo"); return err }},
				{"Services", func(ctx context.Context) error { _, err := src.Services(ctx); return err }},
				{"Methods", func(ctx context.Context) error { _, err := src.Methods(ctx); return err }},
			} {
				ctx, cancel := context.WithTimeout(context.Background(), deadline)
				start := time.Now()
				err := lookup.do(ctx)
				took := time.Since(start)
				cancel()
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("%s: %v, want DeadlineExceeded", lookup.name, err)
				}
				if took > deadline+2*time.Second {
					t.Errorf("%s took %v with a deadline of %v", lookup.name, took, deadline)
				}
				if got := src.Reflection(); got != "" {
					t.Errorf("after %s: Reflection() = %q, want it still unknown", lookup.name, got)
				}
			}
		})
	}
}

// cutter is a client stream interceptor that, once armed, cancels the
// look-up as the next reflection request goes out and holds the request
// until the stream has been broken off for it.
type cutter struct {
	t      *testing.T
	cancel atomic.Pointer[context.CancelFunc]
}

func (c *cutter) intercept(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	stream, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil {
		return nil, err
	}
	return cutStream{ClientStream: stream, c: c, ctx: ctx}, nil
}

type cutStream struct {
	grpc.ClientStream
	c   *cutter
	ctx context.Context
}

func (s cutStream) SendMsg(m any) error {
	if cancel := s.c.cancel.Swap(nil); cancel != nil {
		(*cancel)()
		select {
		case <-s.ctx.Done():
		case <-time.After(5 * time.Second):
			s.c.t.Error("the reflection stream outlived the look-up that was cancelled")
		}
	}
	return s.ClientStream.SendMsg(m)
}

// arm makes the next reflection request cancel the returned ctx.
func (c *cutter) arm() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	c.t.Cleanup(cancel)
	c.cancel.Store(&cancel)
	return ctx
}

func TestCancelledLookupLeavesSourceUsable(t *testing.T) {
	path := serveSample(t, "s.sock", sample.ReflectionV1, nil)
	cut := &cutter{t: t}
	conn, err := grpc.NewClient("unix://"+path, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithAuthority("localhost"), grpc.WithStreamInterceptor(cut.intercept))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ctx, src := openSource(t, conn, Options{})

	// Cut short while the server's API is still being learnt.
	if _, err := src.FindMethod(cut.arm(), "sample.v1.Echo/Echo"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled first look-up: %v, want Canceled", err)
	}
	if got := src.Reflection(); got != "" {
		t.Errorf("after a cancelled first look-up: Reflection() = %q, want it still unknown", got)
	}
	if md, err := src.FindMethod(ctx, "sample.v1.Echo/Echo"); err != nil || md.FullName() != "sample.v1.Echo.Echo" {
		t.Fatalf("the look-up after a cancelled one: %v, %v", md, err)
	}
	if got := src.Reflection(); got != ReflectionV1 {
		t.Errorf("Reflection() = %q, want %q", got, ReflectionV1)
	}

	// Cut short on the stream an earlier look-up opened.
	if _, err := src.FindSymbol(cut.arm(), "sample.v1.Workloads"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled look-up: %v, want Canceled", err)
	}
	if d, err := src.FindSymbol(ctx, "sample.v1.Workloads"); err != nil || d.FullName() != "sample.v1.Workloads" {
		t.Fatalf("the look-up after a cancelled one: %v, %v", d, err)
	}
	if methods, err := src.Methods(ctx); err != nil || len(methods) == 0 {
		t.Errorf("Methods after a cancelled look-up: %d methods, %v", len(methods), err)
	}
}

// TestOpenContextEndsOnlyOpen checks that ending Open's ctx after Open
// returns leaves the reflection stream, and the header it carries, alone.
func TestOpenContextEndsOnlyOpen(t *testing.T) {
	path := filepath.Join(tableTempDir(t), "g.sock")
	lis, err := sample.Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := sample.NewServer(sample.Options{Reflection: sample.ReflectionV1, Token: "t"})
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	conn := dialSocket(t, path)
	auth := metadata.Pairs("authorization", "Bearer t")

	for _, c := range []struct {
		name string
		open func(context.Context) (*Source, error)
	}{
		{"Options.Header", func(ctx context.Context) (*Source, error) {
			return Open(ctx, conn, Options{Header: auth})
		}},
		{"metadata in Open's ctx", func(ctx context.Context) (*Source, error) {
			return Open(metadata.NewOutgoingContext(ctx, auth), conn, Options{})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			lookupCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()

			openCtx, endOpen := context.WithCancel(context.Background())
			src, err := c.open(openCtx)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			endOpen()
			if _, err := src.FindMethod(lookupCtx, "sample.v1.Echo/Echo"); err != nil {
				t.Fatalf("a first look-up after Open's ctx ended: %v", err)
			}

			openCtx, endOpen = context.WithCancel(context.Background())
			src2, err := c.open(openCtx)
			if err != nil {
				t.Fatal(err)
			}
			defer src2.Close()
			if _, err := src2.FindMethod(lookupCtx, "sample.v1.Echo/Echo"); err != nil {
				t.Fatal(err)
			}
			endOpen()
			if _, err := src2.FindSymbol(lookupCtx, "sample.v1.Workloads"); err != nil {
				t.Errorf("a look-up on the stream opened before Open's ctx ended: %v", err)
			}
		})
	}
}

// TestCloseEndsLookup checks that Close ends a look-up that has no
// deadline of its own, and that later look-ups fail at once.
func TestCloseEndsLookup(t *testing.T) {
	srv := grpc.NewServer()
	refv1.RegisterServerReflectionServer(srv, mute{})
	conn := dialSocket(t, serveOn(t, srv, "m.sock"))
	src, err := Open(context.Background(), conn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := src.FindMethod(context.Background(), "sample.v1.Echo/Echo")
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the look-up reach the server
	closed := make(chan struct{})
	go func() {
		src.Close()
		close(closed)
	}()
	timeout := time.After(5 * time.Second)
	select {
	case err := <-done:
		if err == nil {
			t.Error("a look-up that Close ended succeeded")
		}
	case <-timeout:
		t.Fatal("Close did not end the look-up in flight")
	}
	select {
	case <-closed:
	case <-timeout:
		t.Fatal("Close did not return")
	}
	if _, err := src.Services(context.Background()); !errors.Is(err, errClosed) {
		t.Errorf("a look-up after Close: %v, want errClosed", err)
	}
}
