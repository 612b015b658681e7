package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	ctrversion "github.com/containerd/containerd/api/services/version/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health/grpc_health_v1"

	"sockscope/sockets"
	"sockscope/sockets/socketstest"
)

// daemonFixture is a scan root with stand-ins for real daemons: gRPC
// without reflection found by name and by asking, per-service health,
// containerd's ttrpc socket and docker.sock.
func daemonFixture(t *testing.T) string {
	t.Helper()
	root := shortDir(t)
	socketstest.ServeDaemon(t, filepath.Join(root, "containerd.sock"), false, nil)
	socketstest.ServeDaemon(t, filepath.Join(root, "daemon.sock"), false, func(srv *grpc.Server) {
		ctrversion.RegisterVersionServer(srv, socketstest.VersionServer{})
	})
	hs := socketstest.ServeDaemon(t, filepath.Join(root, "health.sock"), true, func(srv *grpc.Server) {
		ctrversion.RegisterVersionServer(srv, socketstest.VersionServer{})
		socketstest.EmptyService(srv, "test.v1.Down")
	})
	hs.SetServingStatus("containerd.services.version.v1.Version", grpc_health_v1.HealthCheckResponse_SERVING)
	hs.SetServingStatus("test.v1.Down", grpc_health_v1.HealthCheckResponse_NOT_SERVING)

	socketstest.ServeTTRPCVersion(t, filepath.Join(root, "x.sock.ttrpc"))

	socketstest.ServeHTTP1(t, filepath.Join(root, "docker.sock"))
	return root
}

// scanJSONByName runs --scan --json on root and returns the rows by base name.
func scanJSONByName(t *testing.T, root string) map[string]map[string]any {
	t.Helper()
	opts := scanOpts(root)
	opts.json = true
	code, stdout, stderr := runScanCapture(t, opts)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, stdout)
	}
	byName := make(map[string]map[string]any)
	for _, r := range rows {
		if _, ok := r["schema"]; !ok {
			t.Errorf("%v: no schema field", r["path"])
		}
		byName[filepath.Base(r["path"].(string))] = r
	}
	return byName
}

func TestScanDaemonsJSON(t *testing.T) {
	rows := scanJSONByName(t, daemonFixture(t))

	for name, reason := range map[string]string{
		"containerd.sock": "the socket's name looks like containerd's",
		"daemon.sock":     "the server answers containerd.services.version.v1.Version/Version",
	} {
		r := rows[name]
		schema, _ := r["schema"].(map[string]any)
		if r["kind"] != "grpc" || r["reflection"] != "none" || schema["name"] != "containerd" || schema["reason"] != reason {
			t.Errorf("%s: kind %v reflection %v schema %v, want grpc, none, containerd because %q", name, r["kind"], r["reflection"], r["schema"], reason)
		}
		if services, _ := r["services"].([]any); !containsAny(services, "containerd.services.version.v1.Version") {
			t.Errorf("%s: services %v, want the containerd schema's", name, r["services"])
		}
	}

	h := rows["health.sock"]
	if h["schema"] != nil {
		t.Errorf("health.sock has reflection, yet schema %v", h["schema"])
	}
	health, _ := h["health"].(map[string]any)
	for svc, want := range map[string]string{
		"": "SERVING", "containerd.services.version.v1.Version": "SERVING", "test.v1.Down": "NOT_SERVING",
	} {
		if health[svc] != want {
			t.Errorf("health.sock: health[%q] = %v, want %s (all: %v)", svc, health[svc], want, health)
		}
	}
	if _, ok := health["grpc.reflection.v1.ServerReflection"]; ok {
		t.Errorf("health.sock: reflection's own health checked: %v", health)
	}

	if r := rows["x.sock.ttrpc"]; !strings.HasPrefix(r["hint"].(string), sockets.TTRPCHint) {
		t.Errorf("x.sock.ttrpc: kind %v hint %v, want the ttrpc hint", r["kind"], r["hint"])
	}
	if r := rows["docker.sock"]; r["kind"] != "http1" || !strings.Contains(r["hint"].(string), "Docker Engine API, REST over HTTP/1.1") {
		t.Errorf("docker.sock: kind %v hint %v, want http1 with the Docker hint", r["kind"], r["hint"])
	}
}

func TestScanDaemonsTable(t *testing.T) {
	root := daemonFixture(t)
	code, stdout, stderr := runScanCapture(t, scanOpts(root))
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	rows := make(map[string]string)
	for _, line := range strings.Split(stdout, "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], root) {
			rows[filepath.Base(f[0])] = line
		}
	}
	for name, want := range map[string]string{
		"containerd.sock": "no reflection, schema containerd (the socket's name looks like containerd's), ",
		"daemon.sock":     "schema containerd (the server answers containerd.services.version.v1.Version/Version)",
		"health.sock":     "health SERVING (NOT_SERVING test.v1.Down)",
		"x.sock.ttrpc":    sockets.TTRPCHint,
		"docker.sock":     "Docker Engine API",
	} {
		if !strings.Contains(rows[name], want) {
			t.Errorf("%s row lacks %q:\n%s", name, want, rows[name])
		}
	}
	// A schema's services are counted, not listed: they are the schema's word, not the server's.
	if row := rows["containerd.sock"]; !regexp.MustCompile(`, \d+ services; health SERVING `).MatchString(row) || strings.Contains(row, "SERVICE_UNKNOWN") {
		t.Errorf("containerd.sock row should count the schema's services and leave out services unknown to health:\n%s", row)
	}
}

func TestHealthSummary(t *testing.T) {
	for _, c := range []struct {
		health map[string]string
		want   string
	}{
		{nil, ""},
		{map[string]string{"": "SERVING"}, "health SERVING"},
		{map[string]string{"": "SERVING", "a.A": "SERVING", "b.B": "SERVICE_UNKNOWN", "c.C": "NOT_SERVING", "d.D": "NOT_SERVING"},
			"health SERVING (NOT_SERVING c.C d.D)"},
		{map[string]string{"a.A": "NOT_SERVING", "b.B": "NOT_SERVING", "c.C": "NOT_SERVING", "d.D": "NOT_SERVING", "e.E": "UNKNOWN"},
			"health - (NOT_SERVING a.A b.B c.C +1 more, UNKNOWN e.E)"},
		{map[string]string{"": "SERVING", "a.A": "SERVING", "b.B": "SERVICE_UNKNOWN"}, "health SERVING"},
	} {
		if got := sockets.HealthSummary(c.health); got != c.want {
			t.Errorf("HealthSummary(%v) = %q, want %q", c.health, got, c.want)
		}
	}
}

// TestScanContainerd scans a real containerd's directory: its gRPC socket
// gets the containerd schema by name, its ttrpc socket the ttrpc hint.
func TestScanContainerd(t *testing.T) {
	sock := startContainerd(t)
	rows := scanJSONByName(t, filepath.Dir(sock))

	r := rows[filepath.Base(sock)]
	schema, _ := r["schema"].(map[string]any)
	if r["kind"] != "grpc" || r["reflection"] != "none" || schema["name"] != "containerd" ||
		!strings.Contains(schema["reason"].(string), "name") {
		t.Errorf("containerd.sock: kind %v reflection %v schema %v, want grpc, none, containerd by name (hint %v, error %v)",
			r["kind"], r["reflection"], r["schema"], r["hint"], r["error"])
	}
	if services, _ := r["services"].([]any); !containsAny(services, "containerd.services.version.v1.Version") {
		t.Errorf("containerd.sock: services %v", r["services"])
	}
	if health, _ := r["health"].(map[string]any); health[""] != "SERVING" {
		t.Errorf("containerd.sock: health %v, want the server SERVING", r["health"])
	}

	tr := rows[filepath.Base(sock)+".ttrpc"]
	if hint, _ := tr["hint"].(string); !strings.HasPrefix(hint, sockets.TTRPCHint) {
		t.Errorf("containerd.sock.ttrpc: kind %v hint %v, want the ttrpc hint", tr["kind"], tr["hint"])
	}
}
