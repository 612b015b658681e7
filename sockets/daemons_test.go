package sockets

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	ctrversion "github.com/containerd/containerd/api/services/version/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	"sockscope/sockets/socketstest"
)

func TestSchemaChosenForServerWithoutReflection(t *testing.T) {
	dir := newRoot(t)
	socketstest.ServeDaemon(t, join(dir, "containerd.sock"), false, nil)
	socketstest.ServeDaemon(t, join(dir, "daemon.sock"), false, func(srv *grpc.Server) {
		ctrversion.RegisterVersionServer(srv, socketstest.VersionServer{})
	})
	// Reflection wins: a server that lists its services gets no schema even
	// when it speaks a known API.
	socketstest.ServeDaemon(t, join(dir, "listed.sock"), true, func(srv *grpc.Server) {
		ctrversion.RegisterVersionServer(srv, socketstest.VersionServer{})
	})
	startGRPC(t, join(dir, "unknown.sock"))

	_, got := scanAll(t, rootOnly(dir))
	for name, wantReason := range map[string]string{
		"containerd.sock": "the socket's name looks like containerd's",
		"daemon.sock":     "the server answers containerd.services.version.v1.Version/Version",
	} {
		s := got[join(dir, name)]
		if s.Kind != KindGRPC || s.Reflection != ReflectionNone {
			t.Errorf("%s: kind %q reflection %q, want grpc without reflection (hint %q, error %q)", name, s.Kind, s.Reflection, s.Hint, s.Err)
		}
		if s.Schema == nil || s.Schema.Name != "containerd" || s.Schema.Reason != wantReason {
			t.Errorf("%s: schema %+v, want containerd because %q", name, s.Schema, wantReason)
		}
		if !slices.Contains(s.Services, "containerd.services.version.v1.Version") || !slices.Contains(s.Services, "containerd.services.tasks.v1.Tasks") {
			t.Errorf("%s: services %v, want the containerd schema's", name, s.Services)
		}
	}
	if s := got[join(dir, "listed.sock")]; s.Schema != nil || s.Reflection != ReflectionV1 {
		t.Errorf("listed.sock: reflection %q schema %+v, want v1 and no schema", s.Reflection, s.Schema)
	}
	if s := got[join(dir, "unknown.sock")]; s.Schema != nil || len(s.Services) != 0 {
		t.Errorf("unknown.sock: schema %+v services %v, want neither", s.Schema, s.Services)
	}
}

func TestHealthPerService(t *testing.T) {
	dir := newRoot(t)
	hs := socketstest.ServeDaemon(t, join(dir, "health.sock"), true, func(srv *grpc.Server) {
		ctrversion.RegisterVersionServer(srv, socketstest.VersionServer{})
		socketstest.EmptyService(srv, "test.v1.Down")
		socketstest.EmptyService(srv, "test.v1.Unlisted")
	})
	hs.SetServingStatus("containerd.services.version.v1.Version", grpc_health_v1.HealthCheckResponse_SERVING)
	hs.SetServingStatus("test.v1.Down", grpc_health_v1.HealthCheckResponse_NOT_SERVING)

	// Without reflection the chosen schema's services are checked.
	byName := socketstest.ServeDaemon(t, join(dir, "containerd.sock"), false, nil)
	byName.SetServingStatus("containerd.services.tasks.v1.Tasks", grpc_health_v1.HealthCheckResponse_NOT_SERVING)

	// More services than MaxHealthChecks: only that many are checked.
	socketstest.ServeDaemon(t, join(dir, "many.sock"), true, func(srv *grpc.Server) {
		for i := range MaxHealthChecks + 8 {
			socketstest.EmptyService(srv, fmt.Sprintf("test.v1.S%02d", i))
		}
	})

	_, got := scanAll(t, rootOnly(dir))
	s := got[join(dir, "health.sock")]
	want := map[string]string{
		"":                                       "SERVING",
		"containerd.services.version.v1.Version": "SERVING",
		"test.v1.Down":                           "NOT_SERVING",
		"test.v1.Unlisted":                       "SERVICE_UNKNOWN",
	}
	if fmt.Sprint(s.Health) != fmt.Sprint(want) || s.Err != "" {
		t.Errorf("health.sock: health %v (error %q), want %v", s.Health, s.Err, want)
	}

	s = got[join(dir, "containerd.sock")]
	if s.Health["containerd.services.tasks.v1.Tasks"] != "NOT_SERVING" || s.Health["containerd.services.version.v1.Version"] != "SERVICE_UNKNOWN" {
		t.Errorf("containerd.sock: health %v, want the schema's services checked", s.Health)
	}

	s = got[join(dir, "many.sock")]
	if len(s.Health) != MaxHealthChecks+1 || s.Health["test.v1.S00"] != "SERVICE_UNKNOWN" {
		t.Errorf("many.sock: %d health entries %v, want the server and %d services", len(s.Health), s.Health, MaxHealthChecks)
	}
}

// serviceHealth is a health server that keeps statuses per service only:
// the server as a whole ("") is NotFound.
type serviceHealth struct {
	grpc_health_v1.UnimplementedHealthServer
	statuses map[string]grpc_health_v1.HealthCheckResponse_ServingStatus
}

func (h serviceHealth) Check(_ context.Context, req *grpc_health_v1.HealthCheckRequest) (*grpc_health_v1.HealthCheckResponse, error) {
	st, ok := h.statuses[req.GetService()]
	if !ok {
		return nil, status.Error(codes.NotFound, "unknown service")
	}
	return &grpc_health_v1.HealthCheckResponse{Status: st}, nil
}

func TestHealthWithoutServerStatus(t *testing.T) {
	dir := newRoot(t)
	l := socketstest.Listen(t, join(dir, "per-service.sock"))
	srv := grpc.NewServer()
	grpc_health_v1.RegisterHealthServer(srv, serviceHealth{statuses: map[string]grpc_health_v1.HealthCheckResponse_ServingStatus{
		"test.v1.Up": grpc_health_v1.HealthCheckResponse_SERVING,
	}})
	socketstest.EmptyService(srv, "test.v1.Up")
	reflection.RegisterV1(srv)
	go srv.Serve(l)
	t.Cleanup(srv.Stop)

	_, got := scanAll(t, rootOnly(dir))
	s := got[join(dir, "per-service.sock")]
	if s.Kind != KindGRPC || s.Hint != "" || s.Health[""] != "SERVICE_UNKNOWN" || s.Health["test.v1.Up"] != "SERVING" {
		t.Errorf("kind %q hint %q health %v, want grpc, no hint, \"\" SERVICE_UNKNOWN and test.v1.Up SERVING", s.Kind, s.Hint, s.Health)
	}
}

func TestNameHints(t *testing.T) {
	dir := newRoot(t)
	// A real ttrpc server, as containerd runs next to its gRPC socket.
	socketstest.ServeTTRPCVersion(t, join(dir, "x.sock.ttrpc"))

	startHTTP1(t, join(dir, "docker.sock"))
	startHTTP1(t, join(dir, "other.sock"))
	if err := os.Mkdir(join(dir, "podman"), 0o755); err != nil {
		t.Fatal(err)
	}
	makeStale(t, join(dir, "podman/podman.sock"))
	// Named like docker.sock but speaking gRPC: the answer beats the name.
	if err := os.Mkdir(join(dir, "g"), 0o755); err != nil {
		t.Fatal(err)
	}
	startGRPC(t, join(dir, "g/docker.sock"))

	_, got := scanAll(t, rootOnly(dir))
	ttrpcSock := got[join(dir, "x.sock.ttrpc")]
	if !strings.HasPrefix(ttrpcSock.Hint, TTRPCHint) || !strings.Contains(ttrpcSock.Hint, "gRPC API, if any, is on x.sock") {
		t.Errorf("x.sock.ttrpc (kind %q): hint %q, want the ttrpc hint", ttrpcSock.Kind, ttrpcSock.Hint)
	}
	if s := got[join(dir, "docker.sock")]; s.Kind != KindHTTP1 || !strings.Contains(s.Hint, "Docker Engine API, REST over HTTP/1.1") {
		t.Errorf("docker.sock: kind %q hint %q, want http1 with the Docker hint", s.Kind, s.Hint)
	}
	if s := got[join(dir, "other.sock")]; s.Hint != HTTP1Hint {
		t.Errorf("other.sock: hint %q, want the Kestrel hint", s.Hint)
	}
	if s := got[join(dir, "podman/podman.sock")]; s.Kind != KindStale || !strings.HasPrefix(s.Hint, "Podman's") || !strings.Contains(s.Hint, "nothing is listening") {
		t.Errorf("stale podman.sock: kind %q hint %q, want both what it is and that it is stale", s.Kind, s.Hint)
	}
	if s := got[join(dir, "g/docker.sock")]; s.Kind != KindGRPC || s.Hint != "" {
		t.Errorf("gRPC docker.sock: kind %q hint %q, want grpc and no hint", s.Kind, s.Hint)
	}

	// Without a probe the name alone gives the hint.
	opts := rootOnly(dir)
	opts.NoProbe = true
	_, unprobed := scanAll(t, opts)
	if s := unprobed[join(dir, "docker.sock")]; s.Kind != KindUnprobed || !strings.Contains(s.Hint, "Docker Engine API") {
		t.Errorf("unprobed docker.sock: kind %q hint %q", s.Kind, s.Hint)
	}
}

func TestNameHintPaths(t *testing.T) {
	for path, want := range map[string]string{
		"/run/containerd/containerd.sock.ttrpc":  TTRPCHint + "; its gRPC API, if any, is on containerd.sock",
		"/run/containerd/s/0123abcd":             "containerd shim socket: " + TTRPCHint,
		"@/containerd-shim/k8s.io/abc/shim.sock": "containerd shim socket: " + TTRPCHint,
		"/run/containerd/containerd.sock":        "",
		"/run/user/1000/docker.sock":             "the Docker Engine API, REST over HTTP/1.1, not gRPC: sockscope cannot call it (curl --unix-socket can)",
		"/run/docker.socket":                     "",
	} {
		if got, _ := nameHint(path); got != want {
			t.Errorf("nameHint(%q) = %q, want %q", path, got, want)
		}
	}
}

// TestInterposedSocketFlagged: a gRPC server's socket that a tap renamed
// and never put back is flagged, with the way to put it back.
func TestInterposedSocketFlagged(t *testing.T) {
	dir := newRoot(t)
	renamed := join(dir, "d.sock"+InterposedSuffix)
	startGRPC(t, renamed)
	_, got := scanAll(t, rootOnly(dir))
	s := got[renamed]
	want := "sockscope --tap " + join(dir, "d.sock") + " --restore puts it back"
	if s.Kind != KindGRPC || !strings.HasPrefix(s.Hint, "renamed by sockscope --tap --interpose") || !strings.Contains(s.Hint, want) {
		t.Errorf("a renamed socket: kind %q hint %q", s.Kind, s.Hint)
	}
}
