package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"sockscope/sample"
	"sockscope/sample/samplepb"
)

// tapBinary is the built sockscope for the tap's tests, which end it with
// SIGINT, which windows does not have.
func tapBinary(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the tap's tests end it with SIGINT, which windows does not have")
	}
	return buildSockscope(t)
}

// tapProcess is a running `sockscope --tap`, its output collected.
type tapProcess struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan struct{}
}

// startTapProcess runs the tap and returns once it announced that it
// listens.
func startTapProcess(t *testing.T, bin string, args ...string) *tapProcess {
	t.Helper()
	p := &tapProcess{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	p.cmd.Stdout = &p.stdout
	errPipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	ready := make(chan string, 1)
	go func() {
		r := bufio.NewReader(errPipe)
		line, _ := r.ReadString('\n')
		p.mu.Lock()
		p.stderr.WriteString(line)
		p.mu.Unlock()
		ready <- line
		rest, _ := io.ReadAll(r)
		p.mu.Lock()
		p.stderr.Write(rest)
		p.mu.Unlock()
		p.cmd.Wait()
		close(p.done)
	}()
	select {
	case line := <-ready:
		if !strings.Contains(line, "tapping") && !strings.Contains(line, "standing in front of") {
			<-p.done
			t.Fatalf("the tap did not start: %s%s", line, p.errText())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the tap did not announce itself")
	}
	return p
}

func (p *tapProcess) errText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// stop ends the tap with sig and returns its exit status.
func (p *tapProcess) stop(t *testing.T, sig os.Signal) int {
	t.Helper()
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatal("the tap did not end")
	}
	return p.cmd.ProcessState.ExitCode()
}

// jsonLines decodes the tap's JSONL output.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var events []map[string]any
	for line := range strings.Lines(out) {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not a JSON line: %v\n%s", err, line)
		}
		events = append(events, ev)
	}
	return events
}

func sampleCalls() []struct{ method, input string } {
	return []struct{ method, input string }{
		{"sample.v1.Echo/Echo", `{"message":"through"}`},
		{"sample.v1.Echo/Count", `{"count":3}`},
		{"sample.v1.Echo/Sum", `{"value":5} {"value":7}`},
		{"sample.v1.Echo/Chat", `{"text":"a"} {"text":"b"}`},
		{"sample.v1.Echo/Fail", `{"code":5,"message":"gone"}`},
	}
}

func TestTapProcess(t *testing.T) {
	bin := tapBinary(t)
	t.Run("proxy", func(t *testing.T) { testTapProxy(t, bin) })
	interposeTests(t, bin)
}

// testTapProxy: sockscope --call and a grpc-go client through the tap get
// exactly what they get directly, and the tap's JSONL holds every message
// decoded, with credentials masked, in its output and in --tap-out alike.
func testTapProxy(t *testing.T, bin string) {
	sock := startSample(t, sample.ReflectionV1)
	dir := shortDir(t)
	listen, record := filepath.Join(dir, "tap.sock"), filepath.Join(dir, "calls.jsonl")
	p := startTapProcess(t, bin, "--tap", sock, "--listen", listen, "--format", "jsonl", "--tap-out", record)

	for _, c := range sampleCalls() {
		args := []string{"--call", c.method, "-d", "@", "-H", "authorization: Bearer s3cret"}
		direct := runCLI(t, strings.NewReader(c.input), append(args, sock)...)
		tapped := runCLI(t, strings.NewReader(c.input), append(args, listen)...)
		if direct != tapped {
			t.Errorf("%s through the tap differs:\ndirect %+v\ntapped %+v", c.method, direct, tapped)
		}
	}
	grpcKinds(t, sock, listen)

	if code := p.stop(t, os.Interrupt); code != exitOK {
		t.Fatalf("the tap exited %d on SIGINT:\n%s", code, p.errText())
	}
	saved, err := os.ReadFile(record)
	if err != nil || string(saved) != p.stdout.String() {
		t.Errorf("--tap-out differs from the output (%v)", err)
	}
	if fi, err := os.Stat(record); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("--tap-out's mode: %v, %v", fi, err)
	}
	if _, err := os.Lstat(listen); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the listening socket was left behind: %v", err)
	}
	messages := map[string]int{}
	masked := 0
	for _, ev := range jsonLines(t, p.stdout.String()) {
		method, _ := ev["method"].(string)
		if line, _ := json.Marshal(ev); strings.Contains(string(line), "s3cret") && (ev["event"] != "message" || method != "sample.v1.Echo/Echo") {
			// Echo's reply holds the metadata it received: a message is
			// shown as it is, metadata never.
			t.Errorf("the credential is in the tap's output: %s", line)
		}
		if !strings.HasPrefix(method, "sample.v1.Echo/") {
			continue
		}
		switch ev["event"] {
		case "message":
			if ev["json"] == nil {
				t.Errorf("a message not decoded: %v", ev)
			}
			messages[method]++
		case "call_start":
			if auth, ok := ev["metadata"].(map[string]any)["authorization"]; ok {
				if auth.([]any)[0] != "(masked, 13 bytes)" {
					t.Errorf("authorization: %v", auth)
				}
				masked++
			}
		}
	}
	if masked < len(sampleCalls()) {
		t.Errorf("%d calls with authorization seen, want at least %d", masked, len(sampleCalls()))
	}
	// Each method twice: once from sockscope --call, once from grpc-go.
	for method, want := range map[string]int{"sample.v1.Echo/Echo": 4, "sample.v1.Echo/Count": 8, "sample.v1.Echo/Sum": 6,
		"sample.v1.Echo/Chat": 8, "sample.v1.Echo/Fail": 2} {
		if messages[method] != want {
			t.Errorf("%s: %d messages in the JSONL, want %d", method, messages[method], want)
		}
	}
}

// grpcKinds makes every kind of call with grpc-go directly and through
// the tap, and compares the replies.
func grpcKinds(t *testing.T, direct, tapped string) {
	t.Helper()
	replies := func(path string) []proto.Message {
		conn, err := grpc.NewClient("unix://"+path, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		echo := samplepb.NewEchoClient(conn)
		ctx := context.Background()
		var got []proto.Message
		r, err := echo.Echo(ctx, &samplepb.EchoRequest{Message: "grpc-go"})
		got = append(got, r)
		count, _ := echo.Count(ctx, &samplepb.CountRequest{Count: 3})
		for n, err := count.Recv(); err == nil; n, err = count.Recv() {
			got = append(got, n)
		}
		sum, _ := echo.Sum(ctx)
		sum.Send(&samplepb.SumRequest{Value: 2})
		sum.Send(&samplepb.SumRequest{Value: 3})
		total, err2 := sum.CloseAndRecv()
		got = append(got, total)
		chat, _ := echo.Chat(ctx)
		chat.Send(&samplepb.ChatMessage{Text: "x"})
		chat.Send(&samplepb.ChatMessage{Text: "y"})
		chat.CloseSend()
		for m, err := chat.Recv(); err == nil; m, err = chat.Recv() {
			got = append(got, m)
		}
		_, failErr := echo.Fail(ctx, &samplepb.FailRequest{Code: 5, Message: "gone"})
		if err != nil || err2 != nil || failErr == nil {
			t.Fatalf("grpc-go calls to %s: %v, %v, %v", path, err, err2, failErr)
		}
		return got
	}
	want, got := replies(direct), replies(tapped)
	if len(want) != len(got) || len(got) != 7 {
		t.Fatalf("%d replies through the tap, %d direct", len(got), len(want))
	}
	for i := range want {
		if !proto.Equal(want[i], got[i]) {
			t.Errorf("reply %d: %v through the tap, %v direct", i, got[i], want[i])
		}
	}
}

func TestTapFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--listen", "x.sock"}, "--listen goes with --tap"},
		{[]string{"--tap", "./a.sock", "./b.sock"}, "--tap takes its ADDRESS as its value"},
		{[]string{"--tap", "./a.sock", "--interpose", "--listen", "./t.sock"}, "--interpose listens at the --tap PATH itself"},
		{[]string{"--tap", "./a.sock", "--restore", "--interpose"}, "--restore takes only --tap PATH"},
		{[]string{"--tap", "./a.sock", "--format", "text"}, "not --format text"},
		{[]string{"--tap", "./a.sock", "--listen-mode", "999"}, `--listen-mode "999": want permissions in octal`},
		{[]string{"--tap", "./a.sock", "--call", "x/y"}, "choose one of"},
	} {
		r := runCLI(t, nil, c.args...).want(t, exitUsage)
		if !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: %q, want %q", c.args, r.stderr, c.want)
		}
	}
	missing := filepath.Join(shortDir(t), "none.sock")
	if r := runCLI(t, nil, "--tap", missing, "--listen", filepath.Join(shortDir(t), "t.sock")); r.code != exitFailure || !strings.Contains(r.stderr, "no such file") {
		t.Errorf("a missing upstream: %+v", r)
	}
}

// TestTapContainerd points containerd's own ctr at a tap in front of a real
// containerd: its calls are decoded with the built-in containerd schema.
func TestTapContainerd(t *testing.T) {
	ctr, err := exec.LookPath("ctr")
	if err != nil {
		t.Skip("ctr is not installed (Debian's containerd package ships it; .ci/run installs it)")
	}
	sock := startContainerd(t)
	bin := tapBinary(t)
	listen := filepath.Join(shortDir(t), "tap.sock")
	p := startTapProcess(t, bin, "--tap", sock, "--listen", listen, "--format", "jsonl")
	out, err := exec.Command(ctr, "--address", listen, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("ctr version through the tap: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Server:") {
		t.Errorf("ctr version printed:\n%s", out)
	}
	if code := p.stop(t, os.Interrupt); code != exitOK {
		t.Fatalf("exit %d:\n%s", code, p.errText())
	}
	var reply map[string]any
	for _, ev := range jsonLines(t, p.stdout.String()) {
		if ev["event"] == "message" && ev["method"] == "containerd.services.version.v1.Version/Version" && ev["direction"] == "response" {
			reply, _ = ev["json"].(map[string]any)
		}
	}
	if v, _ := reply["version"].(string); v == "" || !strings.Contains(string(out), v) {
		t.Errorf("the Version reply, decoded: %v; ctr printed:\n%s\nthe tap:\n%s", reply, out, p.stdout.String())
	}
}
