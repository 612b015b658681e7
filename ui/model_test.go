package ui

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"google.golang.org/grpc/codes"

	"sockscope/sample"
)

func startSample(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ssui")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "s.sock")
	lis, err := sample.Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := sample.NewServer(sample.Options{Reflection: sample.ReflectionV1})
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return path
}

// run feeds msg to the model and keeps running the commands it returns,
// feeding their messages back, until the model is quiet or until stop says so.
// Commands run synchronously here, as bubbletea would run them off the loop.
func run(t *testing.T, m Model, msg tea.Msg, stop func(Model) bool) Model {
	t.Helper()
	queue := []tea.Msg{msg}
	deadline := time.Now().Add(20 * time.Second)
	for len(queue) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("model never settled")
		}
		next := queue[0]
		queue = queue[1:]
		if next == nil {
			continue
		}
		if batch, ok := next.(tea.BatchMsg); ok {
			for _, c := range batch {
				if c != nil {
					queue = append(queue, runCmd(c))
				}
			}
			continue
		}
		updated, cmd := m.Update(next)
		m = updated.(Model)
		if stop != nil && stop(m) {
			return m
		}
		if cmd != nil {
			queue = append(queue, runCmd(cmd))
		}
	}
	return m
}

// runCmd runs a command unless it is a timer-driven one (ticks, spinners),
// which would only make the test wait.
func runCmd(c tea.Cmd) tea.Msg {
	done := make(chan tea.Msg, 1)
	go func() { done <- c() }()
	select {
	case msg := <-done:
		switch msg.(type) {
		case tickMsg:
			return nil
		}
		return msg
	case <-time.After(300 * time.Millisecond):
		return nil // a tick or a wait for a stream that has nothing more now
	}
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

func connected(t *testing.T) Model {
	t.Helper()
	m := New(Options{Address: startSample(t)})
	m = run(t, m, tea.WindowSizeMsg{Width: 80, Height: 24}, nil)
	m = run(t, m, m.Init(), func(m Model) bool { return m.conn != nil || m.services.err != nil })
	if m.conn == nil {
		t.Fatalf("not connected: %v", m.services.err)
	}
	return m
}

// selectMethod moves the services cursor to method by keys, as a person would.
func selectMethod(t *testing.T, m Model, method string) Model {
	t.Helper()
	m = run(t, m, press("g"), nil)
	for i := 0; i < 40; i++ {
		if sel := m.services.selected(); sel != nil && methodFQN(sel) == method {
			return m
		}
		m = run(t, m, press("j"), nil)
	}
	t.Fatalf("cannot reach %s", method)
	return m
}

func TestFocusCycle(t *testing.T) {
	m := connected(t)
	want := []focus{focusBody, focusMetadata, focusDeadline, focusResponse, focusServices}
	for _, f := range want {
		m = run(t, m, press("tab"), nil)
		if m.focus != f {
			t.Fatalf("tab moved focus to %d, want %d", m.focus, f)
		}
	}
	m = run(t, m, press("shift+tab"), nil)
	if m.focus != focusResponse {
		t.Errorf("shift+tab moved focus to %d, want response", m.focus)
	}
}

func TestStaleConnectionResultDropped(t *testing.T) {
	m := connected(t)
	before := len(m.services.rows)
	m = run(t, m, connectedMsg{connID: m.connID + 5, err: errors.New("late failure")}, nil)
	if m.services.err != nil || len(m.services.rows) != before {
		t.Errorf("a result for an abandoned connection changed the pane: err %v rows %d->%d", m.services.err, before, len(m.services.rows))
	}
}

func TestStaleCallEventsDropped(t *testing.T) {
	m := connected(t)
	m = run(t, m, callEventsMsg{callID: m.callID + 3, events: []callEvent{{done: true, err: errors.New("old call")}}}, nil)
	if m.response.failure != "" {
		t.Errorf("an old call's result reached the response pane: %s", m.response.failure)
	}
}

func TestEditedRequestKeptPerMethod(t *testing.T) {
	m := connected(t)
	m = selectMethod(t, m, "sample.v1.Echo/Echo")
	m = run(t, m, press("tab"), nil)
	for _, r := range "XYZ" {
		m = run(t, m, press(string(r)), nil)
	}
	edited := m.request.body.Value()
	if !strings.Contains(edited, "XYZ") {
		t.Fatalf("typing did not reach the editor: %q", edited)
	}
	m = run(t, m, press("esc"), nil)
	m = selectMethod(t, m, "sample.v1.Echo/Sum")
	if strings.Contains(m.request.body.Value(), "XYZ") {
		t.Fatal("another method shows the edited text")
	}
	m = selectMethod(t, m, "sample.v1.Echo/Echo")
	if got := m.request.body.Value(); got != edited {
		t.Errorf("coming back to Echo shows %q, want the edited %q", got, edited)
	}
}

func TestBadRequestKeepsEditorText(t *testing.T) {
	m := connected(t)
	m = selectMethod(t, m, "sample.v1.Echo/Echo")
	m = run(t, m, press("tab"), nil)
	m.request.setBody(`{"message": oops}`)
	m = run(t, m, press("ctrl+s"), nil)
	if m.calling {
		t.Fatal("an invalid request was sent")
	}
	if !strings.Contains(m.flash, "line 1, column 13") {
		t.Errorf("error does not say where: %q", m.flash)
	}
	if m.request.body.Value() != `{"message": oops}` {
		t.Errorf("the editor lost the text: %q", m.request.body.Value())
	}
	if !strings.Contains(ansi.Strip(m.View().Content), "line 1, column 13") {
		t.Errorf("the error is not on screen")
	}
}

func TestUnaryCall(t *testing.T) {
	m := connected(t)
	m = selectMethod(t, m, "sample.v1.Echo/Echo")
	m.request.setBody(`{"message": "hello from the model"}`)
	m = run(t, m, press("ctrl+s"), func(m Model) bool { return !m.calling && m.response.method != "" })
	m = run(t, m, nil, nil)
	if m.response.code != codes.OK || !strings.Contains(m.response.unary, "hello from the model") {
		t.Fatalf("response %v %q (failure %q)", m.response.code, m.response.unary, m.response.failure)
	}
}

func TestFailShowsDetails(t *testing.T) {
	m := connected(t)
	m = selectMethod(t, m, "sample.v1.Echo/Fail")
	m.request.setBody(`{"code": 5, "message": "gone"}`)
	m = run(t, m, press("ctrl+s"), func(m Model) bool { return !m.calling && m.response.method != "" })
	if m.response.code != codes.NotFound || !strings.Contains(m.response.statusJSON, "google.rpc.BadRequest") {
		t.Fatalf("status %v details %q", m.response.code, m.response.statusJSON)
	}
	if m.request.body.Value() != `{"code": 5, "message": "gone"}` {
		t.Errorf("a failed call changed the editor: %q", m.request.body.Value())
	}
}

func TestCancelSleep(t *testing.T) {
	m := connected(t)
	m = selectMethod(t, m, "sample.v1.Echo/Sleep")
	m.request.setBody(`{"ms": 60000}`)
	m = run(t, m, press("ctrl+s"), func(m Model) bool { return m.calling })
	if !m.calling {
		t.Fatal("Sleep did not start")
	}
	m = run(t, m, press("esc"), func(m Model) bool { return !m.calling })
	if m.calling || m.response.code != codes.Canceled {
		t.Errorf("after esc: calling %v code %v", m.calling, m.response.code)
	}
}

func TestBidiStreamInteractive(t *testing.T) {
	m := connected(t)
	m = selectMethod(t, m, "sample.v1.Echo/Chat")
	m.request.setBody(`{"text": "one"}`)
	m = run(t, m, press("ctrl+s"), func(m Model) bool { return m.response.log.total >= 1 })
	m.request.setBody(`{"text": "two"}`)
	m = run(t, m, press("ctrl+s"), func(m Model) bool { return m.response.log.total >= 2 })
	if m.response.log.total != 2 || !strings.Contains(m.response.log.at(1).text, "two") {
		t.Fatalf("chat replies: %d", m.response.log.total)
	}
	m = run(t, m, press("ctrl+d"), func(m Model) bool { return !m.calling })
	if m.calling || m.response.code != codes.OK {
		t.Errorf("after ctrl+d: calling %v code %v", m.calling, m.response.code)
	}
}

func TestGoldenExplorer(t *testing.T) {
	m := connected(t)
	m = selectMethod(t, m, "sample.v1.Echo/Echo")
	m.request.setBody(`{"message": "golden"}`)
	m = run(t, m, press("ctrl+s"), func(m Model) bool { return !m.calling && m.response.method != "" })
	view := ansi.Strip(m.View().Content)
	// The socket path and timings differ on every run.
	view = strings.ReplaceAll(view, m.address, "SOCKET")
	view = maskDurations(view)
	golden.RequireEqual(t, []byte(view))
}

// elapsed matches the call's duration after its status, which differs every run.
var elapsed = regexp.MustCompile(`(OK|NotFound|Canceled) [0-9.]+(ns|µs|ms|s)`)

func maskDurations(s string) string {
	return elapsed.ReplaceAllStringFunc(s, func(m string) string {
		parts := strings.SplitN(m, " ", 2)
		return parts[0] + " " + strings.Repeat("#", len([]rune(parts[1])))
	})
}
