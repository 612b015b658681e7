package main

import (
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"sockscope/sample"
	"sockscope/sockets/socketstest"
)

// serveHostile serves socketstest.ServeHostile on a fresh socket.
func serveHostile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(shortDir(t), "evil.sock")
	socketstest.ServeHostile(t, path)
	return path
}

func TestHostilePeerEscaped(t *testing.T) {
	sock := serveHostile(t)
	check := func(what, out string) {
		t.Helper()
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("%s let an escape sequence through:\n%q", what, out)
		}
		if !strings.Contains(out, `\x1b]52;c;`) && !strings.Contains(out, "G101MjtjO2NI") {
			t.Errorf("%s does not show the escaped text:\n%q", what, out)
		}
	}
	r := runCLI(t, nil, "--describe", "evil.v1.Evil", sock).want(t, exitOK)
	check("--describe", r.stdout)
	r = runCLI(t, nil, "-v", "--call", "evil.v1.Evil/Do", sock).want(t, exitRPCBase+int(codes.Internal))
	check("-v and the status", r.stderr)
	if !strings.Contains(r.stderr, "x-evil-bin: G101MjtjO2NIZHVaV1E9BxtdMjtwd25lZAcbWzJK") {
		t.Errorf("a binary header is not shown as base64:\n%s", r.stderr)
	}
	r = runCLI(t, nil, "--call", "evil.v1.Evil/Nope", sock).want(t, exitUsage)
	if strings.ContainsAny(r.stderr, "\x1b\x07") {
		t.Errorf("an error message let an escape sequence through: %q", r.stderr)
	}
}

// TestExtraInputIsUsageError: a unary or server-streaming call given more
// than one message, or trailing data, sends nothing and exits 2 naming the
// position, where it used to send the first and exit 0.
func TestExtraInputIsUsageError(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)
	for method, input := range map[string]string{
		"sample.v1.Echo/Echo":  `{"message":"a"} {"message":"b"}`,
		"sample.v1.Echo/Count": `{"count":1} oops`,
	} {
		r := runCLI(t, nil, "--call", method, "-d", input, sock).want(t, exitUsage)
		if !strings.Contains(r.stderr, "request 2: line 1, column ") || r.stdout != "" {
			t.Errorf("%s with %q: stdout %q, stderr %q", method, input, r.stdout, r.stderr)
		}
	}
	r := runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "-d", `{"message":"\ud800"}`, sock).want(t, exitUsage)
	if !strings.Contains(r.stderr, "the escape of U+D800 is half of a UTF-16 surrogate pair") {
		t.Errorf("a lone surrogate: %s", r.stderr)
	}
}
