package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sockscope/sample"
	"sockscope/sample/sampletest"
)

// The format with every RPC kind, a capture used by a later
// request and a failure expected by its code.
const sampleCollection = `address: ${SOCK}
vars:
  who: world
requests:
  - name: echo
    method: sample.v1.Echo/Echo
    headers: {x-trace: "42"}
    body: {"message": "hi ${who}"}
    deadline: 5s
    expect:
      code: OK
      jq: ['.message == "hi world"']
    capture: {echoed: .message}
  - name: count
    method: sample.v1.Echo/Count
    body: {"count": 3}
    expect:
      jq: ['length == 3', '.[2].n == 3']
  - name: sum
    method: sample.v1.Echo/Sum
    body: [{"value": 40}, {"value": 2}]
    expect:
      jq: ['.total == "42"']
  - name: chat
    method: sample.v1.Echo/Chat
    body: [{"text": "${echoed}"}, {"text": "and more"}]
    expect:
      jq: ['map(.text) == ["hi world", "and more"]']
  - name: gone
    method: sample.v1.Echo/Fail
    body: {"code": 5, "message": "gone"}
    expect:
      code: NotFound
`

func writeCollection(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sockscope.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunCollectionPasses(t *testing.T) {
	t.Setenv("SOCK", startSample(t, sample.ReflectionV1))
	path := writeCollection(t, sampleCollection)
	junit := filepath.Join(t.TempDir(), "report.xml")
	r := runCLI(t, nil, "--run", path, "--junit", junit).want(t, exitOK)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 6 || lines[5] != "5 passed, 0 failed" {
		t.Fatalf("--run printed:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	for i, name := range []string{"echo", "count", "sum", "chat", "gone"} {
		if !strings.HasPrefix(lines[i], "ok "+name+" ") || !strings.HasSuffix(lines[i], "ms") {
			t.Errorf("line %d: %q, want ok %s and its time", i+1, lines[i], name)
		}
	}
	b, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name      string    `xml:"name,attr"`
				ClassName string    `xml:"classname,attr"`
				Failure   *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &report); err != nil {
		t.Fatalf("--junit wrote no XML: %v\n%s", err, b)
	}
	if report.Tests != 5 || report.Failures != 0 || len(report.Suites[0].Cases) != 5 || report.Suites[0].Cases[2].ClassName != "sample.v1.Echo/Sum" {
		t.Errorf("report: %+v", report)
	}

	// --only and --var: the capture's request must come along.
	r = runCLI(t, nil, "--run", path, "--only", "chat").want(t, exitUsage)
	if !strings.Contains(r.stderr, `which request "echo" captures`) {
		t.Errorf("--only chat: %s", r.stderr)
	}
	r = runCLI(t, nil, "--run", path, "--only", "echo", "--only", "chat", "--var", "who=there").want(t, exitFailure)
	if !strings.Contains(r.stdout, `FAIL echo: jq '.message == "hi world"' (line 12, column 12) gave false`) ||
		!strings.Contains(r.stdout, `FAIL chat: body (line 26, column 12): ${echoed} is not set: request "echo", which captures it, failed`) ||
		!strings.Contains(r.stdout, "0 passed, 2 failed") {
		t.Errorf("--var who=there:\n%s", r.stdout)
	}
}

func TestRunCollectionFails(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)
	path := writeCollection(t, `requests:
  - name: good
    method: sample.v1.Echo/Echo
  - name: missing
    method: sample.v1.Workloads/GetWorkload
    body: {"id": "nope"}
  - name: wrong
    method: sample.v1.Echo/Echo
    body: {"message": "hi"}
    expect:
      jq: ['.message == "hi"', '.message == "bye"']
`)
	junit := filepath.Join(t.TempDir(), "report.xml")
	// The ADDRESS is the file's default address.
	r := runCLI(t, nil, "--run", path, "--junit", junit, sock).want(t, exitFailure)
	want := []string{
		"ok good ",
		`FAIL missing: code NotFound, want OK: no workload "nope"`,
		`FAIL wrong: jq '.message == "bye"' (line 11, column 32) gave false`,
		"1 passed, 2 failed",
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	for i, w := range want {
		if i >= len(lines) || !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: want %q\n%s", i+1, w, r.stdout)
		}
	}
	b, _ := os.ReadFile(junit)
	if !strings.Contains(string(b), `failures="2"`) || !strings.Contains(string(b), `NOT_FOUND`) {
		t.Errorf("report:\n%s", b)
	}
}

func TestRunCollectionBadFile(t *testing.T) {
	for name, c := range map[string]struct{ text, want string }{
		"yaml":     {"requests:\n  - name: x\n   method: y\n", "sockscope.yaml:3:4: "},
		"key":      {"requests:\n  - name: x\n    method: a.B/C\n    bdy: {}\n", `sockscope.yaml:4:5: unknown key "bdy"`},
		"variable": {"address: ${NO_SUCH_SOCKET_VAR}\nrequests:\n  - {name: x, method: a.B/C}\n", "sockscope.yaml:1:10: request \"x\" uses ${NO_SUCH_SOCKET_VAR}, which is not set"},
	} {
		t.Run(name, func(t *testing.T) {
			path := writeCollection(t, c.text)
			r := runCLI(t, nil, "--run", path).want(t, exitUsage)
			if !strings.Contains(r.stderr, c.want) || r.stdout != "" {
				t.Errorf("stderr %q, want it to name %q; stdout %q", r.stderr, c.want, r.stdout)
			}
		})
	}
	runCLI(t, nil, "--run", filepath.Join(sampletest.ShortDir(t), "none.yaml")).want(t, exitUsage)
	runCLI(t, nil, "--only", "x").want(t, exitUsage)
	runCLI(t, nil, "--run", "x.yaml", "--var", "bad").want(t, exitUsage)
}
