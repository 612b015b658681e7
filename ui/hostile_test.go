package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"sockscope/sample/sampletest"
	"sockscope/sockets/socketstest"
)

// serveHostile serves socketstest.ServeHostile on a socket whose file name
// holds an escape sequence.
func serveHostile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(sampletest.ShortDir(t), "\x1b[2J.sock")
	socketstest.ServeHostile(t, path)
	return path
}

// TestGoldenHostileServer: a hostile server's escape sequences reach the
// screen escaped, visibly, never stripped: the socket's name, the status,
// the headers, the schema's comments.
func TestGoldenHostileServer(t *testing.T) {
	path := serveHostile(t)
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, New(Options{Address: path}))
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30}, nil)
	m := h.send(h.m.Init(), func(m Model) bool { return m.explorer.session != nil || m.explorer.services.err != nil })
	if m.explorer.session == nil {
		t.Fatalf("not connected: %v", m.explorer.services.err)
	}
	raw := func(what, view string) {
		t.Helper()
		if strings.ContainsAny(view, "\x07") || strings.Contains(ansi.Strip(view), "\x1b") {
			t.Errorf("%s let an escape sequence reach the screen:\n%q", what, view)
		}
	}
	if view := m.View().Content; !strings.Contains(ansi.Strip(view), `1b[2J.sock`) { // the start of the path is cut to the pane
		t.Errorf("the socket's name is not shown escaped:\n%s", ansi.Strip(view))
	}
	m = h.send(press("ctrl+s"), callDone)
	raw("the call's status", m.View().Content)
	golden.RequireEqual(t, []byte(goldenView(m)))

	h.focusResponse()
	m = h.send(press("i"), nil)
	raw("the headers", m.View().Content)
	if text := viewerText(m); !strings.Contains(text, "x-evil-bin: G101MjtjO2NIZHVaV1E9BxtdMjtwd25lZAcbWzJK") {
		t.Errorf("a binary header is not shown as base64:\n%s", text)
	}
	h.send(press("tab"), nil) // the calls
	h.send(press("tab"), nil) // the services
	m = h.send(press("d"), nil)
	raw("describe", m.View().Content)
	if !strings.Contains(m.explorer.response.describe, `The evil method.\x1b]52;c;cHduZWQ=\x07`) {
		t.Errorf("describe does not show the comment escaped:\n%s", m.explorer.response.describe)
	}
}
