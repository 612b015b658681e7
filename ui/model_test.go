package ui

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/cursor"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	grpcreflection "google.golang.org/grpc/reflection"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/reflection"
	"sockscope/sample"
	"sockscope/sample/samplepb"
	"sockscope/sample/sampletest"
	"sockscope/session"
	"sockscope/sockets"
	"sockscope/sockets/socketstest"
)

func startSample(t *testing.T) string {
	t.Helper()
	return sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1})
}

func startSampleAs(t *testing.T, name string, mode sample.Reflection) string {
	t.Helper()
	return sampletest.ServeAt(t, filepath.Join(sampletest.ShortDir(t), name), sample.Options{Reflection: mode})
}

// harness runs a model the way bubbletea does: commands on their own
// goroutines, their messages fed back to Update in arrival order. A command
// still waiting (a stream with nothing new yet) keeps waiting, and its message
// is handled by a later run.
type harness struct {
	t    *testing.T
	m    Model
	msgs chan tea.Msg
}

func newHarness(t *testing.T, m Model) *harness {
	return &harness{t: t, m: m, msgs: make(chan tea.Msg, 4096)}
}

func (h *harness) exec(c tea.Cmd) {
	if c == nil {
		return
	}
	go func() { h.msgs <- c() }()
}

// send delivers msg, then keeps handling messages until stop says so (or,
// with a nil stop, until nothing arrives for a moment).
func (h *harness) send(msg tea.Msg, stop func(Model) bool) Model {
	h.t.Helper()
	h.handle(msg)
	deadline := time.After(20 * time.Second)
	for stop == nil || !stop(h.m) {
		select {
		case next := <-h.msgs:
			h.handle(next)
		case <-time.After(200 * time.Millisecond):
			if stop == nil {
				return h.m
			}
		case <-deadline:
			h.t.Fatal("the model never reached the expected state")
		}
	}
	return h.m
}

func (h *harness) handle(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
		return
	case tea.BatchMsg:
		for _, c := range msg {
			h.exec(c)
		}
		return
	case tea.Cmd:
		h.exec(msg)
		return
	}
	updated, cmd := h.m.Update(msg)
	h.m = updated.(Model)
	h.exec(cmd)
}

func press(s string) tea.KeyPressMsg {
	switch s {
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "ctrl+s":
		return tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
	case "ctrl+d":
		return tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl}
	}
	r := []rune(s)
	return tea.KeyPressMsg{Code: r[0], Text: s}
}

func connected(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, New(Options{Address: startSample(t)}))
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24}, nil)
	h.send(h.m.Init(), func(m Model) bool { return m.explorer.session != nil || m.explorer.services.err != nil })
	if h.m.explorer.session == nil {
		t.Fatalf("not connected: %v", h.m.explorer.services.err)
	}
	return h
}

// selectMethod moves the services cursor to method by keys, as a person would.
func (h *harness) selectMethod(method string) {
	h.t.Helper()
	h.send(press("g"), nil)
	for i := 0; i < 40; i++ {
		if sel := h.m.explorer.services.selected(); sel != nil && reflection.MethodName(sel) == method {
			return
		}
		h.send(press("j"), nil)
	}
	h.t.Fatalf("cannot reach %s", method)
}

func TestFocusCycle(t *testing.T) {
	h := connected(t)
	want := []focus{focusBody, focusMetadata, focusSocketMetadata, focusDeadline, focusResponse, focusCalls, focusServices}
	for _, f := range want {
		if m := h.send(press("tab"), nil); m.explorer.focus != f {
			t.Fatalf("tab moved focus to %d, want %d", m.explorer.focus, f)
		}
	}
	if m := h.send(press("shift+tab"), nil); m.explorer.focus != focusCalls {
		t.Errorf("shift+tab moved focus to %d, want the calls", m.explorer.focus)
	}
}

func TestStaleConnectionResultDropped(t *testing.T) {
	h := connected(t)
	before := len(h.m.explorer.services.rows)
	m := h.send(connectedMsg{connID: h.m.explorer.connID + 5, err: errors.New("late failure")}, nil)
	if m.explorer.services.err != nil || len(m.explorer.services.rows) != before {
		t.Errorf("a result for an abandoned connection changed the pane: err %v rows %d->%d", m.explorer.services.err, before, len(m.explorer.services.rows))
	}
}

func TestStaleCallEventsDropped(t *testing.T) {
	h := connected(t)
	m := h.send(callEventsMsg{callID: h.m.explorer.lastID + 3, events: []callEvent{{done: true, err: errors.New("old call")}}}, nil)
	if c := m.explorer.response.call; c != nil && c.failure != "" {
		t.Errorf("an old call's result reached the response pane: %s", c.failure)
	}
}

func TestEditedRequestKeptPerMethod(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Echo")
	h.send(press("tab"), nil)
	for _, r := range "XYZ" {
		h.send(press(string(r)), nil)
	}
	edited := h.m.explorer.request.body.Value()
	if !strings.Contains(edited, "XYZ") {
		t.Fatalf("typing did not reach the editor: %q", edited)
	}
	h.send(press("esc"), nil)
	h.selectMethod("sample.v1.Echo/Sum")
	if strings.Contains(h.m.explorer.request.body.Value(), "XYZ") {
		t.Fatal("another method shows the edited text")
	}
	h.selectMethod("sample.v1.Echo/Echo")
	if got := h.m.explorer.request.body.Value(); got != edited {
		t.Errorf("coming back to Echo shows %q, want the edited %q", got, edited)
	}
}

func TestBadRequestKeepsEditorText(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Echo")
	h.send(press("tab"), nil)
	h.m.explorer.request.setBody(`{"message": oops}`)
	m := h.send(press("ctrl+s"), nil)
	if m.explorer.response.call.cancelable() {
		t.Fatal("an invalid request was sent")
	}
	if !strings.Contains(m.flash, "line 1, column 13") {
		t.Errorf("error does not say where: %q", m.flash)
	}
	if m.explorer.request.body.Value() != `{"message": oops}` {
		t.Errorf("the editor lost the text: %q", m.explorer.request.body.Value())
	}
	if !strings.Contains(ansi.Strip(m.View().Content), "line 1, column 13") {
		t.Errorf("the error is not on screen")
	}
}

func callDone(m Model) bool { c := m.explorer.response.call; return c != nil && !c.running }

// shownCall is the call the response pane shows; a test fails without one.
func shownCall(t *testing.T, m Model) *callEntry {
	t.Helper()
	if m.explorer.response.call == nil {
		t.Fatal("the response pane shows no call")
	}
	return m.explorer.response.call
}

func TestUnaryCall(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Echo")
	h.m.explorer.request.setBody(`{"message": "hello from the model"}`)
	m := h.send(press("ctrl+s"), callDone)
	c := shownCall(t, m)
	if c.code != codes.OK || c.reply == nil || !strings.Contains(c.reply.text, "hello from the model") {
		t.Fatalf("response %v %v (failure %q)", c.code, c.reply, c.failure)
	}
}

func TestFailShowsDetails(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Fail")
	h.m.explorer.request.setBody(`{"code": 5, "message": "gone"}`)
	m := h.send(press("ctrl+s"), callDone)
	if c := shownCall(t, m); c.code != codes.NotFound || !strings.Contains(c.statusJSON, "google.rpc.BadRequest") {
		t.Fatalf("status %v details %q", c.code, c.statusJSON)
	}
	if m.explorer.request.body.Value() != `{"code": 5, "message": "gone"}` {
		t.Errorf("a failed call changed the editor: %q", m.explorer.request.body.Value())
	}
}

// TestMissingNamespaceOffered: a failure that means containerd's namespace
// header is missing puts the header in the metadata editor and says so,
// keeping what the user typed; a second failure does not add it twice.
func TestMissingNamespaceOffered(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Fail")
	body := `{"code": 9, "message": "namespace is required: failed precondition"}`
	h.m.explorer.request.setBody(body)
	h.m.explorer.request.metadata.SetValue("x-trace: 1")
	m := h.send(press("ctrl+s"), callDone)
	if got := m.explorer.request.metadata.Value(); got != "x-trace: 1" {
		t.Errorf("the method's metadata after the failure: %q", got)
	}
	if got := m.explorer.request.socketMD.Value(); got != "containerd-namespace: default" {
		t.Errorf("the socket's metadata after the failure: %q", got)
	}
	if m.explorer.request.body.Value() != body {
		t.Errorf("the body changed: %q", m.explorer.request.body.Value())
	}
	if view := ansi.Strip(m.View().Content); !strings.Contains(view, "containerd needs a namespace") {
		t.Errorf("the response pane does not say what was added:\n%s", view)
	}
	m = h.send(press("ctrl+s"), callDone)
	if got := m.explorer.request.metadata.Value() + m.explorer.request.socketMD.Value(); strings.Count(got, "containerd-namespace") != 1 {
		t.Errorf("metadata after a second failure: %q", got)
	}
}

// TestSchemaChoiceShown: a server without reflection gets a schema, and
// the explorer says which one and why.
func TestSchemaChoiceShown(t *testing.T) {
	config := sampletest.ShortDir(t)
	t.Setenv("XDG_CONFIG_HOME", config)
	schemaDir := filepath.Join(config, "sockscope", "schemas", "mine")
	if err := os.CopyFS(schemaDir, sample.ProtoTree()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(schemaDir, "schema.conf"), []byte("socket mine.sock\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	h := newHarness(t, New(Options{Address: startSampleAs(t, "mine.sock", sample.ReflectionNone)}))
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30}, nil)
	m := h.send(h.m.Init(), func(m Model) bool { return m.explorer.session != nil || m.explorer.services.err != nil })
	if m.explorer.session == nil {
		t.Fatalf("not connected: %v", m.explorer.services.err)
	}
	view := ansi.Strip(m.View().Content)
	for _, want := range []string{"(schema mine)", "using the mine schema"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
	if want := "because the socket's name looks like mine's; from " + schemaDir; !strings.Contains(m.explorer.response.hint, want) {
		t.Errorf("hint %q lacks %q", m.explorer.response.hint, want)
	}
}

var (
	clockTime = regexp.MustCompile(`\d\d:\d\d:\d\d\.\d\d\d`)
	duration  = regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|ms|s)\b`)
	grpcGo    = regexp.MustCompile(`grpc-go/[0-9][0-9A-Za-z.+-]*`)
)

// goldenView is the view with colours stripped and what differs on every
// run (the socket path, arrival times, durations) or with every grpc-go
// release (the user-agent the sample server echoes) masked to the same
// width.
func goldenView(m Model) string {
	view := ansi.Strip(m.View().Content)
	if shown := m.explorer.services.shownTitle(); shown != "" {
		view = strings.Replace(view, shown, fmt.Sprintf("%-*s", ansi.StringWidth(shown), "SOCKET"), 1)
	}
	view = clockTime.ReplaceAllString(view, "hh:mm:ss.mmm")
	lines := strings.Split(view, "\n")
	for i, line := range lines {
		lines[i] = maskLine(line)
	}
	return strings.Join(lines, "\n")
}

// maskLine replaces each measured duration with ##### and the grpc-go
// version with VERSION and, in a line that ends at a box border (light or
// heavy), re-pads it
// so the border stays put.
func maskLine(line string) string {
	masked := duration.ReplaceAllStringFunc(line, func(d string) string {
		if d == "30s" { // the deadline field's default, not a measurement
			return d
		}
		return "#####"
	})
	masked = grpcGo.ReplaceAllString(masked, "grpc-go/VERSION")
	border := ""
	for _, b := range []string{"│", "┃"} {
		if strings.HasSuffix(line, b) {
			border = b
		}
	}
	if masked == line || border == "" {
		return masked
	}
	body := strings.TrimRight(strings.TrimSuffix(masked, border), " ")
	pad := ansi.StringWidth(line) - ansi.StringWidth(body) - 1
	return body + strings.Repeat(" ", max(pad, 1)) + border
}

// TestGoldenSockets: the discovery list with one socket of each kind the
// list shows differently: a daemon without reflection and its chosen
// schema, a gRPC server with a service not serving, hints, owners and
// processes. The sockets are given as a finished scan, so the view does not
// depend on this machine.
func TestGoldenSockets(t *testing.T) {
	empty := sampletest.ShortDir(t)
	h := newHarness(t, New(Options{Scan: sockets.Options{Roots: []string{empty}, NoDefaultRoots: true}}))
	h.send(tea.WindowSizeMsg{Width: 100, Height: 24}, nil)
	h.send(h.m.Init(), func(m Model) bool { return !m.sockets.scanning })

	yes := true
	root := &sockets.Owner{User: "root", Group: "root", Mode: "0660"}
	me := &sockets.Owner{UID: 1000, User: "alice", GID: 1000, Group: "alice", Mode: "0600"}
	found := []sockets.Socket{
		{Path: "/run/containerd/containerd.sock", Kind: sockets.KindGRPC, Reflection: "none",
			Schema:   &sockets.SchemaChoice{Name: "containerd", Reason: "the socket's name looks like containerd's"},
			Services: []string{"containerd.services.containers.v1.Containers", "containerd.services.version.v1.Version"},
			Health:   map[string]string{"": "SERVING"}, Listening: &yes, Owner: root,
			Process: &sockets.Process{PID: 812, Comm: "containerd"}},
		{Path: "/run/user/1000/sockscope/sample.sock", Kind: sockets.KindGRPC, Reflection: "v1",
			Services:  []string{"grpc.health.v1.Health", "sample.v1.Echo", "sample.v1.Workloads"},
			Health:    map[string]string{"": "SERVING", "sample.v1.Echo": "SERVING", "sample.v1.Workloads": "NOT_SERVING"},
			Listening: &yes, Owner: me, Process: &sockets.Process{PID: 4242, Comm: "sockscope"}},
		{Path: "/run/docker.sock", Kind: sockets.KindHTTP1, Listening: &yes, Owner: root,
			Hint: "the Docker Engine API, REST over HTTP/1.1, not gRPC: sockscope cannot call it (curl --unix-socket can)"},
		{Path: "/run/containerd/containerd.sock.ttrpc", Kind: sockets.KindSilent, Listening: &yes, Owner: root,
			Hint: sockets.TTRPCHint},
		{Path: "/tmp/old.sock", Kind: sockets.KindStale, Owner: me, Hint: "nothing listens: a leftover socket file"},
	}
	m := h.send(socketsScannedMsg{scanID: h.m.sockets.scanID, scan: &sockets.Scan{Sockets: found, RootsRead: 1}}, nil)
	golden.RequireEqual(t, []byte(goldenView(m)))
}

// TestGoldenServerStream: a finished stream lists each message with its
// index and arrival time, and the count.
func TestGoldenServerStream(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Count")
	h.m.explorer.request.setBody(`{"count": 5}`)
	m := h.send(press("ctrl+s"), callDone)
	golden.RequireEqual(t, []byte(goldenView(m)))
}

// TestGoldenFailure: a failed call shows its code, message and decoded
// details.
func TestGoldenFailure(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Fail")
	h.m.explorer.request.setBody(`{"code": 5, "message": "no such workload"}`)
	m := h.send(press("ctrl+s"), callDone)
	golden.RequireEqual(t, []byte(goldenView(m)))
}

func TestCancelSleep(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Sleep")
	h.m.explorer.request.setBody(`{"ms": 60000}`)
	if m := h.send(press("ctrl+s"), func(m Model) bool { return m.explorer.response.call.cancelable() }); !m.explorer.response.call.cancelable() {
		t.Fatal("Sleep did not start")
	}
	m := h.send(press("esc"), func(m Model) bool { return !m.explorer.response.call.cancelable() })
	if c := shownCall(t, m); c.code != codes.Canceled {
		t.Errorf("after esc: code %v", c.code)
	}
}

func TestBidiStreamInteractive(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Chat")
	h.m.explorer.request.setBody(`{"text": "one"}`)
	received := func(n int64) func(Model) bool {
		return func(m Model) bool { c := m.explorer.response.call; return c != nil && c.log.received >= n }
	}
	h.send(press("ctrl+s"), received(1))
	h.m.explorer.request.setBody(`{"text": "two"}`)
	m := h.send(press("ctrl+s"), received(2))
	c := shownCall(t, m)
	if replies := receivedTexts(c.log); len(replies) < 2 || !strings.Contains(replies[1], "two") || !m.explorer.response.call.cancelable() {
		t.Fatalf("chat: replies %q, calling %v", replies, m.explorer.response.call.cancelable())
	}
	m = h.send(press("ctrl+d"), func(m Model) bool { return !m.explorer.response.call.cancelable() })
	if c := shownCall(t, m); c.code != codes.OK {
		t.Errorf("after ctrl+d: code %v (%s)", c.code, c.failure)
	}
}

// receivedTexts are the messages a stream's log holds that came from the
// server, oldest first.
func receivedTexts(l *streamLog) []string {
	var out []string
	for i := 0; i < l.len(); i++ {
		if e := l.at(i); !e.sent {
			out = append(out, e.text)
		}
	}
	return out
}

func TestGoldenExplorer(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Echo")
	h.m.explorer.request.setBody(`{"message": "golden"}`)
	m := h.send(press("ctrl+s"), callDone)
	golden.RequireEqual(t, []byte(goldenView(m)))
}

// TestLeavingMethodKeepsItsCall: a call keeps running when the user moves
// to another method, which shows none of its own; coming back shows it.
func TestLeavingMethodKeepsItsCall(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Sleep")
	h.m.explorer.request.setBody(`{"ms": 60000}`)
	h.send(press("ctrl+s"), func(m Model) bool { return m.explorer.response.call.cancelable() })
	sleep := h.m.explorer.response.call
	m := h.send(press("j"), nil) // the next method, Sum
	if !sleep.running || len(m.explorer.calls.calls) != 1 {
		t.Fatalf("the Sleep call stopped when its method was left: running %v, %d calls listed", sleep.running, len(m.explorer.calls.calls))
	}
	if c := m.explorer.response.call; c != nil {
		t.Errorf("the new method's response pane shows the old call: %q %q", c.name, c.failure)
	}
	m = h.send(press("k"), nil)
	if m.explorer.response.call != sleep {
		t.Errorf("back on Sleep, the response pane shows %v, want the running call", m.explorer.response.call)
	}
	h.send(press("X"), func(m Model) bool { return !sleep.running })
}

func TestSocketsListToExplorer(t *testing.T) {
	sock := startSample(t)
	h := newHarness(t, New(Options{Scan: sockets.Options{Roots: []string{filepath.Dir(sock)}, NoDefaultRoots: true}}))
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30}, nil)
	m := h.send(h.m.Init(), func(m Model) bool {
		for _, it := range m.sockets.list.Items() {
			if s := it.(socketItem).s; s.Path == sock && s.Kind == sockets.KindGRPC {
				return true
			}
		}
		return false
	})
	view := ansi.Strip(m.View().Content)
	if !strings.Contains(view, "grpc") || !strings.Contains(view, "3 services · health SERVING") {
		t.Errorf("the sockets list does not show the gRPC socket and its services:\n%s", view)
	}
	m = h.send(press("enter"), func(m Model) bool { return m.explorer.session != nil || m.explorer.services.err != nil })
	if m.screen != screenExplorer || m.explorer.session == nil || m.explorer.address != sock {
		t.Fatalf("enter did not open the socket: screen %d err %v", m.screen, m.explorer.services.err)
	}
	m = h.send(press("esc"), nil)
	if m.screen != screenSockets || m.explorer.session != nil {
		t.Errorf("esc from the services pane did not return to the list")
	}
}

func TestEmptyStateStartsSample(t *testing.T) {
	empty := sampletest.ShortDir(t)
	var started string
	start := func() (string, error) {
		started = startSample(t)
		return started, nil
	}
	h := newHarness(t, New(Options{Scan: sockets.Options{Roots: []string{empty}, NoDefaultRoots: true}, StartSample: start}))
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24}, nil)
	m := h.send(h.m.Init(), func(m Model) bool { return !m.sockets.scanning })
	view := ansi.Strip(m.View().Content)
	if !strings.Contains(view, "No sockets found") || !strings.Contains(view, "Press s") {
		t.Fatalf("empty state does not offer the sample server:\n%s", view)
	}
	m = h.send(press("s"), func(m Model) bool { return m.explorer.session != nil || m.explorer.services.err != nil })
	if m.explorer.session == nil || m.explorer.address != started {
		t.Fatalf("s did not open the sample server: %v", m.explorer.services.err)
	}
}

func TestCopyCommandAndDescribe(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Echo")
	h.m.explorer.request.setBody("{\n  \"message\": \"it's here\"\n}")
	h.m.explorer.request.metadata.SetValue("x-trace: 7")
	h.m.explorer.request.deadline.SetValue("30s")
	h.m.explorer.opts.Program = "sockscope"
	m := h.send(press("y"), nil)
	for _, want := range []string{
		`sockscope --call sample.v1.Echo/Echo -d '{"message":"it'\''s here"}' -H 'x-trace: 7' --max-time 30s ` + m.explorer.address,
		`grpcurl -plaintext -d '{"message":"it'\''s here"}' -H 'x-trace: 7' -max-time 30 -unix ` + m.explorer.address + ` sample.v1.Echo/Echo`,
	} {
		if !strings.Contains(m.explorer.response.describe, want) {
			t.Errorf("command lines lack\n%s\ngot:\n%s", want, m.explorer.response.describe)
		}
	}
	m = h.send(press("d"), nil)
	if !strings.Contains(m.explorer.response.describe, "rpc Echo") || !strings.Contains(m.explorer.response.describe, "message EchoRequest") {
		t.Errorf("describe shows:\n%s", m.explorer.response.describe)
	}
	if !strings.Contains(m.explorer.response.describe, "returns the message and the request metadata") {
		t.Errorf("describe lacks the method's comment:\n%s", m.explorer.response.describe)
	}
}

func TestHelpToggleAndQuitKeys(t *testing.T) {
	h := connected(t)
	short := ansi.Strip(h.m.statusBar())
	m := h.send(press("?"), nil)
	if full := ansi.Strip(m.statusBar()); len(full) <= len(short) || !m.help.ShowAll {
		t.Errorf("? did not show the full help:\n%s", full)
	}
	h.send(press("tab"), nil) // into the editor, where q is text
	if _, cmd := h.m.Update(press("q")); cmd != nil {
		if _, quit := cmd().(tea.QuitMsg); quit {
			t.Error("q quit while typing in the editor")
		}
	}
}

// serveHealth serves the sample's Echo API (unimplemented: only its listing
// matters) with reflection and, when statuses is not nil, a health service
// keeping those statuses.
func serveHealth(t *testing.T, statuses map[string]healthpb.HealthCheckResponse_ServingStatus) string {
	t.Helper()
	dir := sampletest.ShortDir(t)
	lis, err := net.Listen("unix", filepath.Join(dir, "h.sock"))
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	samplepb.RegisterEchoServer(srv, samplepb.UnimplementedEchoServer{})
	samplepb.RegisterWorkloadsServer(srv, samplepb.UnimplementedWorkloadsServer{})
	if statuses != nil {
		hs := health.NewServer()
		for name, st := range statuses {
			hs.SetServingStatus(name, st)
		}
		healthpb.RegisterHealthServer(srv, hs)
	}
	grpcreflection.Register(srv)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

func TestServicesTreeShowsHealth(t *testing.T) {
	for _, tc := range []struct {
		name     string
		statuses map[string]healthpb.HealthCheckResponse_ServingStatus
		want     map[string]string // service heading line → status shown after it ("" for none)
	}{
		{"one not serving", map[string]healthpb.HealthCheckResponse_ServingStatus{
			"": healthpb.HealthCheckResponse_SERVING, "sample.v1.Workloads": healthpb.HealthCheckResponse_NOT_SERVING,
			"sample.v1.Echo": healthpb.HealthCheckResponse_SERVING,
		}, map[string]string{"sample.v1.Workloads": "NOT_SERVING", "sample.v1.Echo": ""}},
		// Per-service statuses only: the server as a whole answers NotFound,
		// and a service it keeps nothing for is not flagged.
		{"no overall status", map[string]healthpb.HealthCheckResponse_ServingStatus{
			"sample.v1.Echo": healthpb.HealthCheckResponse_NOT_SERVING,
		}, map[string]string{"sample.v1.Echo": "NOT_SERVING", "sample.v1.Workloads": ""}},
		{"no health service", nil, map[string]string{"sample.v1.Echo": "", "sample.v1.Workloads": ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, New(Options{Address: serveHealth(t, tc.statuses)}))
			// Wide enough for a heading and its status side by side; a
			// narrower pane shortens the name, not the status.
			h.send(tea.WindowSizeMsg{Width: 160, Height: 40}, nil)
			var answered bool
			h.send(h.m.Init(), func(m Model) bool { return m.explorer.services.err != nil || m.explorer.session != nil })
			if h.m.explorer.session == nil {
				t.Fatalf("not connected: %v", h.m.explorer.services.err)
			}
			// The health answer comes after the tree, as its own message.
			m := h.send(nil, func(m Model) bool {
				answered = m.explorer.services.health != nil
				return answered || tc.statuses == nil
			})
			if tc.statuses == nil {
				m = h.send(nil, nil) // let the health command finish: it must add nothing
			}
			lines := strings.Split(ansi.Strip(m.explorer.services.View()), "\n")
			for service, status := range tc.want {
				found := false
				for _, line := range lines {
					if strings.HasPrefix(line, service) {
						found = true
						if got := strings.TrimSpace(strings.TrimPrefix(line, service)); got != status {
							t.Errorf("heading %q shows %q, want %q", service, got, status)
						}
					}
				}
				if !found {
					t.Errorf("no heading for %s in\n%s", service, strings.Join(lines, "\n"))
				}
			}
		})
	}
}

func TestNarrowServicesPaneKeepsHealth(t *testing.T) {
	p := newServicesPane(newCommon())
	p.SetSize(20, 40)
	var methods []protoreflect.MethodDescriptor
	for _, fd := range []protoreflect.FileDescriptor{samplepb.File_sample_v1_echo_proto, samplepb.File_sample_v1_workloads_proto} {
		for i := 0; i < fd.Services().Len(); i++ {
			for j := 0; j < fd.Services().Get(i).Methods().Len(); j++ {
				methods = append(methods, fd.Services().Get(i).Methods().Get(j))
			}
		}
	}
	p.setMethods(methods)
	p.health = map[string]string{"sample.v1.Workloads": "NOT_SERVING", "sample.v1.Echo": "SERVING"}
	view := ansi.Strip(p.View())
	if !strings.Contains(view, "sample.… NOT_SERVING") {
		t.Errorf("a narrow pane should shorten the name and keep the status:\n%s", view)
	}
}

func TestStartHeaders(t *testing.T) {
	address := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1, Token: "t"})

	// Without credentials the services pane says how to give them.
	h := newHarness(t, New(Options{Address: address}))
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30}, nil)
	m := h.send(h.m.Init(), func(m Model) bool { return m.explorer.session != nil || m.explorer.services.err != nil })
	if m.explorer.services.err == nil || !strings.Contains(m.explorer.services.err.Error(), "the server wants credentials for reflection too: -H 'key: value'") {
		t.Fatalf("no credentials: err %v, want a hint about -H", m.explorer.services.err)
	}

	auth := metadata.Pairs("authorization", "Bearer t")
	h = newHarness(t, New(Options{Address: address, Session: session.Config{ReflectionHeader: auth, Authority: "agent.internal"}, Headers: Headers{
		Call:   metadata.Join(auth, metadata.Pairs("x-side", "call", "x-kept", "yes")),
		Args:   []string{"-H", "@/run/secrets/token", "--rpc-header", "x-side: call"},
		Expand: true,
	}}))
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30}, nil)
	m = h.send(h.m.Init(), func(m Model) bool { return m.explorer.session != nil || m.explorer.services.err != nil })
	if m.explorer.session == nil {
		t.Fatalf("not connected with the start-up headers: %v", m.explorer.services.err)
	}
	h.selectMethod("sample.v1.Echo/Echo")
	if view := ansi.Strip(h.m.explorer.request.View()); !strings.Contains(view, "metadata (flags add authorization, x-kept, x-side)") || strings.Contains(view, "Bearer") {
		t.Errorf("the request pane should name the start-up headers, not show their values:\n%s", view)
	}
	h.m.explorer.request.metadata.SetValue("x-side: editor")
	h.m.explorer.request.deadline.SetValue("30s")
	h.m.explorer.opts.Program = "sockscope"
	m = h.send(press("ctrl+s"), callDone)
	reply := shownCall(t, m).reply.text
	for _, want := range []string{`"authorization": "Bearer t"`, `"x-side": "editor"`, `"x-kept": "yes"`, `":authority": "agent.internal"`} {
		if !strings.Contains(reply, want) {
			t.Errorf("the call's metadata lacks %s (the editor's line replaces a start-up header of the same key):\n%s", want, reply)
		}
	}
	m = h.send(press("y"), nil)
	for _, want := range []string{
		`-H @/run/secrets/token --rpc-header 'x-side: call' --expand-headers -H 'x-side: editor' --max-time 30s --authority agent.internal`,
		`-rpc-header 'x-side: call' -expand-headers -H 'x-side: editor'`,
		`# and the headers of -H @/run/secrets/token: grpcurl reads none from files`,
	} {
		if !strings.Contains(m.explorer.response.describe, want) {
			t.Errorf("command lines lack\n%s\ngot:\n%s", want, m.explorer.response.describe)
		}
	}
}

func TestNotGRPCExplained(t *testing.T) {
	dir := sampletest.ShortDir(t)
	path := filepath.Join(dir, "rest.sock")
	socketstest.ServeHTTP1(t, path)

	h := newHarness(t, New(Options{Address: path}))
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30}, nil)
	m := h.send(h.m.Init(), func(m Model) bool { return m.explorer.session != nil || m.explorer.services.err != nil })
	if m.explorer.services.err == nil || !strings.Contains(m.explorer.services.err.Error(), "--scan would list it as http1") {
		t.Errorf("an HTTP/1.1 server: %v", m.explorer.services.err)
	}
}

func TestServicesFilter(t *testing.T) {
	h := connected(t)
	typeText := func(s string) {
		for _, r := range s {
			h.send(press(string(r)), nil)
		}
	}
	h.send(press("/"), nil)
	typeText("workloads get")
	if !h.m.explorer.services.filtering {
		t.Fatal("/ did not start the filter")
	}
	var shown []string
	for _, r := range h.m.explorer.services.rows {
		if r.method != nil {
			shown = append(shown, reflection.MethodName(r.method))
		}
	}
	if strings.Join(shown, " ") != "sample.v1.Workloads/GetWorkload" {
		t.Errorf("filter 'workloads get' keeps %v", shown)
	}
	if sel := h.m.explorer.services.selected(); sel == nil || reflection.MethodName(sel) != "sample.v1.Workloads/GetWorkload" || h.m.explorer.request.method != sel {
		t.Errorf("the request pane should follow the filtered selection; selected %v", sel)
	}
	// q and ? are letters while the filter has the keyboard.
	h.send(press("esc"), nil)
	h.send(press("/"), nil)
	typeText("q?")
	if h.m.screen != screenExplorer || h.m.help.ShowAll || h.m.explorer.services.filter.Value() != "q?" {
		t.Fatalf("q or ? acted while typing the filter: screen %d, help %v, filter %q", h.m.screen, h.m.help.ShowAll, h.m.explorer.services.filter.Value())
	}
	if view := ansi.Strip(h.m.explorer.services.View()); !strings.Contains(view, "no method matches") {
		t.Errorf("a filter that keeps nothing should say so:\n%s", view)
	}
	for range 2 {
		h.send(tea.KeyPressMsg{Code: tea.KeyBackspace}, nil)
	}
	typeText("count")
	h.send(press("enter"), nil) // keeps the filter, gives the keys back
	if h.m.explorer.services.filtering || h.m.explorer.services.filter.Value() != "count" {
		t.Fatalf("enter should keep the filter and end typing: filtering %v, %q", h.m.explorer.services.filtering, h.m.explorer.services.filter.Value())
	}
	if view := ansi.Strip(h.m.explorer.services.View()); !strings.Contains(view, "/ count (esc") || strings.Contains(view, "Echo unary") {
		t.Errorf("a kept filter should show and hold:\n%s", view)
	}
	m := h.send(press("esc"), nil)
	if m.screen != screenExplorer || m.explorer.services.filter.Value() != "" || len(m.explorer.services.rows) != len(m.explorer.services.all)+len(m.explorer.services.serviceNames()) {
		t.Errorf("esc should clear the filter and stay: screen %d, filter %q, %d rows", m.screen, m.explorer.services.filter.Value(), len(m.explorer.services.rows))
	}
	if sel := m.explorer.services.selected(); sel == nil || reflection.MethodName(sel) != "sample.v1.Echo/Count" {
		t.Errorf("clearing the filter should keep the selected method, got %v", sel)
	}
}

// blinkFrom runs cmd the way bubbletea would, batches included, and returns
// the cursor blink it yields; a blink takes about half a second to come.
func blinkFrom(t *testing.T, cmd tea.Cmd) cursor.BlinkMsg {
	t.Helper()
	found := make(chan cursor.BlinkMsg, 16)
	var run func(tea.Cmd)
	run = func(c tea.Cmd) {
		if c == nil {
			return
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			for _, sub := range msg {
				go run(sub)
			}
		case cursor.BlinkMsg:
			found <- msg
		}
	}
	go run(cmd)
	select {
	case msg := <-found:
		return msg
	case <-time.After(5 * time.Second):
		t.Fatal("no cursor blink came of the command")
		return cursor.BlinkMsg{}
	}
}

// TestEditorCursorBlinks: the blink the request editor's cursor asks for
// reaches the editor, which asks for the next one; handed to another pane,
// it would stop the cursor blinking.
func TestEditorCursorBlinks(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Echo")
	updated, cmd := h.m.Update(press("tab"))
	m := updated.(Model)
	if !m.textInputFocused() {
		t.Fatal("tab did not focus the request editor")
	}
	first := blinkFrom(t, cmd)
	_, cmd = m.Update(first)
	if cmd == nil {
		t.Fatal("the editor's blink reached no one that answers it")
	}
	if next := blinkFrom(t, cmd); next == first {
		t.Error("the editor answered its blink with the same blink, not the next")
	}
}

// TestFilterCursorBlinks: the services filter's cursor blinks too while the
// filter has the keyboard.
func TestFilterCursorBlinks(t *testing.T) {
	h := connected(t)
	updated, cmd := h.m.Update(press("/"))
	m := updated.(Model)
	if !m.explorer.services.filtering {
		t.Fatal("/ did not start the filter")
	}
	first := blinkFrom(t, cmd)
	_, cmd = m.Update(first)
	if cmd == nil {
		t.Fatal("the filter's blink reached no one that answers it")
	}
	if next := blinkFrom(t, cmd); next == first {
		t.Error("the filter answered its blink with the same blink, not the next")
	}
}
