package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"sockscope/history"
	"sockscope/sample"
	"sockscope/sample/sampletest"
)

// The other tests of this package make calls too; they must not write to
// the history of whoever runs them. The tests here turn it back on, in a
// directory of their own.
func init() { os.Setenv(history.EnvVar, "off") }

// withHistory turns history on in a fresh state directory and returns the
// history file's path.
func withHistory(t *testing.T) string {
	t.Helper()
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv(history.EnvVar, "")
	return filepath.Join(state, "sockscope", history.FileName)
}

func readHistory(t *testing.T, path string) []history.Entry {
	t.Helper()
	entries, skipped, err := history.Open(path, history.Limits{}).Load()
	if err != nil || skipped > 0 {
		t.Fatalf("history: %v, %d skipped", err, skipped)
	}
	return entries
}

func TestCallsAreRecordedWithSecretsMasked(t *testing.T) {
	path := withHistory(t)
	sock := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1, Token: "hunter2"})
	auth := "authorization: Bearer hunter2"
	runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "-d", `{"message":"hi"}`, "-H", auth, "-H", "x-trace: 42", "--max-time", "5s", sock).want(t, exitOK)
	runCLI(t, strings.NewReader(`{"value":1} {"value":41}`), "--call", "sample.v1.Echo/Sum", "-d", "@", "--rpc-header", "x-api-key: k3y", "-H", auth, sock).want(t, exitOK)
	runCLI(t, nil, "--call", "sample.v1.Echo/Fail", "-d", `{"code":5,"message":"gone"}`, "-H", auth, sock).want(t, exitRPCBase+5)
	// Bad input sends nothing, so it is no call.
	runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "-d", `{"nope":1}`, "-H", auth, sock).want(t, exitUsage)

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"hunter2", "k3y"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("the history holds %s:\n%s", secret, b)
		}
	}
	if runtime.GOOS != "windows" {
		for p, want := range map[string]os.FileMode{filepath.Dir(path): 0o700, path: 0o600} {
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
				t.Errorf("%s: %v, %v; want mode %v", p, fi.Mode().Perm(), err, want)
			}
		}
	}
	entries := readHistory(t, path)
	if len(entries) != 3 {
		t.Fatalf("%d entries, want 3: %+v", len(entries), entries)
	}
	fail, sum, echo := entries[0], entries[1], entries[2]
	if echo.Method != "sample.v1.Echo/Echo" || echo.Address != sock || echo.Code != "OK" || echo.DeadlineMS != 5000 ||
		echo.Metadata["authorization"][0] != history.Masked || echo.Metadata["x-trace"][0] != "42" || string(echo.Requests[0]) != `{"message":"hi"}` {
		t.Errorf("echo entry: %+v", echo)
	}
	if sum.Sent != 2 || sum.Received != 1 || len(sum.Requests) != 2 || sum.Metadata["x-api-key"][0] != history.Masked {
		t.Errorf("sum entry: %+v", sum)
	}
	if fail.Code != "NotFound" || fail.Message != "gone" {
		t.Errorf("fail entry: %+v", fail)
	}
}

func TestHistoryListsFiltersAndReruns(t *testing.T) {
	withHistory(t)
	sock := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1, Token: "hunter2"})
	auth := "authorization: Bearer hunter2"
	runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "-d", `{"message":"first"}`, "-H", auth, "-H", "x-trace: 42", sock).want(t, exitOK)
	runCLI(t, nil, "--call", "sample.v1.Echo/Count", "-d", `{"count":2}`, "-H", auth, sock).want(t, exitOK)

	r := runCLI(t, nil, "--history").want(t, exitOK)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID ") || !strings.HasPrefix(lines[1], "2 ") || !strings.Contains(lines[1], "sample.v1.Echo/Count") ||
		!strings.Contains(lines[2], sock) || !strings.Contains(lines[2], " OK ") {
		t.Errorf("--history:\n%s", r.stdout)
	}
	r = runCLI(t, nil, "--history", "echo/echo", "FIRST").want(t, exitOK)
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "1 ") {
		t.Errorf("--history echo/echo FIRST:\n%s", r.stdout)
	}
	r = runCLI(t, nil, "--history", "--json").want(t, exitOK)
	var entries []history.Entry
	if err := json.Unmarshal([]byte(r.stdout), &entries); err != nil || len(entries) != 2 || entries[0].ID != 2 {
		t.Fatalf("--history --json: %v\n%s", err, r.stdout)
	}

	r = runCLI(t, nil, "--rerun", "1").want(t, exitUsage)
	if !strings.Contains(r.stderr, "does not keep the value of authorization") || !strings.Contains(r.stderr, "-H 'authorization: …'") {
		t.Errorf("--rerun without the masked header: %s", r.stderr)
	}
	r = runCLI(t, nil, "--rerun", "1", "-H", auth, "--format", "jsonl").want(t, exitOK)
	reply := decodeJSON(t, r.stdout)
	if reply["message"] != "first" || reply["metadata"].(map[string]any)["x-trace"] != "42" {
		t.Errorf("--rerun 1 replied %s", r.stdout)
	}
	// The current flags' headers replace the recorded ones, and the repeat
	// is a call of its own in the history.
	r = runCLI(t, nil, "--rerun", "1", "-H", auth, "-H", "x-trace: 43", "--format", "jsonl").want(t, exitOK)
	if decodeJSON(t, r.stdout)["metadata"].(map[string]any)["x-trace"] != "43" {
		t.Errorf("-H did not replace the recorded header: %s", r.stdout)
	}
	// Another address calls another server.
	other := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1})
	r = runCLI(t, nil, "--rerun", "2", "-H", auth, "--format", "jsonl", other).want(t, exitOK)
	if strings.Count(r.stdout, "\n") != 2 {
		t.Errorf("--rerun of a stream to another socket printed:\n%s", r.stdout)
	}
	r = runCLI(t, nil, "--history", "--json").want(t, exitOK)
	if err := json.Unmarshal([]byte(r.stdout), &entries); err != nil || len(entries) != 5 || entries[0].Address != other || entries[0].Method != "sample.v1.Echo/Count" {
		t.Errorf("after the repeats: %v %+v", err, entries)
	}

	runCLI(t, nil, "--rerun", "99").want(t, exitUsage)
	runCLI(t, nil, "--rerun", "1", "-d", "{}").want(t, exitUsage)
}

func TestHistoryOff(t *testing.T) {
	path := withHistory(t)
	sock := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1})
	runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "--no-history", sock).want(t, exitOK)
	t.Setenv(history.EnvVar, "off")
	runCLI(t, nil, "--call", "sample.v1.Echo/Echo", sock).want(t, exitOK)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("history written while off: %v", err)
	}
	r := runCLI(t, nil, "--history").want(t, exitOK)
	if !strings.Contains(r.stderr, "history is off") {
		t.Errorf("--history while off says nothing of it: %q", r.stderr)
	}
}

// A history that cannot be written costs one warning, never the call.
func TestHistoryFailureNeverFailsTheCall(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("mode bits are Unix ones")
	}
	path := withHistory(t)
	sock := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1})
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Dir(path), 0o777)
	r := runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "-d", `{"message":"still"}`, "--format", "jsonl", sock).want(t, exitOK)
	if decodeJSON(t, r.stdout)["message"] != "still" {
		t.Errorf("reply %s", r.stdout)
	}
	if strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "warning: the call was not recorded in the history") || !strings.Contains(r.stderr, "0777") {
		t.Errorf("want one warning naming the directory's mode, got:\n%s", r.stderr)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("history written into a directory open to others: %v", err)
	}
}
