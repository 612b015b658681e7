package main

import (
	"strings"
	"testing"

	"sockscope/client"
	"sockscope/sample"
	"sockscope/sample/samplepb"
)

// TestCallReportsInputAsEditorDoes: --call -d prints, for each mistake, the
// *client.InputError the request reader gives for the text, which is what
// the TUI's editor shows (ui's TestEditorReportsInputAsCallDoes checks that
// side with the same texts).
func TestCallReportsInputAsEditorDoes(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)
	md := samplepb.File_sample_v1_echo_proto.Services().ByName("Echo").Methods().ByName("Count").Input()
	for _, c := range []struct {
		name, text, where string
	}{
		{"bad token mid-line", "{\n  \"count\": 3,\n  \"interval_ms\": x\n}", "request 1: line 3, column 18: invalid character 'x'"},
		{"unknown field", "{\n  \"count\": 3,\n  \"intervalMillis\": 5\n}", `request 1: line 3, column 3: unknown field "intervalMillis"`},
		{"wrong type", "{\n  \"count\": 3,\n  \"interval_ms\": \"soon\"\n}", "request 1: line 3, column 18: invalid value for int32 field intervalMs"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, want := client.NewReader(client.InputJSON, strings.NewReader(c.text), md, nil, client.ReaderOptions{}).Next()
			if want == nil || !strings.HasPrefix(want.Error(), c.where) {
				t.Fatalf("reader says %v, want %q...", want, c.where)
			}
			r := runCLI(t, nil, "--call", "sample.v1.Echo/Count", "-d", c.text, sock).want(t, exitUsage)
			if line := "sockscope: reading the request for sample.v1.Echo.Count: " + want.Error() + "\n"; !strings.Contains(r.stderr, line) {
				t.Errorf("stderr lacks\n%s\ngot:\n%s", line, r.stderr)
			}
		})
	}
}
