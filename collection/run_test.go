package collection

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/sample"
	"sockscope/sample/samplepb"
	"sockscope/sample/sampletest"
	"sockscope/session"
)

func parse(t *testing.T, src string) *File {
	t.Helper()
	f, err := Parse("c.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func runFile(t *testing.T, f *File, opts RunOptions) Summary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if opts.LookupEnv == nil {
		opts.LookupEnv = func(string) (string, bool) { return "", false }
	}
	sum, err := Run(ctx, f, opts)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// Every RPC kind, a header, a capture used by a later request, a
// failure expected by code, and jq over a stream's list of replies.
const everyKind = `
address: ${SOCK}
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
      jq: ['.message == "hi world"', '.metadata["x-trace"] == "42"']
    capture: {echoed: .message}
  - name: count
    method: sample.v1.Echo/Count
    body: {count: 3}
    expect:
      jq: ['length == 3', 'map(.n) == [1, 2, 3]']
  - name: sum
    method: sample.v1.Echo/Sum
    body:
      - {value: 1}
      - {value: 2}
      - value: 39
    expect:
      jq: '.total == "42" and .count == 3'
  - name: chat
    method: sample.v1.Echo/Chat
    body: [{text: "${echoed}"}, {text: again}]
    expect:
      jq: ['map(.text) == ["hi world", "again"]', '.[0].text == $echoed']
  - name: gone
    method: sample.v1.Echo/Fail
    body: {code: 5, message: gone}
    expect:
      code: NotFound
      jq: '$status.message == "gone" and $status.code == "NOT_FOUND"'
`

func TestRunEveryKind(t *testing.T) {
	sock := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1})
	f := parse(t, everyKind)
	var seen []string
	sum := runFile(t, f, RunOptions{
		LookupEnv: func(k string) (string, bool) { return sock, k == "SOCK" },
		OnResult:  func(r Result) { seen = append(seen, r.Name) },
	})
	for _, r := range sum.Results {
		if !r.Passed {
			t.Errorf("%s failed: %s\n%s", r.Name, r.Failure, r.Detail)
		}
	}
	if sum.Passed != 5 || sum.Failed != 0 || strings.Join(seen, ",") != "echo,count,sum,chat,gone" {
		t.Errorf("%d passed, %d failed, reported %v", sum.Passed, sum.Failed, seen)
	}
	if sum.Results[0].Method != "sample.v1.Echo/Echo" {
		t.Errorf("method %q", sum.Results[0].Method)
	}
}

func TestRunFailuresSayWhy(t *testing.T) {
	sock := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1, Token: "t0k"})
	f := parse(t, `
requests:
  - name: code
    method: sample.v1.Echo/Fail
    body: {code: 5, message: "no such thing"}
  - name: jq
    method: sample.v1.Echo/Echo
    body: {message: hi}
    expect:
      jq: ['.message | length > 0', '.message == "bye"']
  - name: field
    method: sample.v1.Echo/Echo
    body: {mesage: hi}
  - name: list
    method: sample.v1.Echo/Echo
    body: [{message: a}, {message: b}]
  - name: nomethod
    method: sample.v1.Echo/Nope
  - name: slow
    method: sample.v1.Echo/Sleep
    body: {ms: 5000}
    deadline: 100ms
`)
	token := metadata.Pairs("authorization", "Bearer t0k")
	sum := runFile(t, f, RunOptions{Address: sock, Header: token, Session: session.Config{ReflectionHeader: token}})
	want := map[string]string{
		"code":     "code NotFound, want OK: no such thing",
		"jq":       `jq '.message == "bye"' (line 10, column 37) gave false`,
		"field":    `body (line 13, column 11): unknown field "mesage"`,
		"list":     "body (line 16, column 11): a list of 2 messages, but sample.v1.Echo/Echo takes one",
		"nomethod": "sample.v1.Echo/Nope",
		"slow":     "code DeadlineExceeded, want OK",
	}
	if sum.Failed != len(want) || sum.Passed != 0 {
		t.Errorf("%d passed, %d failed; want all %d to fail", sum.Passed, sum.Failed, len(want))
	}
	for _, r := range sum.Results {
		if !strings.Contains(r.Failure, want[r.Name]) {
			t.Errorf("%s: failure %q, want it to say %q", r.Name, r.Failure, want[r.Name])
		}
	}
	if d := sum.Results[0].Detail; !strings.Contains(d, "NOT_FOUND") || !strings.Contains(d, "BadRequest") {
		t.Errorf("the code failure's detail lacks the status and its details:\n%s", d)
	}
}

func TestRunUnreachableAddressFailsEachRequestOnce(t *testing.T) {
	dir := sampletest.ShortDir(t)
	f := parse(t, "address: "+dir+"/none.sock\nrequests:\n  - {name: a, method: x.Y/Z}\n  - {name: b, method: x.Y/Z}\n")
	sum := runFile(t, f, RunOptions{Session: session.Config{ConnectTimeout: time.Second}})
	if sum.Failed != 2 || !strings.Contains(sum.Results[1].Failure, "none.sock") {
		t.Errorf("%+v", sum)
	}
}

func TestRunChecksBeforeSending(t *testing.T) {
	cases := []struct{ name, src, only, want string }{
		{"undefined variable", "address: /x.sock\nrequests:\n  - name: a\n    method: x.Y/Z\n    body: {m: \"${nope}\"}\n", "",
			`c.yaml:5:11: request "a" uses ${nope}, which is not set`},
		{"capture left out by --only", "address: /x.sock\nrequests:\n  - name: a\n    method: x.Y/Z\n    capture: {id: .id}\n  - name: b\n    method: x.Y/Z\n    headers: {x-id: \"${id}\"}\n", "b",
			`request "b" uses ${id}, which request "a" captures, but that one does not run before it (add --only a)`},
		{"jq variable", "address: /x.sock\nrequests:\n  - name: a\n    method: x.Y/Z\n    expect: {jq: '$later == 1'}\n", "",
			`c.yaml:5:18: request "a": jq "$later == 1": variable not defined: $later`},
		{"no address", "requests:\n  - name: a\n    method: x.Y/Z\n", "",
			`c.yaml:2:3: request "a" has no address`},
		{"unknown --only", "address: /x.sock\nrequests:\n  - {name: a, method: x.Y/Z}\n", "b",
			"--only b: no such request in c.yaml (it has a)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := RunOptions{LookupEnv: func(string) (string, bool) { return "", false }}
			if c.only != "" {
				opts.Only = []string{c.only}
			}
			_, err := Run(context.Background(), parse(t, c.src), opts)
			var fe *FileError
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want %q", err, c.want)
			}
			if c.only != "b" || c.name == "capture left out by --only" {
				if !errors.As(err, &fe) {
					t.Errorf("%T is no *FileError", err)
				}
			} else if !errors.Is(err, ErrNoRequest) {
				t.Errorf("%v does not wrap ErrNoRequest", err)
			}
		})
	}
}

func sampleMethod(t *testing.T, name string) protoreflect.MethodDescriptor {
	t.Helper()
	return samplepb.File_sample_v1_echo_proto.Services().ByName("Echo").Methods().ByName(protoreflect.Name(name))
}
