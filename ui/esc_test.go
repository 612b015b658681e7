package ui

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
)

// TestEscCancelsTheFocusedCall is issue 11's "esc cancels the focused
// call (asking nothing)": from the request's editors, the response and the
// calls list alike, one esc cancels the call shown and no other, keeps
// what was typed, and asks nothing; the next esc goes back.
func TestEscCancelsTheFocusedCall(t *testing.T) {
	for _, tc := range []struct {
		name string
		to   focus
	}{{"request editor", focusBody}, {"deadline", focusDeadline}, {"response", focusResponse}, {"calls", focusCalls}} {
		t.Run(tc.name, func(t *testing.T) {
			h := connected(t)
			other := h.sendBody("sample.v1.Workloads/WatchEvents", `{}`, false)
			shown := h.sendBody("sample.v1.Echo/Sleep", `{"ms": 60000}`, false)
			h.m.explorer, _ = h.m.explorer.setFocus(tc.to)
			m := h.send(press("esc"), func(m Model) bool { return !shown.running })
			if shown.code != codes.Canceled || !other.running {
				t.Fatalf("esc: the call shown ended %v, the other running %v", shown.code, other.running)
			}
			if m.explorer.focus != tc.to || m.explorer.response.call != shown || m.explorer.request.body.Value() != `{"ms": 60000}` {
				t.Errorf("esc that cancelled moved on: focus %d, shown %v, body %q", m.explorer.focus, m.explorer.response.call == shown, m.explorer.request.body.Value())
			}
			if m = h.send(press("esc"), nil); !other.running || tc.to != focusServices && m.explorer.focus != focusServices {
				t.Errorf("the second esc: focus %d, the other call running %v", m.explorer.focus, other.running)
			}
			h.send(press("X"), func(m Model) bool { return !other.running })
		})
	}
}

// TestFirstValueInsideMessages: enter on a method whose request starts
// with a message field puts the cursor in the first value typed in, not
// before the message's brace.
func TestFirstValueInsideMessages(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Workloads/CreateWorkload")
	h.send(press("enter"), nil)
	h.typeText("w1")
	if got := h.m.explorer.request.body.Value(); !strings.Contains(got, `"id": "w1"`) {
		t.Errorf("typing after enter went elsewhere:\n%s", got)
	}
}

// TestEscClosesCommandLinesFirst: esc after y (or d) in the services
// closes the lines, and only the next esc leaves the socket.
func TestEscClosesCommandLinesFirst(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Echo")
	for _, k := range []string{"y", "d"} {
		if m := h.send(press(k), nil); m.explorer.response.mode != modeText {
			t.Fatalf("%s shows no text", k)
		}
		m := h.send(press("esc"), nil)
		if m.screen != screenExplorer || m.explorer.response.mode == modeText || m.explorer.response.commands != nil {
			t.Errorf("esc after %s: screen %d, response mode %d", k, m.screen, m.explorer.response.mode)
		}
	}
	if m := h.send(press("esc"), nil); m.screen == screenExplorer {
		t.Error("esc with nothing open stays on the socket")
	}
}

// TestRunningCallCountsItsRequest: a unary or server-stream call still
// running says it sent its request (↑1), as it does once it ends.
func TestRunningCallCountsItsRequest(t *testing.T) {
	h := connected(t)
	watch := h.sendBody("sample.v1.Workloads/WatchEvents", `{}`, false)
	h.send(nil, func(Model) bool { return watch.sent == 1 })
	calls := h.m.explorer.calls
	calls.SetSize(60, 5)
	if row := calls.row(watch, false, time.Now()); !strings.Contains(row, "↑1 ↓0") || !watch.running {
		t.Errorf("a running watch's row: %q", row)
	}
	h.send(press("X"), func(Model) bool { return !watch.running })
	if watch.sent != 1 {
		t.Errorf("after it ended the watch counts %d sent", watch.sent)
	}
}
