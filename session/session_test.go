package session

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"sockscope/client"
	"sockscope/reflection"
	"sockscope/sample"
	"sockscope/sample/sampletest"
	"sockscope/sockets/socketstest"
)

func open(t *testing.T, cfg Config) *Session {
	t.Helper()
	s, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open %s: %v", cfg.Address, err)
	}
	t.Cleanup(s.Close)
	return s
}

func methodNames(t *testing.T, s *Session) []string {
	t.Helper()
	methods, err := s.Methods(context.Background())
	if err != nil {
		t.Fatalf("methods: %v", err)
	}
	var names []string
	for _, md := range methods {
		names = append(names, reflection.MethodName(md))
	}
	return names
}

func TestOpenReflection(t *testing.T) {
	for api, mode := range map[string]sample.Reflection{"v1": sample.ReflectionV1, "v1alpha": sample.ReflectionV1Alpha} {
		sock := sampletest.Serve(t, sample.Options{Reflection: mode})
		s := open(t, Config{Address: sock})
		if names := methodNames(t, s); !slices.Contains(names, "sample.v1.Echo/Echo") {
			t.Errorf("%s: methods %v lack sample.v1.Echo/Echo", api, names)
		}
		if got, want := s.Provenance().String(), "server reflection "+api; got != want {
			t.Errorf("provenance %q, want %q", got, want)
		}
		if s.Conn() == nil || s.Target().Address != sock {
			t.Errorf("conn %v, target %v", s.Conn(), s.Target())
		}
		var stages []string
		for _, tm := range s.Timings() {
			stages = append(stages, tm.Stage)
		}
		if !slices.Equal(stages, []string{"dial", "schema"}) {
			t.Errorf("timings %v, want dial then schema", stages)
		}
	}
}

func TestOpenFilesOnly(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, sample.ProtoTree()); err != nil {
		t.Fatal(err)
	}
	s := open(t, Config{Schema: reflection.Options{ProtoFiles: []string{"sample/v1/echo.proto"}, ImportPaths: []string{dir}}})
	if s.Conn() != nil {
		t.Error("a session on files alone has a connection")
	}
	if _, err := s.FindMethod(context.Background(), "sample.v1.Echo/Count"); err != nil {
		t.Errorf("find in files: %v", err)
	}
	var stages []string
	for _, tm := range s.Timings() {
		stages = append(stages, tm.Stage)
	}
	if !slices.Equal(stages, []string{"files", "schema"}) {
		t.Errorf("timings %v, want files (loading them) then schema", stages)
	}
}

func TestBadAddressIsUsage(t *testing.T) {
	_, err := Open(context.Background(), Config{Address: "host:notaport"})
	var usage *UsageError
	if !errors.As(err, &usage) {
		t.Errorf("a bad address: %v (%T), want a UsageError", err, err)
	}
}

func TestCredentialsHint(t *testing.T) {
	sock := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1, Token: "t"})
	_, err := open(t, Config{Address: sock}).Methods(context.Background())
	if status.Code(err) != codes.Unauthenticated || !slices.Contains(Hints(err), credentialsHint) {
		t.Errorf("reflection without credentials: %v, hints %q", err, Hints(err))
	}
	authorized := open(t, Config{Address: sock, ReflectionHeader: metadata.Pairs("authorization", "Bearer t")})
	if names := methodNames(t, authorized); len(names) == 0 {
		t.Error("no methods with credentials")
	}
}

// serveSilent accepts connections and never says a word, as a socket of
// another protocol waiting for its client to speak first does.
func serveSilent(t *testing.T) string {
	path := filepath.Join(sampletest.ShortDir(t), "silent.sock")
	socketstest.ServeConns(t, socketstest.Listen(t, path), func(c net.Conn) { io.Copy(io.Discard, c) })
	return path
}

func TestSilentPeerExplained(t *testing.T) {
	sock := serveSilent(t)
	_, err := Open(context.Background(), Config{Address: sock, ConnectTimeout: 300 * time.Millisecond})
	if !errors.Is(err, client.ErrConnectTimeout) || !strings.Contains(err.Error(), sock+": no handshake within --connect-timeout 300ms: it accepted the connection but does not answer gRPC") {
		t.Errorf("a silent listener: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = Open(ctx, Config{Address: sock, MaxTime: 200 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no handshake within --max-time 200ms: it accepted the connection") {
		t.Errorf("--max-time during the handshake: %v", err)
	}
}

// serveMute is a gRPC server whose reflection accepts the stream and never
// answers, as a server wedged behind a lock does.
func serveMute(t *testing.T) string {
	path := filepath.Join(sampletest.ShortDir(t), "mute.sock")
	srv := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		<-stream.Context().Done()
		return stream.Context().Err()
	}))
	go srv.Serve(socketstest.Listen(t, path))
	t.Cleanup(srv.Stop)
	return path
}

func TestMuteReflectionExplained(t *testing.T) {
	sock := serveMute(t)
	s := open(t, Config{Address: sock, SchemaTimeout: 300 * time.Millisecond})
	_, err := s.Methods(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), sock+" gave no schema within 300ms: the connection is up but reflection does not answer") {
		t.Errorf("reflection that never answers: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	s = open(t, Config{Address: sock, MaxTime: 200 * time.Millisecond})
	_, err = s.FindMethod(ctx, "sample.v1.Echo/Echo")
	if err == nil || !strings.Contains(err.Error(), "gave no schema within --max-time 200ms") {
		t.Errorf("--max-time during the look-up: %v", err)
	}
}

func TestCancelledLookupNotExplained(t *testing.T) {
	s := open(t, Config{Address: serveMute(t)})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := s.Methods(ctx)
	if err == nil || strings.Contains(err.Error(), "gave no schema") {
		t.Errorf("an interrupted look-up: %v, want the plain cancellation", err)
	}
}

func TestNotGRPCPeerExplained(t *testing.T) {
	path := filepath.Join(sampletest.ShortDir(t), "rest.sock")
	socketstest.ServeHTTP1(t, path)
	_, err := open(t, Config{Address: path}).Methods(context.Background())
	hints := strings.Join(Hints(err), "\n")
	if !strings.Contains(hints, path+" is not a gRPC server: --scan would list it as http1") {
		t.Errorf("an HTTP/1.1 server: %v, hints %q", err, hints)
	}
}

func TestServicesHealth(t *testing.T) {
	s := open(t, Config{Address: sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1})})
	got := s.ServicesHealth(context.Background(), []string{"sample.v1.Echo", "grpc.health.v1.Health"}, nil)
	if got["sample.v1.Echo"] != "SERVING" {
		t.Errorf("health %v, want sample.v1.Echo SERVING", got)
	}
}
