package collection

import (
	"errors"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
)

func TestParseReadsTheFormat(t *testing.T) {
	f := parse(t, everyKind)
	if f.Address.Raw != "${SOCK}" || len(f.Vars) != 1 || f.Vars[0].Name != "who" || len(f.Requests) != 5 {
		t.Fatalf("%+v", f)
	}
	echo := f.Requests[0]
	if echo.Name.Raw != "echo" || echo.Method.Raw != "sample.v1.Echo/Echo" || echo.Deadline.String() != "5s" ||
		len(echo.Headers) != 1 || echo.Headers[0].Key != "x-trace" || echo.Headers[0].Value.Raw != "42" ||
		echo.Expect.Code != codes.OK || len(echo.Expect.JQ) != 2 || echo.Capture[0].Name != "echoed" {
		t.Errorf("echo: %+v", echo)
	}
	if echo.Pos != (Pos{6, 3}) || echo.Body.Pos != (Pos{9, 11}) {
		t.Errorf("positions: entry %v, body %v", echo.Pos, echo.Body.Pos)
	}
	if sum := f.Requests[2]; !sum.Body.List || len(sum.Body.Messages) != 3 {
		t.Errorf("sum body: %+v", sum.Body)
	}
	if gone := f.Requests[4]; gone.Expect.Code != codes.NotFound {
		t.Errorf("gone expects %v", gone.Expect.Code)
	}
	for _, s := range []string{"NotFound", "NOT_FOUND", "not_found", "5"} {
		if c, ok := parseCode(s); !ok || c != codes.NotFound {
			t.Errorf("parseCode(%q) = %v, %v", s, c, ok)
		}
	}
	if c, ok := parseCode("CANCELLED"); !ok || c != codes.Canceled {
		t.Errorf("CANCELLED: %v %v", c, ok)
	}
}

func TestParseErrorsNameLineAndColumn(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"yaml syntax", "requests:\n  - name: x\n   method: y\n", "c.yaml:3:4: "},
		{"unclosed flow", "requests: [{name: x\n", "c.yaml:1:"},
		{"unknown top key", "adress: /x\n", `c.yaml:1:1: unknown key "adress"; a collection has address, vars and requests`},
		{"unknown request key", "requests:\n  - name: a\n    method: x.Y/Z\n    expcet: {}\n", `c.yaml:4:5: unknown key "expcet"`},
		{"no name", "requests:\n  - method: x.Y/Z\n", "c.yaml:2:5: this request has no name"},
		{"no method", "requests:\n  - name: a\n", `c.yaml:2:5: request "a" has no method`},
		{"duplicate name", "requests:\n  - {name: a, method: x.Y/Z}\n  - {name: a, method: x.Y/Z}\n", `c.yaml:3:12: request name "a" is used twice (first at line 2, column 12)`},
		{"bad deadline", "requests:\n  - name: a\n    method: x.Y/Z\n    deadline: soon\n", `c.yaml:4:15: deadline "soon": want a positive duration`},
		{"bad code", "requests:\n  - name: a\n    method: x.Y/Z\n    expect: {code: Nope}\n", `c.yaml:4:20: expect.code "Nope": want a gRPC code name`},
		{"bad jq", "requests:\n  - name: a\n    method: x.Y/Z\n    expect: {jq: '.a =='}\n", `c.yaml:4:18: expect.jq ".a ==": unexpected EOF`},
		{"scalar body", "requests:\n  - name: a\n    method: x.Y/Z\n    body: hello\n", "c.yaml:4:11: body: a message is a mapping"},
		{"anchor", "vars: {a: &x 1}\n", "anchors (&), aliases (*), tags (!) and merge keys (<<) are not supported"},
		{"bad header key", "requests:\n  - name: a\n    method: x.Y/Z\n    headers: {\"Bad Key\": v}\n", `c.yaml:4:15: header "Bad Key"`},
		{"bad var name", "vars: {1x: a}\n", `c.yaml:1:8: variable name "1x"`},
		{"two documents", "requests: []\n---\nrequests: []\n", "c.yaml:3:1: a collection is one YAML document"},
		{"empty", "", "c.yaml: the file is empty"},
		{"list for vars", "vars: [a]\n", "c.yaml:1:7: vars: want a mapping"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(c.src))
			var fe *FileError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want a *FileError saying %q", err, c.want)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	vars := map[string]any{"who": "world", "n": float64(3), "obj": map[string]any{"a": true}}
	lookup := func(k string) (any, bool) { v, ok := vars[k]; return v, ok }
	for in, want := range map[string]any{
		"hi ${who}":     "hi world",
		"${n}":          float64(3),
		"n=${n}":        "n=3",
		"${obj}":        map[string]any{"a": true},
		"$${who}":       "${who}",
		"$$${who}":      "$${who}",
		"cost: $5":      "cost: $5",
		"${not a name}": "${not a name}",
		"${who}${who}":  "worldworld",
	} {
		got, err := expand(in, lookup)
		if err != nil || canonicalJSON(got) != canonicalJSON(want) {
			t.Errorf("expand(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := expand("x ${missing}", lookup); err == nil || !strings.Contains(err.Error(), "${missing} is not set") {
		t.Errorf("missing: %v", err)
	}
	for _, s := range []string{"a ${b} $${c}", "${x}", "plain"} {
		back, _ := expand(escapeRefs(s), lookup)
		if back != s {
			t.Errorf("escapeRefs(%q) loads back as %q", s, back)
		}
	}
	if got := references("a ${b} $${c} ${d}"); strings.Join(got, ",") != "b,d" {
		t.Errorf("references: %v", got)
	}
}

func TestParseVars(t *testing.T) {
	vars, err := ParseVars([]string{"a=1", "b=x=y", "c="})
	if err != nil || vars["a"] != "1" || vars["b"] != "x=y" || vars["c"] != "" {
		t.Errorf("%v %v", vars, err)
	}
	for _, bad := range []string{"a", "=1", "a b=1", "1a=2"} {
		if _, err := ParseVars([]string{bad}); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("--var %q: %v", bad, err)
		}
	}
}
