package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sockscope/collection"
	"sockscope/sample"
)

// runBinary runs the built sockscope and returns its exit status and
// output.
func runBinary(t *testing.T, bin string, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errOut bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("%s: %v", bin, err)
	}
	return result{cmd.ProcessState.ExitCode(), out.String(), errOut.String()}
}

// TestToCollectionFromTap records calls through a tap with --tap-out,
// turns the recording into a collection with --to-collection, and runs it
// with --run against the same server: real binaries throughout.
func TestToCollectionFromTap(t *testing.T) {
	bin := tapBinary(t)
	sock := startSample(t, sample.ReflectionV1)
	dir := shortDir(t)
	listen, record, file := filepath.Join(dir, "tap.sock"), filepath.Join(dir, "calls.jsonl"), filepath.Join(dir, "api.yaml")
	p := startTapProcess(t, bin, "--tap", sock, "--listen", listen, "--tap-out", record)
	for _, c := range sampleCalls() {
		runBinary(t, bin, c.input, "--call", c.method, "-d", "@", "-H", "x-api-key: s3cret", "-H", "x-trace: 7", listen)
	}
	if code := p.stop(t, os.Interrupt); code != exitOK {
		t.Fatalf("the tap exited %d:\n%s", code, p.errText())
	}

	r := runBinary(t, bin, "", "--to-collection", file, "--from-tap", record, sock)
	if r.code != exitOK || !strings.Contains(r.stderr, ": Echo") {
		t.Fatalf("--to-collection exited %d:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"streams, not unary calls", "did not end with OK", "reflection requests"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("--to-collection does not say what it left out (%q):\n%s", want, r.stderr)
		}
	}
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(text), "s3cret") || !strings.Contains(string(text), "${X_API_KEY}") {
		t.Errorf("the secret header is not a reference:\n%s", text)
	}
	f, err := collection.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, req := range f.Requests {
		// Anything on the machine that probes new sockets (a sockscope
		// watching the temp directory) may have health-checked the tap's
		// socket too: only the sample's own calls are the test's.
		if strings.HasPrefix(req.Method.Raw, "sample.v1.") {
			names = append(names, req.Name.Raw+"="+req.Method.Raw)
		}
	}
	// Echo is unary; Count and Chat are streams, Fail ended NOT_FOUND, and
	// Sum carried two requests; Sum's reply comes once, but its two
	// messages make it no unary call.
	if strings.Join(names, " ") != "Echo=sample.v1.Echo/Echo" {
		t.Errorf("requests %v, want only Echo", names)
	}

	if r := runBinary(t, bin, "", "--run", file, "--var", "X_API_KEY=s3cret"); r.code != exitOK {
		t.Errorf("--run of the converted collection exited %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// Converting again, the recording on stdin, adds under new names
	// rather than replacing.
	rec, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	if r := runBinary(t, bin, string(rec), "--to-collection", file, "--from-tap", "-", sock); r.code != exitOK || !strings.Contains(r.stderr, "Echo-2") {
		t.Errorf("a second conversion exited %d:\n%s", r.code, r.stderr)
	}
}

// TestToCollectionBadInput: a file that is no recording, and one with
// nothing to save, fail with what is wrong, and leave no collection.
func TestToCollectionBadInput(t *testing.T) {
	dir := shortDir(t)
	file := filepath.Join(dir, "out.yaml")
	notJSON := filepath.Join(dir, "notes.txt")
	os.WriteFile(notJSON, []byte("hello\n"), 0o600)
	empty := filepath.Join(dir, "empty.jsonl")
	os.WriteFile(empty, nil, 0o600)
	streams := filepath.Join(dir, "streams.jsonl")
	os.WriteFile(streams, []byte(`{"event":"call_start","conn":1,"call":1,"protocol":"grpc","method":"a.B/C"}
{"event":"call_end","conn":1,"call":1,"protocol":"grpc","method":"a.B/C","status":{"code":0,"name":"OK","message":""},"requests":1,"responses":5}
`), 0o600)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--to-collection", file, "--from-tap", notJSON, "/x.sock"}, exitUsage, "not a --tap-out recording"},
		{[]string{"--to-collection", file, "--from-tap", empty, "/x.sock"}, exitUsage, "is empty"},
		{[]string{"--to-collection", file, "--from-tap", filepath.Join(dir, "missing.jsonl"), "/x.sock"}, exitUsage, "no such file"},
		{[]string{"--to-collection", file, "--from-tap", streams, "/x.sock"}, exitFailure, "nothing was saved"},
		{[]string{"--to-collection", file, "--from-tap", streams}, exitUsage, "needs the ADDRESS"},
		{[]string{"--to-collection", file, "/x.sock"}, exitUsage, "needs --from-tap"},
		{[]string{"--from-tap", streams, "/x.sock"}, exitUsage, "goes with --to-collection"},
	} {
		r := runCLI(t, nil, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", c.args, r.code, c.code, c.want, r.stderr)
		}
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed conversion left %s: %v", file, err)
	}
}
