package collection

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sockscope/history"
	"sockscope/sample"
	"sockscope/sample/sampletest"
)

func noEnv(string) (string, bool) { return "", false }

func body(s ...string) []json.RawMessage {
	var out []json.RawMessage
	for _, m := range s {
		out = append(out, json.RawMessage(m))
	}
	return out
}

func save(t *testing.T, path string, d Draft, replace bool) error {
	t.Helper()
	return Save(path, d, SaveOptions{Replace: replace, LookupEnv: noEnv})
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Three requests saved into a new file run against the sample server.
func TestSaveNewFileThenRun(t *testing.T) {
	sock := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1})
	path := filepath.Join(t.TempDir(), DefaultFile)
	drafts := []Draft{
		{Name: "echo", Address: sock, Method: "sample.v1.Echo/Echo", Headers: []HeaderLine{{"x-trace", "42"}}, Body: body(`{"message":"hi"}`), Deadline: 5 * time.Second},
		{Name: "count", Address: sock, Method: "sample.v1.Echo/Count", Body: body(`{"count": 3}`)},
		{Name: "sum", Address: sock, Method: "sample.v1.Echo/Sum", Body: body(`{"value":"1"}`, `{"value":"2"}`)},
	}
	for _, d := range drafts {
		if err := save(t, path, d, false); err != nil {
			t.Fatal(err)
		}
	}
	text := read(t, path)
	for _, want := range []string{"address: " + sock + "\n", "  - name: echo\n    method: sample.v1.Echo/Echo\n    headers: {\"x-trace\": \"42\"}\n    body: {\"message\": \"hi\"}\n    deadline: 5s\n",
		"    body:\n      - {\"value\": \"1\"}\n      - {\"value\": \"2\"}\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("the file lacks\n%s\nit is:\n%s", want, text)
		}
	}
	if strings.Count(text, "address:") != 1 {
		t.Errorf("requests to the file's address carry their own:\n%s", text)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := runFile(t, f, RunOptions{})
	if sum.Passed != 3 || sum.Failed != 0 {
		t.Errorf("%+v", sum.Results)
	}
}

const commented = `# the sample server's API
address: /run/x.sock   # where it listens
vars:
  who: world

requests:
  # say hello
  - name: echo
    method: sample.v1.Echo/Echo
    body: {"message": "hi ${who}"}
    expect:
      jq: ['.message == "hi world"']   # keep this
    capture: {echoed: .message}

  # then count
  - name: count
    method: sample.v1.Echo/Count
    deadline: 2s
# the end
`

func TestSaveAppendsAndKeepsTheRest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(path, []byte(commented), 0o640)
	if err := save(t, path, Draft{Name: "new", Address: "/other.sock", Method: "sample.v1.Echo/Echo", Body: body(`{"message":"costs ${5}"}`)}, false); err != nil {
		t.Fatal(err)
	}
	text := read(t, path)
	want := strings.Replace(commented, "    deadline: 2s\n", "    deadline: 2s\n  - name: new\n    method: sample.v1.Echo/Echo\n    address: /other.sock\n    body: {\"message\": \"costs $${5}\"}\n", 1)
	if text != want {
		t.Errorf("got\n%s\nwant\n%s", text, want)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode became %v", fi.Mode().Perm())
	}
	f, _ := Load(path)
	r, _ := f.Find("new")
	res, err := f.Resolve(r, nil, noEnv)
	if err != nil || res.Body[0] != "{\n  \"message\": \"costs ${5}\"\n}" {
		t.Errorf("the literal ${ did not load back: %q %v", res.Body, err)
	}
}

func TestSaveReplaceAsksFirstAndKeepsExpectations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(path, []byte(commented), 0o644)
	d := Draft{Name: "echo", Address: "/run/x.sock", Method: "sample.v1.Echo/Echo", Body: body(`{"message":"bye"}`), Deadline: time.Second,
		Headers: []HeaderLine{{"x-trace", "7"}}}
	if err := save(t, path, d, false); !errors.Is(err, ErrExists) {
		t.Fatalf("saving over a request without Replace: %v, want ErrExists", err)
	}
	if read(t, path) != commented {
		t.Fatal("the refused save changed the file")
	}
	if err := save(t, path, d, true); err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(commented, `    body: {"message": "hi ${who}"}
`, `    body: {"message": "bye"}
`, 1)
	want = strings.Replace(want, "    capture: {echoed: .message}\n", "    capture: {echoed: .message}\n    headers: {\"x-trace\": \"7\"}\n    deadline: 1s\n", 1)
	if got := read(t, path); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// Dropping the deadline and headers removes their lines.
	d.Deadline, d.Headers = 0, nil
	d.Name = "count"
	d.Method = "sample.v1.Echo/Count"
	d.Body = nil
	if err := save(t, path, d, true); err != nil {
		t.Fatal(err)
	}
	if got := read(t, path); !strings.Contains(got, "  - name: count\n    method: sample.v1.Echo/Count\n# the end\n") {
		t.Errorf("count not rewritten in place:\n%s", got)
	}
}

func TestSaveRewritesAFlowEntryWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(path, []byte("address: /x.sock\nrequests:\n  - {name: a, method: x.Y/Z, expect: {code: NotFound, jq: ['.a == \"it''s\"']}, capture: {id: .id}}\n  - {name: b, method: x.Y/Z}\n"), 0o644)
	if err := save(t, path, Draft{Name: "a", Address: "/x.sock", Method: "x.Y/W"}, true); err != nil {
		t.Fatal(err)
	}
	want := "address: /x.sock\nrequests:\n  - name: a\n    method: x.Y/W\n    expect:\n      code: NotFound\n      jq: ['.a == \"it''s\"']\n    capture:\n      id: '.id'\n  - {name: b, method: x.Y/Z}\n"
	if got := read(t, path); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestSaveIntoEmptyOrMissingRequests(t *testing.T) {
	for name, src := range map[string]string{
		"missing": "address: /x.sock\n",
		"null":    "address: /x.sock\nrequests:\n",
		"empty":   "address: /x.sock\nrequests: []\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			os.WriteFile(path, []byte(src), 0o644)
			if err := save(t, path, Draft{Name: "a", Address: "/x.sock", Method: "x.Y/Z"}, false); err != nil {
				t.Fatal(err)
			}
			if got := read(t, path); got != "address: /x.sock\nrequests:\n  - name: a\n    method: x.Y/Z\n" {
				t.Errorf("got\n%s", got)
			}
		})
	}
}

func TestSaveRefusesSecretsAndBrokenFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	d := Draft{Name: "a", Address: "/x.sock", Method: "x.Y/Z", Headers: []HeaderLine{{"authorization", "Bearer hunter2"}, {"x-api-key", "k"}, {"x-trace", "1"}}}
	var se *SecretsError
	if err := save(t, path, d, false); !errors.As(err, &se) || strings.Join(se.Keys, ",") != "authorization,x-api-key" {
		t.Fatalf("a draft with secrets: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the refused save wrote a file")
	}
	d.Headers[0].Value = SecretReference("authorization", "Bearer hunter2", "TOKEN")
	d.Headers[1].Value = SecretReference("x-api-key", "k", "API_KEY")
	if d.Headers[0].Value != "Bearer ${TOKEN}" || d.Headers[1].Value != "${API_KEY}" {
		t.Fatalf("SecretReference: %q, %q", d.Headers[0].Value, d.Headers[1].Value)
	}
	if err := save(t, path, d, false); err != nil {
		t.Fatal(err)
	}
	text := read(t, path)
	if strings.Contains(text, "hunter2") || !strings.Contains(text, `"authorization": "Bearer ${TOKEN}"`) {
		t.Errorf("saved:\n%s", text)
	}
	f, _ := Load(path)
	r, _ := f.Find("a")
	res, err := f.Resolve(r, nil, func(k string) (string, bool) { return "hunter2", k == "TOKEN" || k == "API_KEY" })
	if err != nil || res.Headers[0].Value != "Bearer hunter2" {
		t.Errorf("Resolve: %+v %v", res, err)
	}

	broken := filepath.Join(t.TempDir(), "b.yaml")
	os.WriteFile(broken, []byte("requests:\n  - name: x\n   method: y\n"), 0o644)
	var fe *FileError
	if err := save(t, broken, Draft{Name: "n", Method: "x.Y/Z"}, false); !errors.As(err, &fe) {
		t.Errorf("saving into a file that does not parse: %v", err)
	}
	if read(t, broken) != "requests:\n  - name: x\n   method: y\n" {
		t.Error("the broken file was changed")
	}
}

func TestFromEntryMasksAndRequestsFor(t *testing.T) {
	e := history.Entry{ID: 3, Address: "/x.sock", Method: "sample.v1.Echo/Echo", Requests: body(`{"message":"hi"}`),
		Metadata: map[string][]string{"authorization": {history.Masked}, "x-trace": {"9"}}, DeadlineMS: 1500}
	d := FromEntry(e, "from-history")
	path := filepath.Join(t.TempDir(), "c.yaml")
	var se *SecretsError
	if err := save(t, path, d, false); !errors.As(err, &se) || se.Keys[0] != "authorization" {
		t.Fatalf("a masked header saved: %v", err)
	}
	d.Headers[0].Value = SecretReference("authorization", d.Headers[0].Value, "TOKEN")
	if err := save(t, path, d, false); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, []byte(read(t, path)+"  - {name: elsewhere, method: a.B/C, address: \"${OTHER}\"}\n"), 0o644)
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	env := func(k string) (string, bool) { return "/y.sock", k == "OTHER" }
	if got := f.RequestsFor("unix:///x.sock", env); len(got) != 1 || got[0].Name.Raw != "from-history" || got[0].Deadline != 1500*time.Millisecond {
		t.Errorf("RequestsFor /x.sock: %v", got)
	}
	if got := f.RequestsFor("/y.sock", env); len(got) != 1 || got[0].Name.Raw != "elsewhere" {
		t.Errorf("RequestsFor /y.sock: %v", got)
	}
}
