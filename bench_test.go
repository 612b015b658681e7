package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sockscope/sample"
)

type benchOutput struct {
	Method      string             `json:"method"`
	Kind        string             `json:"kind"`
	Concurrency int                `json:"concurrency"`
	Connections int                `json:"connections"`
	Rounds      int                `json:"rounds"`
	Complete    bool               `json:"complete"`
	Ratios      map[string]float64 `json:"ratios"`
	Results     []struct {
		Address   string           `json:"address"`
		Calls     int64            `json:"calls"`
		OK        int64            `json:"ok"`
		Errors    map[string]int64 `json:"errors"`
		Messages  int64            `json:"messages"`
		CallsPerS float64          `json:"calls_per_s"`
		LatencyUS struct {
			Min, P50, P99, Max float64
			Count              uint64
		} `json:"latency_us"`
		Histogram []struct {
			Count uint64 `json:"count"`
		} `json:"histogram"`
	} `json:"results"`
}

func decodeBench(t *testing.T, s string) benchOutput {
	t.Helper()
	var out benchOutput
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatalf("--bench --format json: %v\n%s", err, s)
	}
	return out
}

func TestBenchTableAndJSON(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)
	r := runCLI(t, nil, "--bench", "sample.v1.Echo/Echo", "-d", `{"message":"x"}`, "-n", "300", sock).want(t, exitOK)
	for _, want := range []string{
		"sample.v1.Echo/Echo (unary): concurrency 1 on 1 connection",
		"calls", "300", "errors", "throughput", "latency min", "latency p50", "latency p90",
		"latency p99 ", "latency p99.9", "latency max", "latency at " + sock, "■",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.stderr != "" {
		t.Errorf("stderr is not a terminal, yet: %q", r.stderr)
	}

	r = runCLI(t, nil, "--bench", "sample.v1.Echo/Echo", "-n", "200", "-c", "2", "--concurrency", "4", "--format", "json", sock).want(t, exitOK)
	out := decodeBench(t, r.stdout)
	res := out.Results[0]
	if out.Concurrency != 4 || out.Connections != 2 || !out.Complete || res.Calls != 200 || res.OK != 200 ||
		res.LatencyUS.Count != 200 || res.LatencyUS.Min <= 0 || res.LatencyUS.P50 < res.LatencyUS.Min || res.LatencyUS.Max < res.LatencyUS.P99 {
		t.Errorf("JSON: %+v", out)
	}
	var binned uint64
	for _, b := range res.Histogram {
		binned += b.Count
	}
	if binned != 200 {
		t.Errorf("histogram holds %d calls, want 200", binned)
	}
}

func TestBenchStreamsErrorsAndDuration(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)
	r := runCLI(t, nil, "--bench", "sample.v1.Echo/Count", "-d", `{"count":5}`, "-n", "20", "--format", "jsonl", sock).want(t, exitOK)
	if res := decodeBench(t, r.stdout).Results[0]; res.Calls != 20 || res.Messages != 100 {
		t.Errorf("server stream: %d calls, %d messages; want 20 and 100", res.Calls, res.Messages)
	}
	r = runCLI(t, nil, "--bench", "sample.v1.Echo/Count", "-d", `{"count":2}`, "-n", "4", sock).want(t, exitOK)
	if !strings.Contains(r.stdout, "messages/s") {
		t.Errorf("a server stream's table lacks messages/s:\n%s", r.stdout)
	}

	// Every call failing is a result, printed, and not a success.
	r = runCLI(t, nil, "--bench", "sample.v1.Echo/Fail", "-d", `{"code":5,"message":"gone"}`, "-n", "10", sock).want(t, exitFailure)
	if !strings.Contains(r.stdout, "errors at "+sock+": NotFound 10") || !strings.Contains(r.stderr, "10 of 10 calls to "+sock+" failed") {
		t.Errorf("failing calls:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}

	r = runCLI(t, nil, "--bench", "sample.v1.Echo/Echo", "--duration", "100ms", "--format", "json", sock).want(t, exitOK)
	if res := decodeBench(t, r.stdout).Results[0]; res.Calls == 0 || res.Calls != res.OK {
		t.Errorf("--duration: %d calls, %d OK", res.Calls, res.OK)
	}
}

func TestBenchUsageErrors(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--bench", "sample.v1.Echo/Sum", sock}, "--bench calls unary and server-streaming methods; sample.v1.Echo/Sum is a client-stream"},
		{[]string{"--bench", "sample.v1.Echo/Echo", "-n", "5", "--duration", "1s", sock}, "-n and --duration both say when --bench stops"},
		{[]string{"--bench", "sample.v1.Echo/Echo", "-n", "0", sock}, "-n 0: want a positive number of calls"},
		{[]string{"--bench", "sample.v1.Echo/Echo", "-c", "2", "--concurrency", "1", sock}, "--concurrency 1 is below -c 2"},
		{[]string{"--bench", "sample.v1.Echo/Echo", "--format", "text", sock}, `--format "text": --bench prints a table`},
		{[]string{"--bench", "sample.v1.Echo/Echo", "-d", `{"mesage":"x"}`, sock}, "mesage"},
		{[]string{"--bench", "sample.v1.Echo/Nope", sock}, "Nope"},
		{[]string{"--bench", "sample.v1.Echo/Echo"}, "--bench needs an ADDRESS"},
		{[]string{"--vs", sock, "--list", sock}, "--vs goes with --bench"},
		{[]string{"-n", "5", "--call", "sample.v1.Echo/Echo", sock}, "-n goes with --bench"},
		{[]string{"--tcp", "127.0.0.1:0", "--list", sock}, "--tcp goes with --sample-server"},
		{[]string{"--sample-server", "--socket", filepath.Join(shortDir(t), "x.sock"), "--tcp", "192.0.2.1:0"}, "loopback only"},
		{[]string{"--completion", "tcsh"}, `--completion "tcsh": want bash, zsh or fish`},
	}
	for _, c := range cases {
		r := runCLI(t, nil, c.args...).want(t, exitUsage)
		if !strings.Contains(r.stderr, c.want) {
			t.Errorf("%q: stderr lacks %q:\n%s", c.args, c.want, r.stderr)
		}
	}
}

// TestBenchUnixAgainstTCP is the README's measurement: one sample server
// on a socket and on loopback TCP, both under the same load in alternating
// rounds, side by side with their ratios.
func TestBenchUnixAgainstTCP(t *testing.T) {
	bin := buildSockscope(t)
	sock := filepath.Join(shortDir(t), "s.sock")
	server := exec.Command(bin, "--sample-server", "--socket", sock, "--tcp", "127.0.0.1:0")
	stdout, err := server.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Process.Kill(); server.Wait() })
	lines := bufio.NewScanner(stdout)
	var printed []string
	for len(printed) < 2 && lines.Scan() {
		printed = append(printed, lines.Text())
	}
	if len(printed) != 2 || printed[0] != sock || !strings.HasPrefix(printed[1], "127.0.0.1:") {
		t.Fatalf("--sample-server --tcp printed %q, want the socket then 127.0.0.1:PORT", printed)
	}
	tcp := printed[1]

	r := runCLI(t, nil, "--bench", "sample.v1.Echo/Echo", sock, "--vs", tcp, "-n", "400", "--format", "json").want(t, exitOK)
	out := decodeBench(t, r.stdout)
	if out.Rounds != 10 || len(out.Results) != 2 || out.Results[0].Address != sock || out.Results[1].Address != tcp {
		t.Fatalf("--vs: %+v", out)
	}
	for _, res := range out.Results {
		if res.Calls != 400 || res.OK != 400 {
			t.Errorf("%s: %d calls, %d OK; want 400", res.Address, res.Calls, res.OK)
		}
	}
	for _, key := range []string{"calls_per_s", "latency_p50", "latency_p99", "latency_p99.9", "latency_max"} {
		if out.Ratios[key] <= 0 {
			t.Errorf("ratio %s missing: %v", key, out.Ratios)
		}
	}

	r = runCLI(t, nil, "--bench", "sample.v1.Echo/Echo", sock, "--vs", tcp, "-n", "40").want(t, exitOK)
	header := strings.Split(r.stdout, "\n")[2]
	if !strings.Contains(header, sock) || !strings.Contains(header, tcp) || !strings.HasSuffix(strings.TrimSpace(header), "ratio") {
		t.Errorf("side-by-side header %q:\n%s", header, r.stdout)
	}
	if !strings.Contains(r.stdout, "latency at "+tcp) {
		t.Errorf("no histogram for %s:\n%s", tcp, r.stdout)
	}

	// Ctrl-C ends the run with what it measured, marked incomplete, and
	// exit 130.
	cmd := exec.Command(bin, "--bench", "sample.v1.Echo/Echo", sock, "--duration", "1m", "--format", "json")
	var stdoutBuf, stderrBuf strings.Builder
	cmd.Stdout, cmd.Stderr = &stdoutBuf, &stderrBuf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // past the 50 ms in which Ctrl-C simply ends the process
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted || !strings.Contains(stderrBuf.String(), "interrupted") {
		t.Fatalf("interrupted --bench: exit %d, stderr %q", code, stderrBuf.String())
	}
	if out := decodeBench(t, stdoutBuf.String()); out.Complete || out.Results[0].Calls == 0 {
		t.Errorf("interrupted --bench: complete %v, %d calls", out.Complete, out.Results[0].Calls)
	}

	// On a terminal, a progress line shows on stderr while the run lasts
	// and is cleared when it ends.
	if _, err := exec.LookPath("tmux"); err == nil {
		term := startTmux(t, 120, 10, "sh", "-c", bin+" --bench sample.v1.Echo/Echo "+sock+" --duration 2s >/dev/null; echo finished; sleep 60")
		term.waitFor("bench: ")
		screen := term.waitFor("finished")
		if strings.Contains(screen, "bench: ") {
			t.Errorf("the progress line stayed after the run:\n%s", screen)
		}
	} else {
		t.Log("tmux is not installed (.ci/run installs it): the progress line on a terminal is not checked")
	}
}
