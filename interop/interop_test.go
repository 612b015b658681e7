// Package interop runs sockscope against gRPC servers of other stacks,
// serving the project's own protos: grpc-js (Node's pure-JavaScript gRPC,
// with @grpc/reflection over protobuf.js), gRPC C++ (the C-core stack,
// with its reflection and default health service), Python's grpcio (C-core
// as well, without reflection) and grpc-go behind
// net/http's own HTTP/2; and against etcd, which binds its socket by a
// relative path. The servers' dependencies are installed by .ci/run (npm
// ci here, Debian's gRPC C++, python3-grpcio and etcd packages); without
// them the tests
// skip and say so.
package interop

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sockscope/sample"
)

// sockscope is built once, by the first test that needs it, and removed
// by TestMain.
var (
	buildOnce  sync.Once
	binary     string
	binaryDir  string
	buildError error
)

func sockscopeBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binaryDir, buildError = os.MkdirTemp("", "sockscope-interop")
		if buildError != nil {
			return
		}
		binary = filepath.Join(binaryDir, "sockscope")
		out, err := exec.Command("go", "build", "-o", binary, "sockscope").CombinedOutput()
		if err != nil {
			buildError = fmt.Errorf("build sockscope: %w\n%s", err, out)
		}
	})
	if buildError != nil {
		t.Fatal(buildError)
	}
	return binary
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binaryDir != "" {
		os.RemoveAll(binaryDir)
	}
	os.Exit(code)
}

// shortDir is a private directory with a path short enough for a socket.
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "si")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// startServer runs a test server's command, which takes the socket path as
// its last argument and prints "ready" once it listens, and stops it when
// the test ends.
func startServer(t *testing.T, sock string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, append(args, sock)...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "ready" {
				ready <- true
				return
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("%s ended without listening", name)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not listen within 30s", name)
	}
}

// startGRPCJS starts interop/grpcjs/server.js on a fresh socket, or skips
// when node or its packages are missing.
func startGRPCJS(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed (.ci/run installs nodejs and npm from Debian)")
	}
	if _, err := os.Stat(filepath.Join("node_modules", "@grpc", "grpc-js")); err != nil {
		t.Skip("grpc-js is not installed: run npm ci in interop/ (.ci/run does)")
	}
	sock := filepath.Join(shortDir(t), "js.sock")
	startServer(t, sock, node, filepath.Join("grpcjs", "server.js"))
	return sock
}

type invocation struct {
	name   string
	args   []string
	stdin  string
	code   int
	stdout []string // each must appear
	stderr []string
	absent []string // must not appear in stdout
}

func runAll(t *testing.T, sock string, cases []invocation) {
	bin := sockscopeBinary(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(bin, append(c.args, sock)...)
			cmd.Stdin = strings.NewReader(c.stdin)
			var out, errOut strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &errOut
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.code, out.String(), errOut.String())
			}
			for _, want := range c.stdout {
				if !strings.Contains(out.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, out.String())
				}
			}
			for _, want := range c.stderr {
				if !strings.Contains(errOut.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
				}
			}
			for _, no := range c.absent {
				if strings.Contains(out.String(), no) {
					t.Errorf("stdout holds %q:\n%s", no, out.String())
				}
			}
		})
	}
}

// commonCases are what every server of the project's protos must answer
// alike: reflection, all four RPC kinds, a failure's status, and the proto2
// file's defaults.
var commonCases = []invocation{
	{name: "list", args: []string{"--list", "--long"}, stdout: []string{
		"sample.v1.Echo/Chat\tbidi-stream", "sample.v1.Echo/Count\tserver-stream", "sample.v1.Echo/Sum\tclient-stream",
		"sample.v1.Echo/Echo\tunary", "interop.v1.Legacy/Register\tunary\tinterop.v1.Device -> interop.v1.Device"}},
	{name: "describe", args: []string{"--describe", "interop.v1.Device"}, stdout: []string{
		`optional string name = 2 [default = "unnamed"];`, "optional Mode mode = 4 [default = MODE_SAFE];"}, absent: []string{"packed"}},
	{name: "unary", args: []string{"--call", "sample.v1.Echo/Echo", "-d", `{"message":"hi"}`}, stdout: []string{`"message": "hi"`}},
	{name: "server stream", args: []string{"--call", "sample.v1.Echo/Count", "-d", `{"count":3}`, "--format", "jsonl"}, stdout: []string{`{"n":1}`, `{"n":3}`}},
	{name: "client stream", args: []string{"--call", "sample.v1.Echo/Sum", "-d", "@"}, stdin: `{"value":1} {"value":"41"}`, stdout: []string{`"total": "42"`, `"count": 2`}},
	{name: "bidi stream", args: []string{"--call", "sample.v1.Echo/Chat", "-d", "@", "--format", "jsonl"}, stdin: `{"text":"a"} {"text":"b"}`, stdout: []string{`{"text":"a"}`, `{"text":"b"}`}},
	{name: "failure", args: []string{"--call", "sample.v1.Echo/Fail", "-d", `{"code":5,"message":"gone"}`}, code: 64 + 5, stderr: []string{`"code": "NOT_FOUND"`, `"message": "gone"`}},
	{name: "deadline", args: []string{"--call", "sample.v1.Echo/Sleep", "-d", `{"ms":5000}`, "--max-time", "300ms"}, code: 64 + 4},
	{name: "proto2 template", args: []string{"--template", "interop.v1.Legacy/Register"}, stdout: []string{
		`"name": "unnamed"`, `"retries": 3`, `"mode": "MODE_SAFE"`, `"enabled": true`, `"ratio": 0.5`, `"quota": "1000000"`, `"fallback": "MODE_FAST"`}},
	{name: "proto2 emit defaults", args: []string{"--call", "interop.v1.Legacy/Register", "-d", `{"id":"d1"}`, "--emit-defaults"}, stdout: []string{
		`"id": "d1"`, `"name": "unnamed"`, `"retries": 3`, `"mode": "MODE_SAFE"`}, absent: []string{"null"}},
	{name: "proto2 unset stays unset", args: []string{"--call", "interop.v1.Legacy/Register", "-d", `{"id":"d1","retries":7}`}, stdout: []string{`"retries": 7`}, absent: []string{"unnamed"}},
}

func TestGRPCJS(t *testing.T) {
	runAll(t, startGRPCJS(t), commonCases)
}

// buildCpp builds interop/cpp/server.cc with build.sh into a directory of
// the test's, or skips when Debian's gRPC C++ packages are missing.
func buildCpp(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"protoc", "grpc_cpp_plugin", "g++", "pkg-config"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (.ci/run installs libgrpc++-dev, protobuf-compiler-grpc and g++ from Debian)", tool)
		}
	}
	if err := exec.Command("pkg-config", "--exists", "grpc++", "protobuf").Run(); err != nil {
		t.Skip("pkg-config knows no grpc++ (.ci/run installs libgrpc++-dev from Debian)")
	}
	out := t.TempDir()
	build := exec.Command("bash", filepath.Join("cpp", "build.sh"), out)
	if msg, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the C++ server: %v\n%s", err, msg)
	}
	return filepath.Join(out, "server")
}

func TestGRPCCpp(t *testing.T) {
	server := buildCpp(t)
	sock := filepath.Join(shortDir(t), "cpp.sock")
	startServer(t, sock, server)
	runAll(t, sock, append(commonCases,
		// Finding 1 of issue 13: C++'s default health service is listed by
		// reflection without a descriptor; it falls back to the built-in one.
		invocation{name: "health listed without a descriptor", args: []string{"-v", "--list"},
			stdout: []string{"grpc.health.v1.Health/Check", "sample.v1.Echo/Echo"},
			stderr: []string{"grpc.health.v1.Health from the built-in definition (the server's reflection does not describe it)"}},
		invocation{name: "health call", args: []string{"--call", "grpc.health.v1.Health/Check"}, stdout: []string{`"status": "SERVING"`}},
		invocation{name: "health", args: []string{"--health"}, stdout: []string{"SERVING"}},
		invocation{name: "protoset out", args: []string{"--list", "--protoset-out", filepath.Join(shortDir(t), "cpp.protoset")}, stdout: []string{"interop.v1.Legacy/Register"}},
		invocation{name: "proto2 required field", args: []string{"--call", "interop.v1.Legacy/Register", "-d", "{}"}, code: 2,
			stderr: []string{"required field interop.v1.Device.id not set"}},
	))
}

// TestEtcdRelativeSocket is finding 5 of issue 13 against a real etcd
// (Debian's etcd-server 3.4), which binds unix://etcd.sock:0 relative to
// its working directory: --scan gives the socket's type, listening state
// and process, with --no-probe too.
func TestEtcdRelativeSocket(t *testing.T) {
	etcd, err := exec.LookPath("etcd")
	if err != nil {
		t.Skip("etcd is not installed (.ci/run installs Debian's etcd-server)")
	}
	dir := shortDir(t)
	cmd := exec.Command(etcd, "--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", "unix://etcd.sock:0", "--advertise-client-urls", "unix://etcd.sock:0",
		"--listen-peer-urls", "unix://peer.sock:0", "--initial-advertise-peer-urls", "unix://peer.sock:0",
		"--initial-cluster", "default=unix://peer.sock:0")
	cmd.Dir = dir
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	sock := filepath.Join(dir, "etcd.sock:0")
	bin := sockscopeBinary(t)
	deadline := time.Now().Add(30 * time.Second)
	for exec.Command(bin, "--health", sock).Run() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("etcd did not come up:\n%s", logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, noProbe := range []bool{false, true} {
		args := []string{"--scan", "--json", "--no-default-roots", "--root", dir}
		if noProbe {
			args = append(args, "--no-probe")
		}
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		var sockets []struct {
			Path       string `json:"path"`
			Kind       string `json:"kind"`
			SocketType string `json:"socket_type"`
			Listening  *bool  `json:"listening"`
			Process    *struct {
				Comm string `json:"comm"`
			} `json:"process"`
		}
		if err := json.Unmarshal(out, &sockets); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		found := false
		for _, s := range sockets {
			if s.Path != sock {
				continue
			}
			found = true
			if s.SocketType != "stream" || s.Listening == nil || !*s.Listening || s.Process == nil || s.Process.Comm != "etcd" {
				t.Errorf("no probe %v: %+v, want a listening stream socket of etcd", noProbe, s)
			}
			if want := map[bool]string{false: "grpc", true: "unprobed"}[noProbe]; s.Kind != want {
				t.Errorf("no probe %v: kind %s, want %s", noProbe, s.Kind, want)
			}
		}
		if !found {
			t.Errorf("no probe %v: %s not listed:\n%s", noProbe, sock, out)
		}
	}
}

// TestNetHTTP2 runs the common cases on a gRPC server behind net/http's own
// HTTP/2 (unencrypted, on a unix socket), the transport connect-go servers
// use, rather than grpc-go's: grpc.Server's ServeHTTP serves the sample.
// net/http answers some things differently (its SETTINGS, its stream
// resets, how a handler's end closes the stream).
func TestNetHTTP2(t *testing.T) {
	sock := filepath.Join(shortDir(t), "h2.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: sample.NewServer(sample.Options{Reflection: sample.ReflectionV1}), Protocols: &protocols}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	runAll(t, sock, []invocation{
		{name: "list", args: []string{"--list", "--long"}, stdout: []string{"sample.v1.Echo/Chat\tbidi-stream", "sample.v1.Workloads/WatchEvents\tserver-stream"}},
		{name: "unary", args: []string{"--call", "sample.v1.Echo/Echo", "-d", `{"message":"hi"}`}, stdout: []string{`"message": "hi"`}},
		{name: "server stream", args: []string{"--call", "sample.v1.Echo/Count", "-d", `{"count":3}`, "--format", "jsonl"}, stdout: []string{`{"n":1}`, `{"n":3}`}},
		{name: "client stream", args: []string{"--call", "sample.v1.Echo/Sum", "-d", "@"}, stdin: `{"value":1} {"value":"41"}`, stdout: []string{`"total": "42"`}},
		{name: "bidi stream", args: []string{"--call", "sample.v1.Echo/Chat", "-d", "@", "--format", "jsonl"}, stdin: `{"text":"a"} {"text":"b"}`, stdout: []string{`{"text":"a"}`, `{"text":"b"}`}},
		{name: "failure", args: []string{"--call", "sample.v1.Echo/Fail", "-d", `{"code":5,"message":"gone"}`}, code: 64 + 5, stderr: []string{`"code": "NOT_FOUND"`}},
		{name: "deadline", args: []string{"--call", "sample.v1.Echo/Sleep", "-d", `{"ms":5000}`, "--max-time", "300ms"}, code: 64 + 4},
		{name: "health", args: []string{"--health"}, stdout: []string{"SERVING"}},
	})
	out, err := exec.Command(sockscopeBinary(t), "--scan", "--json", "--no-default-roots", "--root", filepath.Dir(sock)).Output()
	if err != nil || !strings.Contains(string(out), `"kind":"grpc","reflection":"v1"`) {
		t.Errorf("--scan of net/http's HTTP/2: %v\n%s", err, out)
	}

	// Finding 4 of issue 13: the server goes away in the middle of a stream.
	stop := time.AfterFunc(500*time.Millisecond, func() { srv.Close() })
	defer stop.Stop()
	cmd := exec.Command(sockscopeBinary(t), "--call", "sample.v1.Echo/Count", "-d", `{"count":100,"interval_ms":50}`, "--format", "jsonl", sock)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Run()
	if !strings.Contains(stdout.String(), `{"n":1}`) || strings.Contains(stderr.String(), "not a gRPC server") ||
		!strings.Contains(stderr.String(), "spoke gRPC on this connection and then broke it") {
		t.Errorf("a server gone mid-stream:\n%s%s", stdout.String(), stderr.String())
	}
}

// pythonWithGRPC is a python3 that can import grpc (Debian's python3-grpcio,
// which a python3 earlier on PATH may lack), or "" when there is none.
func pythonWithGRPC() string {
	for _, candidate := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(candidate)
		if err == nil && exec.Command(path, "-c", "import grpc, google.protobuf").Run() == nil {
			return path
		}
	}
	return ""
}

// TestGRPCPython runs the common cases against Python's grpcio (Debian's,
// the C-core stack), which serves no reflection here: the schema is given
// as a protoset, as a user of such a daemon gives it.
func TestGRPCPython(t *testing.T) {
	python := pythonWithGRPC()
	if python == "" {
		t.Skip("no python3 with grpc (.ci/run installs Debian's python3-grpcio)")
	}
	if _, err := exec.LookPath("protoc"); err != nil {
		t.Skip("protoc is not installed (.ci/run installs Debian's protobuf-compiler)")
	}
	dir := shortDir(t)
	set := filepath.Join(dir, "set.pb")
	protoc := exec.Command("protoc", "-I", filepath.Join("..", "sample", "proto"), "-I", "proto", "--include_imports",
		"--descriptor_set_out="+set, "sample/v1/echo.proto", "interop/v1/legacy.proto")
	if out, err := protoc.CombinedOutput(); err != nil {
		t.Fatalf("protoc: %v\n%s", err, out)
	}
	sock := filepath.Join(dir, "py.sock")
	startServer(t, sock, python, filepath.Join("python", "server.py"), set)
	var cases []invocation
	for _, c := range commonCases {
		c.args = append(append([]string(nil), c.args...), "--protoset", set)
		cases = append(cases, c)
	}
	cases = append(cases,
		invocation{name: "no reflection", args: []string{"--list"}, code: 1, stderr: []string{"the server has no reflection service; give the schema with --proto FILE"}},
		invocation{name: "proto2 required field", args: []string{"--call", "interop.v1.Legacy/Register", "-d", "{}", "--protoset", set}, code: 2,
			stderr: []string{"required field interop.v1.Device.id not set"}})
	runAll(t, sock, cases)
}
