package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sockscope/sample"
	"sockscope/sockets"
	"sockscope/sockets/socketstest"
)

// scanFixture builds a scan root with one real listener of most kinds and
// returns the root.
func scanFixture(t *testing.T) string {
	t.Helper()
	root := shortDir(t)
	for name, mode := range map[string]sample.Reflection{
		"v1.sock":      sample.ReflectionV1,
		"v1alpha.sock": sample.ReflectionV1Alpha,
		"none.sock":    sample.ReflectionNone,
	} {
		lis, err := sample.Listen(filepath.Join(root, name))
		if err != nil {
			t.Fatalf("listen: %v", err)
		}
		srv := sample.NewServer(sample.Options{Reflection: mode})
		go srv.Serve(lis)
		t.Cleanup(srv.Stop)
	}

	socketstest.ServeHTTP1(t, filepath.Join(root, "http1.sock"))

	socketstest.ServeConns(t, socketstest.Listen(t, filepath.Join(root, "echo.sock")), func(c net.Conn) { io.Copy(c, c) })
	socketstest.ServeConns(t, socketstest.Listen(t, filepath.Join(root, "silent.sock")), func(c net.Conn) { io.Copy(io.Discard, c) })

	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(root, "stale.sock"), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	stale.SetUnlinkOnClose(false)
	stale.Close()
	if err := os.Chmod(filepath.Join(root, "stale.sock"), 0o777); err != nil {
		t.Fatal(err)
	}
	return root
}

func scanOpts(root string) scanOptions {
	return scanOptions{Options: sockets.Options{
		Roots: []string{root}, NoDefaultRoots: true, ProbeTimeout: sockets.DefaultProbeTimeout,
	}}
}

func runScanCapture(t *testing.T, opts scanOptions) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	code := runScan(ctx, opts, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestScanJSON(t *testing.T) {
	root := scanFixture(t)
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
	byPath := make(map[string]map[string]any)
	fields := []string{"path", "abstract", "kind", "reflection", "services", "health", "hint", "listening",
		"socket_type", "owner", "process", "probe_ms", "error", "schema"}
	for _, r := range rows {
		for _, f := range fields {
			if _, ok := r[f]; !ok {
				t.Errorf("row %v lacks field %q", r["path"], f)
			}
		}
		byPath[r["path"].(string)] = r
	}
	want := map[string][2]string{ // kind, reflection
		"v1.sock":      {"grpc", "v1"},
		"v1alpha.sock": {"grpc", "v1alpha"},
		"none.sock":    {"grpc", "none"},
		"http1.sock":   {"http1", ""},
		"echo.sock":    {"other", ""},
		"silent.sock":  {"silent", ""},
		"stale.sock":   {"stale", ""},
	}
	for name, w := range want {
		r, ok := byPath[filepath.Join(root, name)]
		if !ok {
			t.Errorf("%s missing from the JSON", name)
			continue
		}
		if r["kind"] != w[0] || r["reflection"] != w[1] {
			t.Errorf("%s: kind %v reflection %v, want %s %s (hint %v, error %v)", name, r["kind"], r["reflection"], w[0], w[1], r["hint"], r["error"])
		}
	}
	v1 := byPath[filepath.Join(root, "v1.sock")]
	if services, _ := v1["services"].([]any); !containsAny(services, "sample.v1.Echo") {
		t.Errorf("v1.sock services %v, want sample.v1.Echo among them", v1["services"])
	}
	if health, _ := v1["health"].(map[string]any); health[""] != "SERVING" {
		t.Errorf("v1.sock health %v, want \"\": SERVING", v1["health"])
	}
	if proc, _ := v1["process"].(map[string]any); proc == nil || proc["pid"] != float64(os.Getpid()) {
		t.Errorf("v1.sock process %v, want pid %d", v1["process"], os.Getpid())
	}
	if none := byPath[filepath.Join(root, "none.sock")]; len(none["services"].([]any)) != 0 {
		t.Errorf("none.sock services %v, want none without reflection", none["services"])
	}
	stale := byPath[filepath.Join(root, "stale.sock")]
	if owner, _ := stale["owner"].(map[string]any); owner == nil || owner["world_writable"] != true || owner["mode"] != "0777" {
		t.Errorf("stale.sock owner %v, want world-writable 0777", stale["owner"])
	}
	if stale["process"] != nil {
		t.Errorf("stale.sock process %v, want null", stale["process"])
	}
}

func containsAny(list []any, want string) bool {
	for _, v := range list {
		if v == want {
			return true
		}
	}
	return false
}

func TestScanTable(t *testing.T) {
	root := scanFixture(t)
	code, stdout, stderr := runScanCapture(t, scanOpts(root))
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if strings.Contains(stdout, "\x1b[") {
		t.Errorf("colour codes without colour:\n%q", stdout)
	}
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "PATH") {
		t.Fatalf("first line %q, want the header", lines[0])
	}
	// Rows are grouped by kind, gRPC first, and aligned: the KIND column
	// starts at the same offset on every row.
	kindCol := strings.Index(lines[0], "KIND")
	var order []string
	for _, line := range lines[1:] {
		if !strings.HasPrefix(line, root) {
			continue
		}
		kind := strings.Fields(line[kindCol:])[0]
		order = append(order, kind)
		if strings.HasSuffix(strings.Fields(line)[0], "v1.sock") && !strings.Contains(line, "sample.v1.Echo") {
			t.Errorf("grpc row without its services: %q", line)
		}
		if strings.Contains(line, "http1.sock") && !strings.Contains(line, "Kestrel needs Protocols = Http2") {
			t.Errorf("http1 row without the Kestrel hint: %q", line)
		}
		if strings.Contains(line, "stale.sock") && !strings.Contains(line, "world-writable") {
			t.Errorf("world-writable socket without a warning: %q", line)
		}
	}
	wantOrder := "grpc grpc grpc http1 other silent stale"
	if got := strings.Join(order, " "); got != wantOrder {
		t.Errorf("kinds in order %q, want %q\n%s", got, wantOrder, stdout)
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, "3 grpc") || !strings.Contains(last, "1 stale") {
		t.Errorf("summary %q", last)
	}

	opts := scanOpts(root)
	opts.color = true
	_, colored, _ := runScanCapture(t, opts)
	if !strings.Contains(colored, "\x1b[32mgrpc\x1b[0m") {
		t.Errorf("no colour with color set:\n%q", colored)
	}
}

func TestScanNoRootReadable(t *testing.T) {
	missing := filepath.Join(shortDir(t), "missing")
	opts := scanOptions{Options: sockets.Options{Roots: []string{missing}, NoDefaultRoots: true, NoProbe: true}}
	code, _, stderr := runScanCapture(t, opts)
	if code != 1 || !strings.Contains(stderr, "no scan root could be read") || !strings.Contains(stderr, missing) {
		t.Errorf("exit %d, stderr %q: want 1 naming the missing root", code, stderr)
	}
}
