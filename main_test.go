package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/internal/startup"
	"sockscope/reflection"
	"sockscope/sample"
	"sockscope/sample/samplepb"
	"sockscope/sample/sampletest"
)

func shortDir(t *testing.T) string { return sampletest.ShortDir(t) }

func startSample(t *testing.T, mode sample.Reflection) string {
	return sampletest.Serve(t, sample.Options{Reflection: mode})
}

type result struct {
	code           int
	stdout, stderr string
}

// TestMain gives the tests every CPU: the program starts on one P (see
// internal/startup), which suits one short call, not a test binary running
// servers and many calls at once. TestSampleServerProcess runs the built
// binary as a user does.
func TestMain(m *testing.M) {
	startup.UseAllCPUs()
	if path := os.Getenv(serveHelperEnv); path != "" {
		os.Exit(serveHelper(path))
	}
	code := m.Run()
	removeBuiltBinary()
	os.Exit(code)
}

func runCLI(t *testing.T, stdin io.Reader, args ...string) result {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var out, errOut bytes.Buffer
	code := run(args, stdin, &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

func (r result) want(t *testing.T, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	return r
}

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, s)
	}
	return v
}

func TestListSortedAndLong(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)
	r := runCLI(t, nil, "--list", sock).want(t, exitOK)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	for _, want := range []string{"sample.v1.Echo/Echo", "sample.v1.Echo/Chat", "grpc.health.v1.Health/Check"} {
		if !strings.Contains(r.stdout, want+"\n") {
			t.Errorf("--list lacks %s:\n%s", want, r.stdout)
		}
	}
	for i := 1; i < len(lines); i++ {
		if lines[i-1] > lines[i] {
			t.Errorf("--list not sorted: %q before %q", lines[i-1], lines[i])
		}
	}
	if strings.Contains(r.stdout, "grpc.reflection") {
		t.Errorf("--list shows the reflection service itself:\n%s", r.stdout)
	}

	// Flags after the address work as well as before it.
	r = runCLI(t, nil, sock, "--list", "--long").want(t, exitOK)
	for _, want := range []string{
		"sample.v1.Echo/Count\tserver-stream\tsample.v1.CountRequest -> sample.v1.CountReply",
		"sample.v1.Echo/Sum\tclient-stream",
		"sample.v1.Echo/Chat\tbidi-stream",
		"sample.v1.Echo/Echo\tunary",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("--list --long lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestCallUnaryDataForms(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)
	file := filepath.Join(shortDir(t), "req.json")
	if err := os.WriteFile(file, []byte(`{"message": "from file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"inline", "", []string{"-d", `{"message":"inline"}`}, "inline"},
		{"stdin @", `{"message":"piped"}`, []string{"-d", "@"}, "piped"},
		{"stdin @-", `{"message":"dash"}`, []string{"-d", "@-"}, "dash"},
		{"file", "", []string{"-d", "@" + file}, "from file"},
		{"no data", "", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"--call", "sample.v1.Echo/Echo", sock}, c.args...)
			r := runCLI(t, strings.NewReader(c.stdin), args...).want(t, exitOK)
			got := decodeJSON(t, r.stdout)
			msg, _ := got["message"].(string)
			if msg != c.want {
				t.Errorf("message = %q, want %q", msg, c.want)
			}
		})
	}
}

func TestCallMetadata(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)
	hfile := filepath.Join(shortDir(t), "headers")
	if err := os.WriteFile(hfile, []byte("# comment\nx-from-file: yes\n\nauthorization: Bearer s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "-H", "X-Trace: abc", "-H", "@"+hfile, sock).want(t, exitOK)
	md, _ := decodeJSON(t, r.stdout)["metadata"].(map[string]any)
	for k, v := range map[string]string{"x-trace": "abc", "x-from-file": "yes", "authorization": "Bearer s3cret"} {
		if md[k] != v {
			t.Errorf("metadata[%q] = %v, want %q (all: %v)", k, md[k], v, md)
		}
	}
	r = runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "-H", "no colon here", sock).want(t, exitUsage)
	if !strings.Contains(r.stderr, "no colon here") {
		t.Errorf("bad header message does not name the header: %s", r.stderr)
	}
}

func TestCallStreams(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)

	r := runCLI(t, nil, "--call", "sample.v1.Echo/Count", "-d", `{"count": 5}`, "--format", "jsonl", sock).want(t, exitOK)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 5 {
		t.Fatalf("Count 5 gave %d lines:\n%s", len(lines), r.stdout)
	}
	for i, line := range lines {
		if n := decodeJSON(t, line)["n"]; n != float64(i+1) {
			t.Errorf("line %d: n = %v, want %d", i, n, i+1)
		}
	}

	r = runCLI(t, strings.NewReader("{\"value\": 3}\n{\"value\": 4} {\"value\": \"5\"}\n"),
		"--call", "sample.v1.Echo/Sum", "-d", "@", sock).want(t, exitOK)
	got := decodeJSON(t, r.stdout)
	if got["total"] != "12" || got["count"] != float64(3) {
		t.Errorf("Sum = %v, want total 12 over 3", got)
	}
}

// TestCallBidiInteractive proves that a bidi call prints each reply before the
// next request is even written, as a person typing into a terminal needs.
func TestCallBidiInteractive(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan int, 1)
	go func() {
		var errOut bytes.Buffer
		done <- run([]string{"--call", "sample.v1.Echo/Chat", "-d", "@", "--format", "jsonl", sock}, inR, outW, &errOut)
		outW.Close()
	}()
	replies := bufio.NewScanner(outR)
	for _, text := range []string{"first", "second", "third"} {
		fmt.Fprintf(inW, "{\"text\": %q}\n", text)
		if !replies.Scan() {
			t.Fatalf("no reply to %q before the next message", text)
		}
		if got := decodeJSON(t, replies.Text())["text"]; got != text {
			t.Errorf("reply %v, want %q", got, text)
		}
	}
	inW.Close()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Chat did not end after stdin closed")
	}
}

func TestCallFailureStatus(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)
	r := runCLI(t, nil, "--call", "sample.v1.Echo/Fail", "-d", `{"code": 5, "message": "no such thing"}`, sock).want(t, exitRPCBase+5)
	if r.stdout != "" {
		t.Errorf("failed call wrote stdout: %q", r.stdout)
	}
	st := decodeJSON(t, r.stderr)
	if st["code"] != "NOT_FOUND" || st["message"] != "no such thing" {
		t.Errorf("status = %v", st)
	}
	details, _ := st["details"].([]any)
	var types []string
	for _, d := range details {
		m, _ := d.(map[string]any)
		types = append(types, fmt.Sprint(m["@type"]))
	}
	joined := strings.Join(types, " ")
	for _, want := range []string{"google.rpc.BadRequest", "google.rpc.ErrorInfo"} {
		if !strings.Contains(joined, want) {
			t.Errorf("details lack %s: %v", want, types)
		}
	}
}

func TestCallDeadlineAndMessageSize(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)
	runCLI(t, nil, "--call", "sample.v1.Echo/Sleep", "-d", `{"ms": 5000}`, "--max-time", "300ms", sock).want(t, exitRPCBase+4)
	runCLI(t, nil, "--call", "sample.v1.Echo/Big", "-d", `{"bytes": 2048}`, "--max-msg-size", "1024", sock).want(t, exitRPCBase+8)
	r := runCLI(t, nil, "--call", "sample.v1.Echo/Big", "-d", `{"bytes": 2048}`, sock).want(t, exitOK)
	if data, _ := decodeJSON(t, r.stdout)["data"].(string); len(data) < 2048 {
		t.Errorf("Big 2048 returned %d base64 characters", len(data))
	}
}

func TestBadInput(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)
	cases := []struct {
		name   string
		args   []string
		status int
		want   []string
	}{
		{"invalid json", []string{"--call", "sample.v1.Echo/Echo", "-d", "{\n  \"message\": x\n}"}, exitUsage, []string{"2", "14"}},
		{"unknown field", []string{"--call", "sample.v1.Echo/Echo", "-d", `{"mesage": "typo"}`}, exitUsage, []string{"mesage"}},
		{"unknown method", []string{"--call", "sample.v1.Echo/Nope"}, exitUsage, []string{"sample.v1.Echo/Nope"}},
		{"bad format", []string{"--list", "--format", "xml"}, exitUsage, []string{"xml"}},
		{"two modes", []string{"--list", "--call", "sample.v1.Echo/Echo"}, exitUsage, []string{"choose one"}},
		{"unknown flag", []string{"--list", "--bogus"}, exitUsage, []string{"bogus"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, nil, append(c.args, sock)...).want(t, c.status)
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
		})
	}
}

func TestConnectFailures(t *testing.T) {
	dir := shortDir(t)
	missing := filepath.Join(dir, "missing.sock")
	r := runCLI(t, nil, "--list", missing).want(t, exitFailure)
	if !strings.Contains(r.stderr, missing) || !strings.Contains(r.stderr, "no such socket") {
		t.Errorf("missing socket message: %s", r.stderr)
	}

	stale := filepath.Join(dir, "stale.sock")
	lis, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	lis.(*net.UnixListener).SetUnlinkOnClose(false)
	lis.Close()
	r = runCLI(t, nil, "--list", stale).want(t, exitFailure)
	if !strings.Contains(r.stderr, stale) || !strings.Contains(r.stderr, "refused") {
		t.Errorf("stale socket message: %s", r.stderr)
	}
}

func TestNoReflection(t *testing.T) {
	sock := startSample(t, sample.ReflectionNone)
	r := runCLI(t, nil, "--list", sock).want(t, exitFailure)
	for _, want := range []string{"reflection", "--proto", "--protoset"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("no-reflection message lacks %q: %s", want, r.stderr)
		}
	}
}

// TestSchemaSources runs the same call with each way of getting a schema.
func TestSchemaSources(t *testing.T) {
	protoDir := writeSampleProtos(t)
	sources := []struct {
		name string
		mode sample.Reflection
		args []string
	}{
		{"reflection v1", sample.ReflectionV1, nil},
		{"reflection v1alpha", sample.ReflectionV1Alpha, nil},
		{"proto files", sample.ReflectionNone, []string{
			"--proto", "sample/v1/echo.proto", "--proto", "sample/v1/workloads.proto", "--import-path", protoDir}},
		{"protoset", sample.ReflectionNone, []string{"--protoset", writeSampleProtoset(t)}},
	}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			sock := startSample(t, src.mode)
			args := append([]string{"--call", "sample.v1.Echo/Echo", "-d", `{"message":"src"}`, sock}, src.args...)
			r := runCLI(t, nil, args...).want(t, exitOK)
			if decodeJSON(t, r.stdout)["message"] != "src" {
				t.Errorf("reply: %s", r.stdout)
			}
			r = runCLI(t, nil, append([]string{"--describe", "sample.v1.Echo", sock}, src.args...)...).want(t, exitOK)
			if !strings.Contains(r.stdout, "rpc Echo") {
				t.Errorf("--describe lacks rpc Echo:\n%s", r.stdout)
			}
		})
	}
}

func writeSampleProtos(t *testing.T) string {
	t.Helper()
	dir := shortDir(t)
	if err := os.CopyFS(dir, sample.ProtoTree()); err != nil {
		t.Fatal(err)
	}
	return dir
}

// writeSampleProtoset writes the sample's files and their imports as a
// FileDescriptorSet, the way `protoc --include_imports -o` would.
func writeSampleProtoset(t *testing.T) string {
	t.Helper()
	set := reflection.FileSet([]protoreflect.FileDescriptor{samplepb.File_sample_v1_echo_proto, samplepb.File_sample_v1_workloads_proto}, nil)
	b, err := proto.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(shortDir(t), "sample.protoset")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestTemplateRoundTrip feeds every method's template back as its request.
func TestTemplateRoundTrip(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)
	methods := strings.Fields(runCLI(t, nil, "--list", sock).want(t, exitOK).stdout)
	if len(methods) < 10 {
		t.Fatalf("only %d methods listed", len(methods))
	}
	for _, m := range methods {
		t.Run(m, func(t *testing.T) {
			tmpl := runCLI(t, nil, "--template", m, sock).want(t, exitOK).stdout
			decodeJSON(t, tmpl)
			// Streams that run until cancelled end at --max-time with DEADLINE_EXCEEDED,
			// which is fine: only a rejected request (usage or local failure) is a defect.
			r := runCLI(t, nil, "--call", m, "-d", tmpl, "--max-time", "2s", sock)
			if r.code == exitUsage || r.code == exitFailure {
				t.Fatalf("template rejected (exit %d): %s\ntemplate:\n%s", r.code, r.stderr, tmpl)
			}
		})
	}
}

func TestAbstractSocket(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("abstract sockets exist only on Linux")
	}
	name := fmt.Sprintf("sockscope-test-%d", os.Getpid())
	lis, err := net.Listen("unix", "@"+name)
	if err != nil {
		t.Fatal(err)
	}
	srv := sample.NewServer(sample.Options{Reflection: sample.ReflectionV1})
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	for _, addr := range []string{"@" + name, "unix-abstract:" + name} {
		r := runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "-d", `{"message":"abstract"}`, addr).want(t, exitOK)
		if decodeJSON(t, r.stdout)["message"] != "abstract" {
			t.Errorf("%s: reply %s", addr, r.stdout)
		}
	}
}

func TestVerboseAndVersion(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)
	r := runCLI(t, nil, "-v", "--call", "sample.v1.Echo/Echo", sock).want(t, exitOK)
	for _, want := range []string{"Response headers:", "content-type: application/grpc", "Response trailers:", "Timing:", "dial", "schema", "call"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("-v output lacks %q:\n%s", want, r.stderr)
		}
	}
	if r := runCLI(t, nil, "--version").want(t, exitOK); !strings.HasPrefix(r.stdout, "sockscope ") {
		t.Errorf("--version: %q", r.stdout)
	}
	if r := runCLI(t, nil, "--help").want(t, exitOK); !strings.Contains(r.stderr, "--call METHOD") {
		t.Errorf("--help lacks the --call example: %q", r.stderr)
	}
}

// TestSampleServerProcess runs the built binary as a user would: it must print
// its address when ready, serve, and remove its socket on SIGTERM.
func TestSampleServerProcess(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGTERM shutdown is not available on windows")
	}
	bin := buildSockscope(t)
	dir := filepath.Join(shortDir(t), "run")
	sock := filepath.Join(dir, "sample.sock")
	cmd := exec.Command(bin, "--sample-server", "--socket", sock)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no ready line: %v", err)
	}
	if strings.TrimSpace(line) != sock {
		t.Errorf("ready line %q, want %q", line, sock)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, sock: 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s mode %o, want %o", path, st.Mode().Perm(), want)
		}
	}
	runCLI(t, nil, "--call", "sample.v1.Echo/Echo", sock).want(t, exitOK)

	// The built binary makes each kind of call.
	for _, c := range []struct {
		method, input string
		code          int
		want          string
	}{
		{"sample.v1.Echo/Echo", `{"message":"one P"}`, exitOK, `"message": "one P"`},
		{"sample.v1.Echo/Count", `{"count":3}`, exitOK, `"n": 3`},
		{"sample.v1.Echo/Sum", `{"value":5} {"value":7}`, exitOK, `"total": "12"`},
		{"sample.v1.Echo/Chat", `{"text":"a"} {"text":"b"}`, exitOK, `"text": "b"`},
		{"sample.v1.Echo/Fail", `{"code":5,"message":"gone"}`, exitRPCBase + 5, `google.rpc.BadRequest`},
	} {
		call := exec.Command(bin, "--call", c.method, "-d", "@", sock)
		call.Stdin = strings.NewReader(c.input)
		out, err := call.CombinedOutput()
		if call.ProcessState == nil {
			t.Fatalf("%s: %v", c.method, err)
		}
		if code := call.ProcessState.ExitCode(); code != c.code || !strings.Contains(string(out), c.want) {
			t.Errorf("%s: exit %d (%v), want %d with %q; output:\n%s", c.method, code, err, c.code, c.want, out)
		}
	}
	// Ctrl-C during a call cancels it: the status is printed and the exit
	// status says CANCELLED (64+1).
	sleep := exec.Command(bin, "--call", "sample.v1.Echo/Sleep", "-d", `{"ms":10000}`, sock)
	var sleepOut bytes.Buffer
	sleep.Stdout, sleep.Stderr = &sleepOut, &sleepOut
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(interruptGrace + 250*time.Millisecond)
	if err := sleep.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	sleep.Wait()
	if code := sleep.ProcessState.ExitCode(); code != exitRPCBase+1 || !strings.Contains(sleepOut.String(), "CANCELLED") {
		t.Errorf("interrupted call: exit %d, want %d with CANCELLED; output:\n%s", code, exitRPCBase+1, sleepOut.String())
	}

	// The one-P start only helps if it comes before the heavy packages'
	// initialization (bench/call.sh measures by how much).
	trace := exec.Command(bin, "--version")
	trace.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := trace.CombinedOutput()
	if err != nil {
		t.Fatalf("--version: %v\n%s", err, out)
	}
	startupAt := strings.Index(string(out), "init sockscope/internal/startup ")
	protodescAt := strings.Index(string(out), "init google.golang.org/protobuf/reflect/protodesc ")
	if startupAt < 0 || protodescAt < 0 || startupAt > protodescAt {
		t.Errorf("internal/startup is not initialized before protodesc:\n%s", out)
	}

	// A second server on the same live socket must refuse and name the first.
	out, err = exec.Command(bin, "--sample-server", "--socket", sock).CombinedOutput()
	if err == nil || !strings.Contains(string(out), fmt.Sprint(cmd.Process.Pid)) {
		t.Errorf("second server on a live socket: err %v, output %q (want pid %d)", err, out, cmd.Process.Pid)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("server exit: %v", err)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket still there after SIGTERM: %v", err)
	}
}

// TestUserSchemaDirectory: a schema the user dropped in their config
// directory is chosen for a server without reflection and listed.
func TestUserSchemaDirectory(t *testing.T) {
	config := shortDir(t)
	t.Setenv("XDG_CONFIG_HOME", config)
	schemaDir := filepath.Join(config, "sockscope", "schemas", "mysample")
	if err := os.MkdirAll(filepath.Dir(schemaDir), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(writeSampleProtos(t), schemaDir); err != nil {
		t.Fatal(err)
	}
	conf := "description the sample, kept as a user schema\nprobe sample.v1.Echo/Echo\n"
	if err := os.WriteFile(filepath.Join(schemaDir, "schema.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	sock := startSample(t, sample.ReflectionNone)

	r := runCLI(t, nil, "-v", "--call", "sample.v1.Echo/Echo", "-d", `{"message":"mine"}`, sock).want(t, exitOK)
	if decodeJSON(t, r.stdout)["message"] != "mine" {
		t.Errorf("reply: %s", r.stdout)
	}
	if !strings.Contains(r.stderr, "Schema: mysample from "+schemaDir+" (the server answers sample.v1.Echo/Echo)") {
		t.Errorf("-v does not say which schema, from where and why:\n%s", r.stderr)
	}
	r = runCLI(t, nil, "--schema", "list").want(t, exitOK)
	if !strings.Contains(r.stdout, "mysample") || !strings.Contains(r.stdout, "the sample, kept as a user schema ("+schemaDir+")") {
		t.Errorf("--schema list lacks the user schema:\n%s", r.stdout)
	}
	if strings.Index(r.stdout, "mysample") > strings.Index(r.stdout, "grpc.health.v1") {
		t.Errorf("user schemas are tried first, so they are listed first:\n%s", r.stdout)
	}

	// A broken schema.conf is named by file and line; the rest still list.
	broken := filepath.Join(config, "sockscope", "schemas", "broken")
	if err := os.Mkdir(broken, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(broken, "schema.conf"), []byte("socket x.sock\nprobe nope\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, nil, "--schema", "list").want(t, exitOK)
	if !strings.Contains(r.stderr, filepath.Join(broken, "schema.conf")+`:2: probe "nope" is not pkg.Service/Method`) || !strings.Contains(r.stdout, "mysample") {
		t.Errorf("--schema list with a broken schema.conf:\nstdout %s\nstderr %s", r.stdout, r.stderr)
	}
}
