package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"sockscope/sample"
	"sockscope/sample/sampletest"
	"sockscope/sockets/socketstest"
)

// startGuardedSample serves the sample wanting "authorization: Bearer
// token" on every RPC, reflection included, as daemons that check
// credentials in an interceptor do.
func startGuardedSample(t *testing.T, token string) string {
	return sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1, Token: token})
}

func TestHeadersReachReflection(t *testing.T) {
	sock := startGuardedSample(t, "t")
	r := runCLI(t, nil, "--list", sock)
	if r.code == 0 || !strings.Contains(r.stderr, "Unauthenticated") || !strings.Contains(r.stderr, "hint: the server wants credentials") {
		t.Errorf("--list without credentials: exit %d, stderr %q; want the server's Unauthenticated and a hint", r.code, r.stderr)
	}
	runCLI(t, nil, "--list", "-H", "authorization: Bearer t", sock).want(t, 0)
	runCLI(t, nil, "--describe", "sample.v1.Echo", "-H", "authorization: Bearer t", sock).want(t, 0)
	runCLI(t, nil, "--template", "sample.v1.Echo/Echo", "-H", "authorization: Bearer t", sock).want(t, 0)
	r = runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "-d", `{"message":"hi"}`, "-H", "authorization: Bearer t", sock).want(t, 0)
	if got := decodeJSON(t, r.stdout)["metadata"].(map[string]any)["authorization"]; got != "Bearer t" {
		t.Errorf("the call carried authorization %v, want Bearer t once", got)
	}

	file := filepath.Join(shortDir(t), "token")
	if err := os.WriteFile(file, []byte("# the token\nauthorization: Bearer t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "-H", "@"+file, sock).want(t, 0)
	runCLI(t, nil, "--health", "-H", "@"+file, sock).want(t, exitHealthServing)
	runCLI(t, nil, "--health", sock).want(t, exitHealthRPC)
}

func TestReflectAndRPCHeadersApart(t *testing.T) {
	sock := startGuardedSample(t, "t")
	auth := "authorization: Bearer t"
	r := runCLI(t, nil, "--call", "sample.v1.Echo/Echo", sock,
		"--reflect-header", auth, "--reflect-header", "x-side: reflection",
		"--rpc-header", auth, "--rpc-header", "x-side: call").want(t, 0)
	got := decodeJSON(t, r.stdout)["metadata"].(map[string]any)
	if got["x-side"] != "call" || got["authorization"] != "Bearer t" {
		t.Errorf("the call carried %v, want only the --rpc-header values", got)
	}
	// Each flag alone is not enough: the other side is refused.
	r = runCLI(t, nil, "--call", "sample.v1.Echo/Echo", sock, "--rpc-header", auth)
	if r.code != exitFailure || !strings.Contains(r.stderr, "list services") && !strings.Contains(r.stderr, "reflection") {
		t.Errorf("without --reflect-header: exit %d, stderr %q; want reflection refused", r.code, r.stderr)
	}
	r = runCLI(t, nil, "--call", "sample.v1.Echo/Echo", sock, "--reflect-header", auth)
	if r.code != exitRPCBase+int(codes.Unauthenticated) {
		t.Errorf("without --rpc-header: exit %d, stderr %q; want the call's Unauthenticated (%d)", r.code, r.stderr, exitRPCBase+int(codes.Unauthenticated))
	}
	runCLI(t, nil, "--call", "sample.v1.Echo/Echo", sock, "--rpc-header", "no colon here").want(t, exitUsage)
	runCLI(t, nil, "--list", sock, "--token", "t").want(t, exitUsage)
}

func TestAuthorityAndUnknownFields(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)
	r := runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "--authority", "agent.internal", sock).want(t, 0)
	if got := decodeJSON(t, r.stdout)["metadata"].(map[string]any)[":authority"]; got != "agent.internal" {
		t.Errorf(":authority %v, want agent.internal", got)
	}
	r = runCLI(t, nil, "--call", "sample.v1.Echo/Echo", sock).want(t, 0)
	if got := decodeJSON(t, r.stdout)["metadata"].(map[string]any)[":authority"]; got != "localhost" {
		t.Errorf("default :authority %v, want localhost", got)
	}

	newer := `{"message": "hi", "added_later": 1}`
	r = runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "-d", newer, sock).want(t, exitUsage)
	if !strings.Contains(r.stderr, "added_later") {
		t.Errorf("an unknown field should be named: %s", r.stderr)
	}
	r = runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "-d", newer, "--allow-unknown-fields", sock).want(t, 0)
	if decodeJSON(t, r.stdout)["message"] != "hi" {
		t.Errorf("with --allow-unknown-fields the known fields still go: %s", r.stdout)
	}
}

func TestProtosetOut(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)
	dir := shortDir(t)
	listed := runCLI(t, nil, "--list", "--long", sock).want(t, 0).stdout

	all := filepath.Join(dir, "all.protoset")
	runCLI(t, nil, "--list", "--long", "--protoset-out", all, sock).want(t, 0)
	if got := runCLI(t, nil, "--list", "--long", "--protoset", all).want(t, 0).stdout; got != listed {
		t.Errorf("the written protoset lists\n%s\nthe server lists\n%s", got, listed)
	}

	echo := filepath.Join(dir, "echo.protoset")
	runCLI(t, nil, "--describe", "sample.v1.Echo", "--protoset-out", echo, sock).want(t, 0)
	d := runCLI(t, nil, "--describe", "sample.v1.Echo.Echo", "--protoset", echo).want(t, 0).stdout
	if !strings.Contains(d, "returns the message and the request metadata") {
		t.Errorf("the protoset lost the schema's comments:\n%s", d)
	}
	if r := runCLI(t, nil, "--list", "--protoset", echo).want(t, 0); strings.Contains(r.stdout, "Workloads") {
		t.Errorf("describing Echo wrote Workloads too:\n%s", r.stdout)
	}
	runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "--protoset-out", echo, sock).want(t, exitUsage)
	runCLI(t, nil, "--list", "--protoset-out", filepath.Join(dir, "no", "such", "dir", "x"), sock).want(t, exitFailure)
}

func TestFormatText(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)
	r := runCLI(t, nil, "--call", "sample.v1.Echo/Count", "-d", "count: 3", "--format", "text", sock).want(t, 0)
	if r.stdout != "n: 1\n\x1en: 2\n\x1en: 3\n" {
		t.Errorf("Count in text format printed %q", r.stdout)
	}
	r = runCLI(t, strings.NewReader("value: 1\x1evalue: 2\n\x1e"), "--call", "sample.v1.Echo/Sum", "-d", "@", "--format", "text", sock).want(t, 0)
	if r.stdout != "total: 3\ncount: 2\n" {
		t.Errorf("Sum in text format printed %q", r.stdout)
	}
	r = runCLI(t, nil, "--call", "sample.v1.Echo/Sum", "-d", "value: 1\x1e\nnope: 1", "--format", "text", sock).want(t, exitUsage)
	if !strings.Contains(r.stderr, "request 2: line 2, column 1: unknown field: nope") {
		t.Errorf("a bad text request should be placed: %s", r.stderr)
	}
	runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "-d", "message: \"x\" nope: 1", "--format", "text", "--allow-unknown-fields", sock).want(t, 0)
	runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "--format", "yaml", sock).want(t, exitUsage)
}

func TestExpandHeaders(t *testing.T) {
	sock := startGuardedSample(t, "from-env")
	t.Setenv("SOCKSCOPE_TEST_TOKEN", "from-env")
	r := runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "-H", "authorization: Bearer ${SOCKSCOPE_TEST_TOKEN}", "-H", "x-cost: $5", "--expand-headers", sock).want(t, 0)
	if got := decodeJSON(t, r.stdout)["metadata"].(map[string]any)["x-cost"]; got != "$5" {
		t.Errorf("a bare $ should stay: x-cost %v", got)
	}
	// Without the flag the reference goes as written, and the server refuses it.
	runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "-H", "authorization: Bearer ${SOCKSCOPE_TEST_TOKEN}", sock).want(t, exitFailure)
	r = runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "-H", "authorization: Bearer ${SOCKSCOPE_UNSET_TOKEN}", "--expand-headers", sock).want(t, exitUsage)
	if !strings.Contains(r.stderr, "SOCKSCOPE_UNSET_TOKEN not set") {
		t.Errorf("an unset variable should be named: %s", r.stderr)
	}
}

// silentListener accepts connections and never says a word, as a socket
// of some other protocol waiting for its client to speak first does.
func silentListener(t *testing.T) string {
	t.Helper()
	path := filepath.Join(shortDir(t), "silent.sock")
	lis, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lis.Close() })
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	return path
}

func TestSilentServerExplained(t *testing.T) {
	sock := silentListener(t)
	r := runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "--max-time", "300ms", sock).want(t, exitRPCBase+4)
	if !strings.Contains(r.stderr, "no handshake within --max-time 300ms") {
		t.Errorf("--max-time during the schema look-up: %s", r.stderr)
	}
	// The connect timeout covers the HTTP/2 handshake too.
	r = runCLI(t, nil, "--list", "--connect-timeout", "300ms", sock).want(t, exitFailure)
	if !strings.Contains(r.stderr, "no handshake within --connect-timeout 300ms: it accepted the connection but does not answer gRPC") {
		t.Errorf("a silent listener: %s", r.stderr)
	}
}

func TestHTTP1ServerExplained(t *testing.T) {
	path := filepath.Join(shortDir(t), "rest.sock")
	socketstest.ServeHTTP1(t, path)
	r := runCLI(t, nil, "--list", path).want(t, exitFailure)
	if !strings.Contains(r.stderr, "hint: "+path+" is not a gRPC server: --scan would list it as http1") {
		t.Errorf("an HTTP/1.1 server: %s", r.stderr)
	}
	// With the schema from files the call itself meets it.
	r = runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "--protoset", writeSampleProtoset(t), path).want(t, exitRPCBase+int(codes.Unavailable))
	if !strings.Contains(r.stderr, "--scan would list it as http1") {
		t.Errorf("a call to an HTTP/1.1 server: %s", r.stderr)
	}
}

// TestSampleTokenFromFileOrEnvironment: --sample-server --token takes
// '@file' and '${NAME}', so the token need not show in the process list.
func TestSampleTokenFromFileOrEnvironment(t *testing.T) {
	file := filepath.Join(shortDir(t), "token")
	if err := os.WriteFile(file, []byte("s3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SAMPLE_TOKEN", "from-env")
	for value, want := range map[string]string{"@" + file: "s3cr3t", "${SAMPLE_TOKEN}": "from-env", "plain": "plain"} {
		if got, err := readSecret("--token", value); err != nil || got != want {
			t.Errorf("readSecret(%q) = %q, %v; want %q", value, got, err, want)
		}
	}
	for _, value := range []string{"${NO_SUCH_TOKEN_VAR}", "@" + file + ".missing"} {
		if _, err := readSecret("--token", value); err == nil {
			t.Errorf("readSecret(%q) gave no error", value)
		}
	}
}
