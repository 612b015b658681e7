package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"google.golang.org/grpc/codes"

	"sockscope/client"
	"sockscope/reflection"
	"sockscope/sample"
	"sockscope/sample/sampletest"
	"sockscope/session"
	"sockscope/sockets/socketstest"
)

// openAt opens address in a model of the given size and waits for the
// services.
func openAt(t *testing.T, opts Options, w, h int) *harness {
	t.Helper()
	hs := newHarness(t, New(opts))
	hs.send(tea.WindowSizeMsg{Width: w, Height: h}, nil)
	hs.send(hs.m.Init(), func(m Model) bool { return m.explorer.session != nil || m.explorer.services.err != nil })
	if hs.m.explorer.session == nil {
		t.Fatalf("not connected: %v", hs.m.explorer.services.err)
	}
	return hs
}

// TestUndescribedServicesMarked is issue 13's finding 1 in the TUI: a
// server whose reflection lists services it does not describe shows the
// rest, marks each one left out with why, and says that health comes
// from its built-in definition.
func TestUndescribedServicesMarked(t *testing.T) {
	sock := filepath.Join(sampletest.ShortDir(t), "i.sock")
	socketstest.ServeIncompleteReflection(t, sock)
	h := openAt(t, Options{Address: sock}, 130, 60)
	view := ansi.Strip(h.m.View().Content)
	for _, want := range []string{
		"sample.v1.Echo", "Echo unary", "WatchEvents server-stream",
		socketstest.UnknownService + " not described", "file_containing_symbol answers NOT_FOUND",
		socketstest.MissingImportService + " not described", "imports " + socketstest.MissingFile,
		socketstest.UndescribedHealth + " built-in schema", "Check unary",
	} {
		if !strings.Contains(view, want) {
			t.Errorf("the view lacks %q:\n%s", want, view)
		}
	}
	for _, want := range []string{"grpc.health.v1.Health from the built-in definition", session.UndescribedHint,
		"left out service " + socketstest.MissingImportService + ": reflection does not describe it"} {
		if !strings.Contains(h.m.explorer.response.hint, want) {
			t.Errorf("the hint lacks %q:\n%s", want, h.m.explorer.response.hint)
		}
	}
	// The cursor never lands on a service that has no methods to call.
	for i := 0; i < 40; i++ {
		h.send(press("j"), nil)
		if h.m.explorer.services.selected() == nil {
			t.Fatal("the cursor left the methods")
		}
	}
	h.selectMethod("grpc.health.v1.Health/Check")
	if m := h.send(press("ctrl+s"), callDone); shownCall(t, m).code != codes.OK {
		t.Errorf("health through its built-in definition: %v %s", shownCall(t, m).code, shownCall(t, m).failure)
	}
}

// TestUnknownServiceMarkedNotServed is finding 8 in the TUI: a service of
// the schema that the server answers UNIMPLEMENTED "unknown service" is
// marked not served at once, hidden from the next listing, and u shows it
// again.
func TestUnknownServiceMarkedNotServed(t *testing.T) {
	dir := sampletest.ShortDir(t)
	ghost := filepath.Join(dir, "ghost.proto")
	if err := os.WriteFile(ghost, []byte(`syntax = "proto3";
package ghost.v1;
import "google/protobuf/empty.proto";
service Ghost { rpc Boo(google.protobuf.Empty) returns (google.protobuf.Empty); }
`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(dir, sample.ProtoTree()); err != nil {
		t.Fatal(err)
	}
	schema := reflection.Options{ProtoFiles: []string{ghost, filepath.Join(dir, "sample/v1/echo.proto")}}
	h := openAt(t, Options{Address: startSampleAs(t, "bare.sock", sample.ReflectionNone), Session: session.Config{Schema: schema}}, 120, 40)
	view := func() string { return ansi.Strip(h.m.View().Content) }
	if v := view(); !strings.Contains(v, "ghost.v1.Ghost") || strings.Contains(v, "not served") {
		t.Fatalf("before any call:\n%s", v)
	}
	h.selectMethod("ghost.v1.Ghost/Boo")
	if m := h.send(press("ctrl+s"), callDone); shownCall(t, m).code != codes.Unimplemented {
		t.Fatalf("Ghost/Boo answered %v", shownCall(t, m).code)
	}
	v := view()
	for _, want := range []string{"ghost.v1.Ghost not served", "1 not served (u hides them)", "Boo unary"} {
		if !strings.Contains(v, want) {
			t.Errorf("after the answer the view lacks %q:\n%s", want, v)
		}
	}
	if sel := h.m.explorer.services.selected(); sel == nil || reflection.MethodName(sel) != "ghost.v1.Ghost/Boo" {
		t.Errorf("the answer moved the cursor to %v", sel)
	}

	// Reading the schema again lists it hidden; u shows it, u hides it.
	h.send(tea.KeyPressMsg{Code: 'g', Mod: tea.ModCtrl}, func(m Model) bool { return !m.explorer.services.loading })
	h.send(nil, nil)
	if v := view(); strings.Contains(v, "Boo unary") || !strings.Contains(v, "1 not served, hidden (u shows them)") {
		t.Errorf("listed again, the service not served is not hidden:\n%s", v)
	}
	h.send(press("u"), nil)
	if v := view(); !strings.Contains(v, "Boo unary") || !strings.Contains(v, "ghost.v1.Ghost not served") {
		t.Errorf("u does not show the service not served:\n%s", v)
	}
	h.send(press("u"), nil)
	if v := view(); strings.Contains(v, "Boo unary") {
		t.Errorf("u again does not hide it:\n%s", v)
	}
}

// TestInsecureSaidAndCopied: while --insecure is in force the services
// pane says so, the hint gives the warning in full, and the copied lines
// carry each tool's TLS flags and no -plaintext.
func TestInsecureSaidAndCopied(t *testing.T) {
	addr, _ := socketstest.ServeTLS(t, false)
	tlsOpts := &client.TLSOptions{Insecure: true, ServerName: "localhost"}
	h := openAt(t, Options{Address: addr, Program: "sockscope", Session: session.Config{TLS: tlsOpts}}, 120, 40)
	if v := ansi.Strip(h.m.View().Content); !strings.Contains(v, "TLS not verified (--insecure)") {
		t.Errorf("the view does not say TLS is not verified:\n%s", v)
	}
	if !strings.Contains(h.m.explorer.response.hint, client.InsecureWarning) {
		t.Errorf("the hint lacks the warning: %q", h.m.explorer.response.hint)
	}
	h.selectMethod("sample.v1.Echo/Echo")
	m := h.send(press("y"), nil)
	cv := m.explorer.response.commands
	if cv == nil {
		t.Fatal("y shows no command lines")
	}
	if !strings.Contains(cv.ours, " --servername localhost --insecure ") {
		t.Errorf("the sockscope line lacks the TLS flags: %s", cv.ours)
	}
	if !strings.Contains(cv.theirs, "grpcurl -servername localhost -insecure ") || strings.Contains(cv.theirs, "-plaintext") {
		t.Errorf("the grpcurl line has the wrong TLS flags: %s", cv.theirs)
	}
}
