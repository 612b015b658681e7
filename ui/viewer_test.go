package ui

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"sockscope/sample/sampletest"
)

// focusResponse tabs to the response pane.
func (h *harness) focusResponse() {
	h.t.Helper()
	for i := 0; i < 10 && h.m.explorer.focus != focusResponse; i++ {
		h.send(press("tab"), nil)
	}
	if h.m.explorer.focus != focusResponse {
		h.t.Fatal("tab never reached the response pane")
	}
}

// typeText types s key by key.
func (h *harness) typeText(s string) {
	for _, r := range s {
		h.send(press(string(r)), nil)
	}
}

// streamed calls Count for n messages and waits for the end.
func streamed(t *testing.T, n int) *harness {
	t.Helper()
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Count")
	h.m.explorer.request.setBody(fmt.Sprintf(`{"count": %d}`, n))
	h.send(press("ctrl+s"), callDone)
	if c := shownCall(t, h.m); c.log.received != int64(n) {
		t.Fatalf("%d messages, want %d", c.log.received, n)
	}
	return h
}

func viewerText(m Model) string { return m.explorer.response.viewer.doc.text }

func TestOpenStreamMessage(t *testing.T) {
	h := streamed(t, 5)
	h.focusResponse()
	m := h.send(press("enter"), nil)
	if m.explorer.response.mode != modeMessage || m.explorer.response.opened != 5 {
		t.Fatalf("enter opened mode %d message #%d, want the newest, #5", m.explorer.response.mode, m.explorer.response.opened)
	}
	if got := viewerText(m); got != "{\n  \"n\": 5\n}" {
		t.Errorf("the viewer shows %q, want #5 indented", got)
	}
	m = h.send(press("["), nil)
	m = h.send(press("["), nil)
	if m.explorer.response.opened != 3 || !strings.Contains(viewerText(m), `"n": 3`) {
		t.Errorf("[ [ opened #%d: %q, want #3", m.explorer.response.opened, viewerText(m))
	}
	m = h.send(press("]"), nil)
	if m.explorer.response.opened != 4 || !strings.Contains(viewerText(m), `"n": 4`) {
		t.Errorf("] opened #%d: %q, want #4", m.explorer.response.opened, viewerText(m))
	}
	if view := ansi.Strip(m.View().Content); !strings.Contains(view, "Message #4") {
		t.Errorf("the pane does not say which message it shows:\n%s", view)
	}
	m = h.send(press("esc"), nil)
	if m.explorer.response.mode != modeList || m.explorer.focus != focusResponse {
		t.Fatalf("esc went to mode %d, focus %d; want the list, still focused", m.explorer.response.mode, m.explorer.focus)
	}
	if e, _, ok := m.explorer.response.call.list.selected(m.explorer.response.call.log, m.explorer.response.listHeight()); !ok || e.index != 4 {
		t.Errorf("back in the list the selection is #%d, want #4 kept", e.index)
	}
}

func TestViewerSearch(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Echo")
	h.m.explorer.request.setBody(`{"message": "a Needle, a needle and a NEEDLE"}`)
	h.send(press("ctrl+s"), callDone)
	h.focusResponse()
	h.send(press("/"), nil)
	h.typeText("needle")
	m := h.send(press("enter"), nil)
	v := m.explorer.response.viewer
	if v.found.total != 3 || v.current != 0 {
		t.Fatalf("lower-case needle: %d matches, current %d; want all 3, the first current", v.found.total, v.current)
	}
	if view := ansi.Strip(m.View().Content); !strings.Contains(view, "/needle: match 1 of 3") {
		t.Errorf("the count is not shown:\n%s", view)
	}
	m = h.send(press("n"), nil)
	m = h.send(press("n"), nil)
	if m.explorer.response.viewer.current != 2 {
		t.Errorf("n n: current match %d, want 2", m.explorer.response.viewer.current)
	}
	m = h.send(press("N"), nil)
	if m.explorer.response.viewer.current != 1 {
		t.Errorf("N: current match %d, want 1", m.explorer.response.viewer.current)
	}
	// A capital makes the case count.
	h.send(press("/"), nil)
	for range 6 {
		h.send(tea.KeyPressMsg{Code: tea.KeyBackspace}, nil)
	}
	h.typeText("NEEDLE")
	m = h.send(press("enter"), nil)
	if got := m.explorer.response.viewer.found.total; got != 1 {
		t.Errorf("NEEDLE: %d matches, want 1", got)
	}
	m = h.send(press("esc"), nil)
	if m.explorer.response.viewer.found.query != "" || m.explorer.focus != focusResponse {
		t.Errorf("esc should clear the search first: query %q, focus %d", m.explorer.response.viewer.found.query, m.explorer.focus)
	}
}

// TestViewerSearchEmptied: emptying the query of a search that found
// something (ctrl+u in its input) leaves no current match to draw; the
// view once indexed the emptied matches and crashed the TUI.
func TestViewerSearchEmptied(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Echo")
	h.m.explorer.request.setBody(`{"message": "a needle"}`)
	h.send(press("ctrl+s"), callDone)
	h.focusResponse()
	h.send(press("/"), nil)
	h.typeText("needle")
	h.send(press("enter"), nil)
	if v := h.m.explorer.response.viewer; v.current != 0 {
		t.Fatalf("needle: current match %d, want 0", v.current)
	}
	h.send(press("/"), nil)
	m := h.send(press("ctrl+u"), nil)
	if v := m.explorer.response.viewer; v.input.Value() != "" || v.current != -1 {
		t.Fatalf("ctrl+u: query %q, current match %d; want none", v.input.Value(), v.current)
	}
	_ = m.View()
}

func TestStreamListFilter(t *testing.T) {
	h := streamed(t, 20)
	h.focusResponse()
	h.send(press("/"), nil)
	h.typeText("1")
	m := h.send(press("enter"), nil)
	c := shownCall(t, m)
	if got := c.list.count(c.log); got != 11 { // 1 and 10 to 19
		t.Fatalf("filter 1 keeps %d messages, want 11", got)
	}
	if view := ansi.Strip(m.View().Content); !strings.Contains(view, `"1": 11 of 20`) {
		t.Errorf("the count of matches is not shown:\n%s", view)
	}
	m = h.send(press("esc"), nil)
	if c := shownCall(t, m); c.list.filter.active() || c.list.count(c.log) != 20 {
		t.Errorf("esc should clear the filter: active %v, %d rows", c.list.filter.active(), c.list.count(c.log))
	}
}

func TestGoldenStreamFilter(t *testing.T) {
	h := streamed(t, 30)
	h.focusResponse()
	h.send(press("/"), nil)
	h.typeText("2")
	m := h.send(press("enter"), nil)
	golden.RequireEqual(t, []byte(goldenView(m)))
}

func TestJQOnStream(t *testing.T) {
	h := streamed(t, 10)
	h.focusResponse()
	h.send(press("|"), nil)
	h.typeText("select(.n % 2 == 0) | .n * 10")
	m := h.send(press("enter"), nil)
	c := shownCall(t, m)
	var outs []string
	for p := 0; p < c.list.count(c.log); p++ {
		_, s := c.list.item(c.log, p)
		outs = append(outs, s.out)
	}
	if strings.Join(outs, " ") != "20 40 60 80 100" {
		t.Fatalf("jq kept %q", outs)
	}
	// A mistake is shown where it is typed, and the expression stays.
	h.send(press("|"), nil)
	h.typeText(" |")
	m = h.send(nil, nil)
	r := m.explorer.response
	if r.inputErr == "" || r.input.Value() != "select(.n % 2 == 0) | .n * 10 |" {
		t.Fatalf("a bad expression: error %q, input %q", r.inputErr, r.input.Value())
	}
	if view := ansi.Strip(m.View().Content); !strings.Contains(view, "jq:") {
		t.Errorf("the error is not shown inline:\n%s", view)
	}
	if c := shownCall(t, m); c.list.count(c.log) != 5 {
		t.Errorf("a bad expression changed what is shown: %d rows", c.list.count(c.log))
	}
	h.send(tea.KeyPressMsg{Code: tea.KeyBackspace}, nil)
	h.send(tea.KeyPressMsg{Code: tea.KeyBackspace}, nil)
	h.send(press("enter"), nil)

	// The next call of the method gets the same expression, live.
	h.send(press("tab"), nil) // to the services pane
	h.m.explorer.request.setBody(`{"count": 4}`)
	m = h.send(press("ctrl+s"), func(m Model) bool {
		c := m.explorer.response.call
		return callDone(m) && !c.list.busy && c.list.upTo == 4
	})
	c = shownCall(t, m)
	if c.list.filter.jq == nil || c.list.count(c.log) != 2 {
		t.Fatalf("the method's jq expression was not kept: %v, %d rows", c.list.filter.jq, c.list.count(c.log))
	}
	h.focusResponse()
	m = h.send(press("esc"), nil)
	if c := shownCall(t, m); c.list.filter.active() {
		t.Errorf("esc should remove the jq filter")
	}
}

func TestJQOnReply(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Echo")
	h.m.explorer.request.setBody(`{"message": "picked"}`)
	h.send(press("ctrl+s"), callDone)
	h.focusResponse()
	h.send(press("|"), nil)
	h.typeText(".message")
	m := h.send(press("enter"), nil)
	if got := viewerText(m); got != `"picked"` {
		t.Errorf("jq .message on the reply shows %q", got)
	}
	m = h.send(press("esc"), nil)
	if got := viewerText(m); !strings.Contains(got, `"metadata"`) {
		t.Errorf("esc should show the whole reply again, shows %q", got)
	}
}

func TestSaveReplyAndStream(t *testing.T) {
	dir := sampletest.ShortDir(t)
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Echo")
	h.m.explorer.request.setBody(`{"message": "kept"}`)
	h.send(press("ctrl+s"), callDone)
	h.focusResponse()
	m := h.send(press("w"), nil)
	if r := m.explorer.response; r.inputKind != inputSave || r.input.Value() != "sample-v1-Echo-Echo-1.json" {
		t.Fatalf("w offers %q (input %d)", r.input.Value(), r.inputKind)
	}
	path := filepath.Join(dir, "reply.json")
	h.m.explorer.response.input.SetValue(path)
	m = h.send(press("enter"), func(m Model) bool { return m.explorer.response.note != "" })
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), "\"message\": \"kept\",\n") {
		t.Fatalf("the file holds %q (%v)", b, err)
	}
	if note := m.explorer.response.note; note != fmt.Sprintf("wrote %d bytes to %s", len(b), path) {
		t.Errorf("the pane says %q", note)
	}

	// Saving again over it asks for a second w.
	if err := os.WriteFile(path, []byte("mine\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.send(press("w"), nil)
	h.m.explorer.response.input.SetValue(path)
	m = h.send(press("enter"), func(m Model) bool { return m.explorer.response.overwrite != "" })
	if b, _ := os.ReadFile(path); string(b) != "mine\n" {
		t.Fatalf("an existing file was overwritten without a second w: %q", b)
	}
	if !strings.Contains(m.explorer.response.note, "exists: w again overwrites it") {
		t.Errorf("the pane says %q", m.explorer.response.note)
	}
	h.send(press("w"), func(m Model) bool { return strings.HasPrefix(m.explorer.response.note, "wrote") })
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "kept") {
		t.Errorf("the second w did not overwrite: %q", b)
	}

	// A stream is written as JSON lines, every message kept.
	h.send(press("esc"), nil)
	h.selectMethod("sample.v1.Echo/Count")
	h.m.explorer.request.setBody(`{"count": 7}`)
	h.send(press("ctrl+s"), callDone)
	h.focusResponse()
	h.send(press("w"), nil)
	lines := filepath.Join(dir, "count.jsonl")
	h.m.explorer.response.input.SetValue(lines)
	h.send(press("enter"), func(m Model) bool { return m.explorer.response.note != "" })
	if b, _ := os.ReadFile(lines); string(b) != "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n{\"n\":4}\n{\"n\":5}\n{\"n\":6}\n{\"n\":7}\n" {
		t.Errorf("the stream was written as %q", b)
	}
}

func TestInfoDecodesStatusDetails(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Echo/Fail")
	h.m.explorer.request.setBody(`{"code": 5, "message": "gone"}`)
	h.send(press("ctrl+s"), callDone)
	h.focusResponse()
	m := h.send(press("i"), nil)
	text := viewerText(m)
	if !strings.Contains(text, "grpc-status-details-bin: (decoded) {") || !strings.Contains(text, "google.rpc.ErrorInfo") {
		t.Errorf("the status details are not decoded:\n%s", text)
	}
	for _, r := range text {
		if r < 0x20 && r != '\n' {
			t.Fatalf("a raw control character in the headers view: %q", text)
		}
	}
	m = h.send(press("i"), nil)
	if m.explorer.response.mode != modeReply {
		t.Errorf("i again should go back to the reply, mode %d", m.explorer.response.mode)
	}
}

// TestViewerLongLine: a line far wider than the pane is cut with its
// length shown, scrolls sideways, and wraps on demand.
func TestViewerLongLine(t *testing.T) {
	c := newCommon()
	v := newViewer(c)
	v.SetSize(40, 6)
	long := strings.Repeat("abcdefghij", 100000)
	v.setDocument(newJSONDocument("{\n  \"data\": \"" + long + "\"\n}"))
	view := ansi.Strip(v.View())
	if !strings.Contains(view, "…(1,000,012 chars)") {
		t.Fatalf("the cut line does not show its length:\n%s", view)
	}
	v, _ = v.Update(press("l"))
	if v.left == 0 || !strings.Contains(ansi.Strip(v.View()), "from column") {
		t.Errorf("l did not scroll sideways:\n%s", ansi.Strip(v.View()))
	}
	v, _ = v.Update(press("z"))
	rows := strings.Split(ansi.Strip(v.View()), "\n")
	if rows[1] != `  "data": "abcdefghijabcdefghijabcdefghi` || rows[2] != strings.Repeat("jabcdefghi", 4) {
		t.Errorf("z did not wrap the line:\n%s", strings.Join(rows, "\n"))
	}
	v, _ = v.Update(press("G"))
	rows = strings.Split(ansi.Strip(v.View()), "\n")
	if rows[len(rows)-2] != "}" {
		t.Errorf("G in wrap mode does not end at the document's end:\n%s", strings.Join(rows, "\n"))
	}
}

func TestGoldenViewer(t *testing.T) {
	h := connected(t)
	h.selectMethod("sample.v1.Workloads/ListWorkloads")
	h.m.explorer.request.setBody(`{}`)
	h.send(press("ctrl+s"), callDone)
	h.focusResponse()
	h.send(press("/"), nil)
	h.typeText("web")
	m := h.send(press("enter"), func(m Model) bool { return m.explorer.response.viewer.found.query == "web" })
	golden.RequireEqual(t, []byte(goldenView(m)))
}

// TestFrameDrawsOnlyChangedPanes: a stream's events redraw the response
// pane and leave the others' frames as they were.
func TestFrameDrawsOnlyChangedPanes(t *testing.T) {
	h := streamed(t, 3)
	h.m.View()
	services, request := h.m.explorer.frames.services, h.m.explorer.frames.request
	c := shownCall(t, h.m)
	c.apply(callEvent{reply: &reply{at: time.Now(), text: `{"n":4}`}})
	h.m.View()
	if h.m.explorer.frames.services != services || h.m.explorer.frames.request != request {
		t.Error("a stream event redrew the services or request pane")
	}
	if !strings.Contains(ansi.Strip(h.m.explorer.frames.response.out), `{"n":4}`) {
		t.Error("a stream event did not redraw the response pane")
	}
}

// TestLightBackgroundRestyles: on a light background every component
// takes the light palette, none keeps the bubbles' dark defaults.
func TestLightBackgroundRestyles(t *testing.T) {
	h := connected(t)
	m := h.send(tea.BackgroundColorMsg{Color: color.White}, nil)
	light := newStyles(false)
	same := func(what string, got, want lipgloss.Style) {
		t.Helper()
		if fmt.Sprint(got.GetForeground()) != fmt.Sprint(want.GetForeground()) || fmt.Sprint(got.GetBackground()) != fmt.Sprint(want.GetBackground()) {
			t.Errorf("%s: %v on %v, want the light palette's %v on %v", what, got.GetForeground(), got.GetBackground(), want.GetForeground(), want.GetBackground())
		}
	}
	same("request text", m.explorer.request.body.Styles().Focused.Text, light.TextArea.Focused.Text)
	same("request cursor line", m.explorer.request.body.Styles().Focused.CursorLine, light.TextArea.Focused.CursorLine)
	same("metadata placeholder", m.explorer.request.metadata.Styles().Blurred.Placeholder, light.TextArea.Blurred.Placeholder)
	same("deadline", m.explorer.request.deadline.Styles().Focused.Text, light.TextInput.Focused.Text)
	same("services filter", m.explorer.services.filter.Styles().Focused.Prompt, light.TextInput.Focused.Prompt)
	same("viewer search", m.explorer.response.viewer.input.Styles().Focused.Text, light.TextInput.Focused.Text)
	same("help", m.help.Styles.ShortKey, light.Help.ShortKey)
	same("sockets list", m.sockets.list.Styles.StatusBar, light.List.StatusBar)
	same("sockets filter", m.sockets.list.FilterInput.Styles().Focused.Text, light.TextInput.Focused.Text)
	same("json keys", m.styles.JSONKey, light.JSONKey)
}
