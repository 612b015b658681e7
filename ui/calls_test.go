package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"google.golang.org/grpc/codes"

	"sockscope/internal/grpcservices"
	"sockscope/sample"
	"sockscope/sample/sampletest"
	"sockscope/sockets"
)

// sendBody selects method, puts body in the editor and sends it, waiting
// until the call is under way (or, with wait, until it ends).
func (h *harness) sendBody(method, body string, done bool) *callEntry {
	h.t.Helper()
	h.selectMethod(method)
	h.m.explorer.request.setBody(body)
	before := h.m.explorer.lastID
	stop := func(m Model) bool { return m.explorer.lastID > before && m.explorer.response.call != nil }
	if done {
		stop = func(m Model) bool { return m.explorer.lastID > before && callDone(m) }
	}
	h.send(press("ctrl+s"), stop)
	return h.m.explorer.response.call
}

// TestCallsKeepRunning: a watch keeps running while the user moves to
// another method and calls it, receives what that call causes, and is
// found again in the calls list; esc there cancels it.
func TestCallsKeepRunning(t *testing.T) {
	h := connected(t)
	watch := h.sendBody("sample.v1.Workloads/WatchEvents", `{}`, false)
	created := h.sendBody("sample.v1.Workloads/CreateWorkload", `{"workload": {"id": "new-1", "name": "new"}}`, true)
	if created.code != codes.OK {
		t.Fatalf("CreateWorkload: %v %s", created.code, created.failure)
	}
	m := h.send(nil, func(m Model) bool { return watch.log.received >= 1 })
	if !watch.running || !strings.Contains(watch.log.at(0).text, "new-1") {
		t.Fatalf("the watch: running %v, %d events, first %q", watch.running, watch.log.received, watch.log.at(0).text)
	}
	if got := len(m.explorer.calls.calls); got != 2 {
		t.Fatalf("the calls list has %d calls, want the watch and the create", got)
	}
	if view := ansi.Strip(m.View().Content); !strings.Contains(view, "Calls (1 running)") {
		t.Errorf("the calls pane does not say a call runs:\n%s", view)
	}
	// Shift+tab from the services reaches the calls, newest first; j goes
	// down to the older call, the watch, and shows it.
	h.send(press("shift+tab"), nil)
	m = h.send(press("j"), nil)
	if m.explorer.focus != focusCalls || m.explorer.response.call != watch || m.explorer.response.mode != modeList {
		t.Fatalf("the calls list did not show the watch: focus %d, call %v, mode %d", m.explorer.focus, m.explorer.response.call, m.explorer.response.mode)
	}
	if view := ansi.Strip(m.View().Content); !strings.Contains(view, "Response sample.v1.Workloads/WatchEvents") {
		t.Errorf("the response pane does not name the call it shows:\n%s", view)
	}
	m = h.send(press("esc"), func(m Model) bool { return !watch.running })
	if watch.code != codes.Canceled {
		t.Errorf("esc on the calls list ended the watch with %v, want Canceled", watch.code)
	}
}

func TestCancelAllAndQuit(t *testing.T) {
	h := connected(t)
	one := h.sendBody("sample.v1.Echo/Sleep", `{"ms": 60000}`, false)
	two := h.sendBody("sample.v1.Workloads/WatchEvents", `{}`, false)
	h.send(press("X"), func(m Model) bool { return !one.running && !two.running })
	if one.code != codes.Canceled || two.code != codes.Canceled {
		t.Errorf("X: %v and %v, want both Canceled", one.code, two.code)
	}
	three := h.sendBody("sample.v1.Echo/Sleep", `{"ms": 60000}`, false)
	_, cmd := h.m.Update(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	if cmd == nil {
		t.Fatal("ctrl+c did nothing")
	}
	h.exec(cmd)
	h.send(nil, func(m Model) bool { return !three.running })
	if three.code != codes.Canceled {
		t.Errorf("quitting ended the call with %v, want Canceled", three.code)
	}
}

func TestFinishedCallsBounded(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Echo")
	for i := 0; i < maxFinishedCalls+5; i++ {
		before := h.m.explorer.lastID
		h.send(press("ctrl+s"), func(m Model) bool { return m.explorer.lastID > before && callDone(m) })
	}
	if got := len(h.m.explorer.calls.calls); got != maxFinishedCalls {
		t.Errorf("the list keeps %d finished calls, want the newest %d", got, maxFinishedCalls)
	}
	if len(h.m.explorer.byID) != maxFinishedCalls {
		t.Errorf("%d calls are still tracked", len(h.m.explorer.byID))
	}
	h.focusResponse()
	h.send(press("tab"), nil) // the calls
	m := h.send(press("C"), nil)
	if got := len(m.explorer.calls.calls); got != 1 {
		t.Errorf("C left %d calls, want the one shown", got)
	}
}

// TestNoDefaultDeadline: a new request has no deadline, as grpcurl has
// none, and one set for a method applies to its calls.
func TestNoDefaultDeadline(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Sleep")
	if got := h.m.explorer.request.deadline.Value(); got != "" {
		t.Errorf("a new request's deadline is %q, want none", got)
	}
	h.m.explorer.request.deadline.SetValue("100ms")
	c := h.sendBody("sample.v1.Echo/Sleep", `{"ms": 5000}`, true)
	if c.code != codes.DeadlineExceeded {
		t.Errorf("Sleep 5 s within 100ms: %v", c.code)
	}
}

// TestBidiBothDirections: every message sent shows in the log, marked →,
// every one received ←, with both counts; the editor keeps its text.
func TestBidiBothDirections(t *testing.T) {
	h := connected(t)
	chat := h.sendBody("sample.v1.Echo/Chat", `{"text": "one"}`, false)
	h.send(nil, func(m Model) bool { return chat.log.received >= 1 })
	h.m.explorer.request.setBody(`{"text": "two"}`)
	m := h.send(press("ctrl+s"), func(m Model) bool { return chat.log.received >= 2 })
	var dirs []string
	for i := 0; i < chat.log.len(); i++ {
		e := chat.log.at(i)
		dirs = append(dirs, fmt.Sprintf("%v %s", e.sent, e.text))
	}
	if strings.Join(dirs, "|") != `true {"text":"one"}|false {"text":"one"}|true {"text":"two"}|false {"text":"two"}` {
		t.Errorf("the log holds %q", dirs)
	}
	view := ansi.Strip(m.View().Content)
	for _, want := range []string{"2 sent, 2 received", `→ {"text":"two"}`, `← {"text":"two"}`} {
		if !strings.Contains(view, want) {
			t.Errorf("the view lacks %q:\n%s", want, view)
		}
	}
	if got := m.explorer.request.body.Value(); got != `{"text": "two"}` {
		t.Errorf("the editor lost its text after a send: %q", got)
	}
	h.send(press("ctrl+d"), func(m Model) bool { return !chat.running })
}

// TestSocketMetadata: the socket's metadata goes with every method, under
// the method's own lines, and over the command line's.
func TestSocketMetadata(t *testing.T) {
	h := newHarness(t, New(Options{Address: startSample(t), Headers: Headers{Call: map[string][]string{"x-flag": {"flag"}, "x-both": {"flag"}}}}))
	h.send(tea.WindowSizeMsg{Width: 100, Height: 40}, nil)
	h.send(h.m.Init(), func(m Model) bool { return m.explorer.session != nil })
	h.selectMethod("sample.v1.Echo/Echo")
	h.m.explorer.request.socketMD.SetValue("x-scope: socket\nx-both: socket")
	h.m.explorer.request.metadata.SetValue("x-both: method")
	reply := h.sendBody("sample.v1.Echo/Echo", `{}`, true).reply.text
	for _, want := range []string{`"x-scope": "socket"`, `"x-both": "method"`, `"x-flag": "flag"`} {
		if !strings.Contains(reply, want) {
			t.Errorf("the call's metadata lacks %s:\n%s", want, reply)
		}
	}
	h.m.explorer.request.metadata.SetValue("")
	reply = h.sendBody("sample.v1.Echo/Echo", `{}`, true).reply.text
	if !strings.Contains(reply, `"x-both": "socket"`) {
		t.Errorf("without the method's line the socket's wins over the flag's:\n%s", reply)
	}
}

// TestLoadSchemaAndReload: ctrl+o loads .proto files for a socket whose
// server has no reflection, without a restart; ctrl+g reads the schema
// again, keeping the method selected.
func TestLoadSchemaAndReload(t *testing.T) {
	dir := sampletest.ShortDir(t)
	if err := os.CopyFS(dir, sample.ProtoTree()); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, New(Options{Address: startSampleAs(t, "plain.sock", sample.ReflectionNone)}))
	h.send(tea.WindowSizeMsg{Width: 100, Height: 40}, nil)
	m := h.send(h.m.Init(), func(m Model) bool { return !m.explorer.services.loading })
	if m.explorer.services.err == nil {
		t.Fatalf("a server without reflection listed %d methods", len(m.explorer.services.all))
	}
	h.send(tea.KeyPressMsg{Code: 'o', Mod: tea.ModCtrl}, nil)
	if !h.m.explorer.services.askingSchema {
		t.Fatal("ctrl+o did not ask for schema files")
	}
	h.typeText(filepath.Join(dir, "sample/v1/echo.proto") + " -I " + dir)
	m = h.send(press("enter"), func(m Model) bool { return m.explorer.session != nil && len(m.explorer.services.all) > 0 })
	if got := m.explorer.state().schema.ProtoFiles; len(got) != 1 {
		t.Errorf("the schema loaded: %v", got)
	}
	h.selectMethod("sample.v1.Echo/Count")
	first := h.m.explorer.session
	m = h.send(tea.KeyPressMsg{Code: 'g', Mod: tea.ModCtrl}, func(m Model) bool { return m.explorer.session != first && !m.explorer.services.loading })
	if sel := m.explorer.services.selected(); sel == nil || string(sel.Name()) != "Count" {
		t.Errorf("ctrl+g lost the method selected: %v", sel)
	}
}

// TestRedialAfterRestart: after the server restarts, the next call dials
// again at once rather than failing with the old connection's error.
func TestRedialAfterRestart(t *testing.T) {
	path := filepath.Join(sampletest.ShortDir(t), "r.sock")
	serve := func() func() {
		lis, err := sample.Listen(path)
		if err != nil {
			t.Fatal(err)
		}
		srv := sample.NewServer(sample.Options{Reflection: sample.ReflectionV1})
		go srv.Serve(lis)
		return func() { srv.Stop(); lis.Remove() }
	}
	stop := serve()
	h := newHarness(t, New(Options{Address: path}))
	h.send(tea.WindowSizeMsg{Width: 100, Height: 40}, nil)
	h.send(h.m.Init(), func(m Model) bool { return m.explorer.session != nil })
	if c := h.sendBody("sample.v1.Echo/Echo", `{}`, true); c.code != codes.OK {
		t.Fatalf("before the restart: %v", c.code)
	}
	stop()
	time.Sleep(100 * time.Millisecond) // the client sees the connection go
	t.Cleanup(serve())
	if c := h.sendBody("sample.v1.Echo/Echo", `{}`, true); c.code != codes.OK {
		t.Errorf("the first call after the restart: %v %s", c.code, c.statusMessage)
	}
}

// TestFailedOpenClearsPanes: a socket that cannot be opened leaves
// nothing of the socket before it on screen, and says why.
func TestFailedOpenClearsPanes(t *testing.T) {
	h := connected(t)
	h.sendBody("sample.v1.Echo/Echo", `{"message": "before"}`, true)
	updated, cmd := h.m.openSocket(filepath.Join(sampletest.ShortDir(t), "none.sock"))
	h.m = updated.(Model)
	h.exec(cmd)
	m := h.send(nil, func(m Model) bool { return !m.explorer.services.loading })
	if m.explorer.services.err == nil || m.explorer.request.method != nil || m.explorer.response.call != nil || len(m.explorer.calls.calls) != 0 {
		t.Fatalf("after a failed open: err %v, method %v, call %v, %d calls", m.explorer.services.err, m.explorer.request.method, m.explorer.response.call, len(m.explorer.calls.calls))
	}
	if view := ansi.Strip(m.View().Content); strings.Contains(view, "before") || strings.Contains(view, "EchoRequest") {
		t.Errorf("the previous socket's panes are still on screen:\n%s", view)
	}
}

// TestNoSurpriseScan: started on one socket, esc at the top shows the
// sockets screen without scanning; r scans.
func TestNoSurpriseScan(t *testing.T) {
	empty := sampletest.ShortDir(t)
	h := newHarness(t, New(Options{Address: startSample(t), Scan: sampleScan(empty)}))
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30}, nil)
	h.send(h.m.Init(), func(m Model) bool { return m.explorer.session != nil })
	m := h.send(press("esc"), nil)
	if m.screen != screenSockets || m.sockets.started {
		t.Fatalf("esc at the top: screen %d, scan started %v", m.screen, m.sockets.started)
	}
	if view := ansi.Strip(m.View().Content); !strings.Contains(view, "Not scanned") || !strings.Contains(view, "Press r") {
		t.Errorf("the sockets screen does not say it has not scanned:\n%s", view)
	}
	m = h.send(press("r"), func(m Model) bool { return m.sockets.started && !m.sockets.scanning })
	if !m.sockets.started {
		t.Error("r did not scan")
	}
}

// TestBackFromUnscannedSockets: one esc too many from a socket the TUI
// was started on is taken back by esc or enter, with the socket's calls
// still there and nothing scanned.
func TestBackFromUnscannedSockets(t *testing.T) {
	for _, back := range []string{"esc", "enter"} {
		t.Run(back, func(t *testing.T) {
			empty := sampletest.ShortDir(t)
			addr := startSample(t)
			h := newHarness(t, New(Options{Address: addr, Scan: sampleScan(empty)}))
			h.send(tea.WindowSizeMsg{Width: 100, Height: 30}, nil)
			h.send(h.m.Init(), func(m Model) bool { return m.explorer.session != nil })
			h.sendBody("sample.v1.Echo/Echo", `{"message": "kept"}`, true)
			h.send(nil, func(m Model) bool { return len(m.explorer.calls.calls) == 1 && !m.explorer.calls.calls[0].running })
			m := h.m
			for i := 0; i < 5 && m.screen == screenExplorer; i++ {
				m = h.send(press("esc"), nil) // out of the editor, then the tree
			}
			if m.screen != screenSockets {
				t.Fatalf("esc at the top: screen %d", m.screen)
			}
			if view := ansi.Strip(m.View().Content); !strings.Contains(view, "go back to "+addr) {
				t.Errorf("the unscanned sockets screen does not offer the way back:\n%s", view)
			}
			m = h.send(press(back), func(m Model) bool { return m.explorer.session != nil })
			if m.screen != screenExplorer || m.explorer.address != addr || m.sockets.started {
				t.Fatalf("%s: screen %d, address %q, scanned %v", back, m.screen, m.explorer.address, m.sockets.started)
			}
			if len(m.explorer.calls.calls) != 1 {
				t.Errorf("back on the socket: %d calls, want the one made before", len(m.explorer.calls.calls))
			}
		})
	}
}

// TestFooterFitsAndTells: at 80 columns the footer fits, and lists only
// keys that work where the cursor is: no q or ? while typing.
func TestFooterFitsAndTells(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Echo")
	for range explorerFocusOrder {
		bar := ansi.Strip(h.m.statusBar())
		if w := ansi.StringWidth(bar); w > 80 {
			t.Errorf("focus %d: the footer is %d columns: %s", h.m.explorer.focus, w, bar)
		}
		typing := h.m.textInputFocused()
		if typing && (strings.Contains(bar, "q quit") || strings.Contains(bar, "? help")) {
			t.Errorf("focus %d: the footer offers q or ? while they are typed: %s", h.m.explorer.focus, bar)
		}
		if !typing && !strings.HasSuffix(bar, "? help • q quit") {
			t.Errorf("focus %d: the footer does not end with ? and q: %s", h.m.explorer.focus, bar)
		}
		h.send(press("tab"), nil)
	}
	m := h.send(press("?"), nil)
	view := ansi.Strip(m.View().Content)
	for _, group := range []string{"Services", "Calls", "Request, metadata and deadline", "Response: a stream's messages", "Command lines (y)", "Everywhere"} {
		if !strings.Contains(view+viewerTextOf(m.keysPage), group) {
			t.Errorf("the ? page lacks the %q group", group)
		}
	}
	if m = h.send(press("esc"), nil); m.help.ShowAll {
		t.Error("esc did not close the ? page")
	}
}

func viewerTextOf(v viewer) string {
	if v.doc == nil {
		return ""
	}
	return v.doc.text
}

// TestCursorsKeptPerInput: enter on a method puts the cursor in the
// template's first value; each input keeps its own cursor per method.
func TestCursorsKeptPerInput(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Echo")
	m := h.send(press("enter"), nil)
	if b := m.explorer.request.body; b.Line() != 1 || b.Column() != len(`  "message": "`) {
		t.Errorf("enter left the cursor at line %d column %d of %q", b.Line(), b.Column(), b.Value())
	}
	h.typeText("hi")
	if got := h.m.explorer.request.body.Value(); !strings.Contains(got, `"message": "hi"`) {
		t.Errorf("typing went elsewhere: %q", got)
	}
	for h.m.explorer.focus != focusDeadline {
		h.send(press("tab"), nil)
	}
	h.typeText("1s")
	h.send(press("esc"), nil)
	h.selectMethod("sample.v1.Echo/Sleep")
	for h.m.explorer.focus != focusDeadline {
		h.send(press("tab"), nil)
	}
	h.typeText("2s")
	if got := h.m.explorer.request.deadline.Value(); got != "2s" {
		t.Errorf("Sleep's deadline reads %q, want 2s (its own input, its own cursor)", got)
	}
	h.send(press("esc"), nil)
	h.selectMethod("sample.v1.Echo/Echo")
	if got := h.m.explorer.request.deadline.Value(); got != "1s" {
		t.Errorf("Echo's deadline reads %q, want the 1s typed", got)
	}
}

// sampleScan is a scan of dir alone.
func sampleScan(dir string) sockets.Options {
	return sockets.Options{Roots: []string{dir}, NoDefaultRoots: true}
}

// TestSocketRowSaysWhatScanSays: a gRPC server without reflection gets
// the row --scan gives it: no reflection and its health, not only its
// owner and process.
func TestSocketRowSaysWhatScanSays(t *testing.T) {
	s := sockets.Socket{Path: "/run/x.sock", Kind: sockets.KindGRPC, Reflection: sockets.ReflectionNone,
		Health: map[string]string{"": "SERVING"}, Owner: &sockets.Owner{User: "root", Group: "root", Mode: "0600"},
		Process: &sockets.Process{PID: 7, Comm: "agent"}}
	if got := rowDetail(sockets.Summarize(s, grpcservices.ReflectionOnly)); !strings.HasPrefix(got, "no reflection · health SERVING · root:root 0600 · agent (pid 7)") {
		t.Errorf("the row says %q", got)
	}
}

// TestClientStreamShowsBoth: a client stream lists what it sent and the
// one reply, and opens the reply like any message.
func TestClientStreamShowsBoth(t *testing.T) {
	h := connected(t)
	sum := h.sendBody("sample.v1.Echo/Sum", `{"value": 1}`, false)
	h.send(nil, func(m Model) bool { return sum.log.sent >= 1 })
	h.m.explorer.request.setBody(`{"value": 2}`)
	h.send(press("ctrl+s"), func(m Model) bool { return sum.log.sent >= 2 })
	m := h.send(press("ctrl+d"), func(m Model) bool { return !sum.running })
	view := ansi.Strip(m.View().Content)
	for _, want := range []string{"2 sent, 1 received", `→ {"value":"1"}`, `→ {"value":"2"}`, `← {"total":"3","count":2}`} {
		if !strings.Contains(view, want) {
			t.Errorf("the view lacks %q:\n%s", want, view)
		}
	}
	h.focusResponse()
	if m := h.send(press("enter"), nil); !strings.Contains(viewerText(m), `"total": "3"`) {
		t.Errorf("enter on the reply shows %q", viewerText(m))
	}
}

// TestCallsOutliveTheSocketShown: going to the sockets list and back
// leaves a call running, on its own session, and lists it again.
func TestCallsOutliveTheSocketShown(t *testing.T) {
	h := connected(t)
	address := h.m.explorer.address
	watch := h.sendBody("sample.v1.Workloads/WatchEvents", `{"heartbeat": "1s"}`, false)
	// esc cancels the call shown before it goes back: show another method.
	h.selectMethod("sample.v1.Echo/Echo")
	m := h.send(press("esc"), nil)
	if m.screen != screenSockets || !watch.running {
		t.Fatalf("leaving the socket: screen %d, the watch running %v", m.screen, watch.running)
	}
	before := watch.log.received
	h.send(nil, func(m Model) bool { return watch.log.received > before })
	updated, cmd := h.m.openSocket(address)
	h.m = updated.(Model)
	h.exec(cmd)
	m = h.send(nil, func(m Model) bool { return m.explorer.session != nil })
	if len(m.explorer.calls.calls) != 1 || m.explorer.calls.calls[0] != watch || !watch.running {
		t.Fatalf("back on the socket the calls list holds %d calls; the watch running %v", len(m.explorer.calls.calls), watch.running)
	}
	if watch.sess == m.explorer.session {
		t.Error("the watch should still run on the session it started on")
	}
	h.send(press("X"), func(m Model) bool { return !watch.running })
}
