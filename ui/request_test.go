package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"sockscope/client"
)

// TestEditorReportsInputAsCallDoes: for each mistake the editor shows,
// word for word, the *client.InputError the request reader gives for the
// same text, which is what --call -d prints (the main package's
// TestCallReportsInputAsEditorDoes checks that side with the same texts).
func TestEditorReportsInputAsCallDoes(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Count")
	md := h.m.explorer.services.selected().Input()
	for _, c := range []struct {
		name, text, where, problem string
	}{
		{"bad token mid-line", "{\n  \"count\": 3,\n  \"interval_ms\": x\n}", "request 1: line 3, column 18: ", "invalid character 'x'"},
		{"unknown field", "{\n  \"count\": 3,\n  \"intervalMillis\": 5\n}", "request 1: line 3, column 3: ", `unknown field "intervalMillis"`},
		{"wrong type", "{\n  \"count\": 3,\n  \"interval_ms\": \"soon\"\n}", "request 1: line 3, column 18: ", "invalid value for int32 field intervalMs"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, want := client.NewReader(client.InputJSON, strings.NewReader(c.text), md, nil, client.ReaderOptions{}).Next()
			if want == nil {
				t.Fatal("the reader took the mistake")
			}
			if !strings.HasPrefix(want.Error(), c.where) || !strings.Contains(want.Error(), c.problem) {
				t.Fatalf("reader says %q, want %q...%q", want, c.where, c.problem)
			}
			h.m.explorer.request.setBody(c.text)
			if got := h.m.explorer.request.problem; got != want.Error() {
				t.Errorf("editor says %q, the reader %q", got, want)
			}
			if view := ansi.Strip(h.m.View().Content); !strings.Contains(view, "✗ "+c.where) {
				t.Errorf("the view does not show where:\n%s", view)
			}
		})
	}
}

// TestEditorTakesOneRequest: blank text is an empty request; a second
// object, or a mistake after the first, is reported as request 2.
func TestEditorTakesOneRequest(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Count")
	md := h.m.explorer.services.selected().Input()
	for text, want := range map[string]string{
		" \n ":                      "",
		`{"count": 1}`:              "",
		"{\"count\": 1}\n{}":        "request 2: the editor sends one request at a time",
		"{\"count\": 1}\n  {\"a\"}": "request 2: line 2, column 7: ",
	} {
		msg, err := parseRequest(text, md, nil)
		switch {
		case want == "" && (err != nil || msg == nil):
			t.Errorf("%q: %v, want a request", text, err)
		case want != "" && (err == nil || !strings.HasPrefix(err.Error(), want)):
			t.Errorf("%q: error %v, want %q...", text, err, want)
		}
	}
}
