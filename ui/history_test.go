package ui

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"google.golang.org/grpc/metadata"

	"sockscope/collection"
	"sockscope/history"
	"sockscope/sockets"
)

func ctrl(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Mod: tea.ModCtrl} }

// connectedWith is connected with history kept in store and the
// collection at path.
func connectedWith(t *testing.T, store *history.Store, path string, headers metadata.MD) *harness {
	t.Helper()
	h := newHarness(t, New(Options{Address: startSample(t), History: store, Collection: path, Headers: Headers{Call: headers}}))
	h.send(tea.WindowSizeMsg{Width: 120, Height: 32}, nil)
	h.send(h.m.Init(), func(m Model) bool { return m.explorer.session != nil || m.explorer.services.err != nil })
	if h.m.explorer.session == nil {
		t.Fatalf("not connected: %v", h.m.explorer.services.err)
	}
	return h
}

func tempStore(t *testing.T) *history.Store {
	return history.Open(filepath.Join(t.TempDir(), "state", "sockscope", history.FileName), history.Limits{})
}

// recorded waits until store holds n entries.
func recorded(store *history.Store, n int) func(Model) bool {
	return func(Model) bool {
		entries, _, err := store.Load()
		return err == nil && len(entries) >= n
	}
}

func (h *harness) openHistory() Model {
	h.t.Helper()
	return h.send(ctrl('r'), func(m Model) bool {
		return m.history.shown && !m.history.historyLoading && !m.history.collectionLoading
	})
}

// TestCallsRecordedInHistory: a unary call and a client stream made in
// the TUI are in the history as --call's are, secrets masked, the
// stream's every message kept.
func TestCallsRecordedInHistory(t *testing.T) {
	store := tempStore(t)
	h := connectedWith(t, store, "", metadata.Pairs("x-from-flags", "1"))
	h.selectMethod("sample.v1.Echo/Echo")
	h.m.explorer.request.metadata.SetValue("authorization: Bearer s3cret\nx-trace: 42")
	h.m.explorer.request.deadline.SetValue("7s")
	h.sendBody("sample.v1.Echo/Echo", `{"message": "kept"}`, true)
	h.send(nil, recorded(store, 1))

	h.selectMethod("sample.v1.Echo/Sum")
	h.m.explorer.request.setBody(`{"value": 2}`)
	h.send(press("ctrl+s"), func(m Model) bool { return m.explorer.response.call != nil && m.explorer.response.call.open() })
	h.m.explorer.request.setBody(`{"value": 3}`)
	h.send(press("ctrl+s"), func(m Model) bool { return m.explorer.response.call.sent == 2 })
	h.send(press("ctrl+d"), recorded(store, 2))

	entries, _, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	sum, echo := entries[0], entries[1]
	if echo.Method != "sample.v1.Echo/Echo" || echo.Code != "OK" || echo.Sent != 1 || echo.Received != 1 || echo.Source != "tui" ||
		echo.Deadline() != 7*time.Second || len(echo.Requests) != 1 || string(echo.Requests[0]) != `{"message":"kept"}` {
		t.Errorf("the Echo entry is not the call made: %+v", echo)
	}
	if got := echo.Metadata["authorization"]; len(got) != 1 || got[0] != history.Masked {
		t.Errorf("authorization kept as %q, want it masked", got)
	}
	if echo.Metadata["x-trace"][0] != "42" || echo.Metadata["x-from-flags"][0] != "1" {
		t.Errorf("the metadata sent is not all kept: %v", echo.Metadata)
	}
	if echo.Address != history.CanonicalAddress(h.m.explorer.address) {
		t.Errorf("address %q, want %q", echo.Address, h.m.explorer.address)
	}
	raw, _ := os.ReadFile(store.Path())
	if strings.Contains(string(raw), "s3cret") {
		t.Errorf("the history file holds the secret:\n%s", raw)
	}
	if sum.Method != "sample.v1.Echo/Sum" || sum.Sent != 2 || len(sum.Requests) != 2 ||
		string(sum.Requests[0]) != `{"value":"2"}` || string(sum.Requests[1]) != `{"value":"3"}` {
		t.Errorf("the client stream's entry does not keep both messages: %+v", sum)
	}
}

// TestHistoryFailureWarnsOnce: a history that cannot be written is one
// warning in the status line; the calls go on and say nothing more.
func TestHistoryFailureWarnsOnce(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	store := history.Open(filepath.Join(blocker, "history.jsonl"), history.Limits{})
	h := connectedWith(t, store, "", nil)
	warned := func(m Model) bool { return strings.Contains(m.flash, "not recorded in the history") }
	c := h.sendBody("sample.v1.Echo/Echo", `{"message": "a"}`, true)
	if c.failure != "" || c.reply == nil {
		t.Fatalf("the call failed with the history: %q", c.failure)
	}
	m := h.send(nil, warned)
	if !strings.Contains(ansi.Strip(m.View().Content), "not recorded in the history") {
		t.Errorf("the status line does not show the warning")
	}
	h.sendBody("sample.v1.Echo/Echo", `{"message": "b"}`, true)
	if m := h.send(nil, nil); m.flash != "" {
		t.Errorf("a second failure warned again: %q", m.flash)
	}
}

// TestHistoryViewLoadsRequest: ctrl+r lists the socket's calls newest
// first, the filter keeps those with the words typed, and enter loads the
// call's request, metadata and deadline into the editor without sending.
func TestHistoryViewLoadsRequest(t *testing.T) {
	store := tempStore(t)
	h := connectedWith(t, store, filepath.Join(t.TempDir(), "c.yaml"), nil)
	h.selectMethod("sample.v1.Echo/Echo")
	h.m.explorer.request.metadata.SetValue("x-trace: 42\nauthorization: Bearer s3cret")
	h.m.explorer.request.deadline.SetValue("7s")
	h.sendBody("sample.v1.Echo/Echo", `{"message": "the one"}`, true)
	h.m.explorer.request.metadata.SetValue("")
	h.m.explorer.request.deadline.SetValue("")
	h.sendBody("sample.v1.Echo/Echo", `{"message": "another"}`, true)
	h.sendBody("sample.v1.Echo/Fail", `{"code": 5}`, true)
	h.send(nil, recorded(store, 3))
	h.selectMethod("sample.v1.Echo/Sleep")

	m := h.openHistory()
	if len(m.history.calls) != 3 || m.history.calls[0].Method != "sample.v1.Echo/Fail" {
		t.Fatalf("history view lists %d calls, newest %v; want 3, Fail first", len(m.history.calls), m.history.calls)
	}
	view := ansi.Strip(m.View().Content)
	for _, want := range []string{"History (3)", "sample.v1.Echo/Fail  NotFound", `{"message":"another"}`} {
		if !strings.Contains(view, want) {
			t.Errorf("the history view lacks %q:\n%s", want, view)
		}
	}
	h.typeText("one echo")
	m = h.send(nil, nil)
	if len(m.history.calls) != 1 || string(m.history.calls[0].Requests[0]) != `{"message":"the one"}` {
		t.Fatalf("the filter kept %v, want the one call", m.history.calls)
	}
	lastID := m.explorer.lastID
	m = h.send(press("enter"), nil)
	if m.history.shown {
		t.Fatal("enter did not close the history view")
	}
	if sel := m.explorer.services.selected(); sel == nil || string(sel.FullName()) != "sample.v1.Echo.Echo" {
		t.Fatalf("the method loaded is not selected: %v", sel)
	}
	r := m.explorer.request
	if !strings.Contains(r.body.Value(), `"message": "the one"`) || r.deadline.Value() != "7s" ||
		!strings.Contains(r.metadata.Value(), "x-trace: 42") || !strings.Contains(r.metadata.Value(), "authorization: "+history.Masked) {
		t.Errorf("the editor holds body %q metadata %q deadline %q", r.body.Value(), r.metadata.Value(), r.deadline.Value())
	}
	if !strings.Contains(m.explorer.response.hint, "does not keep the value of authorization") {
		t.Errorf("no word about the masked header: %q", m.explorer.response.hint)
	}
	if m.explorer.lastID != lastID {
		t.Errorf("loading sent a call")
	}

	// esc goes back with nothing loaded.
	h.m.explorer.request.setBody(`{"message": "typed"}`)
	h.openHistory()
	m = h.send(press("esc"), nil)
	if m.history.shown || !strings.Contains(m.explorer.request.body.Value(), "typed") {
		t.Errorf("esc should close the view and keep the editor")
	}
}

// TestHistoryFromSocketsList: from the sockets list ctrl+r lists every
// socket's calls, and enter opens the call's socket with its request in
// the method's editor.
func TestHistoryFromSocketsList(t *testing.T) {
	sock := startSample(t)
	store := tempStore(t)
	for _, e := range []history.Entry{
		{Address: "/elsewhere/other.sock", Method: "x.v1.Other/Call", Code: "OK", Requests: []json.RawMessage{json.RawMessage(`{}`)}},
		{Address: sock, Method: "sample.v1.Echo/Echo", Code: "OK", DeadlineMS: 3000, Requests: []json.RawMessage{json.RawMessage(`{"message":"back"}`)}},
	} {
		e.Time = time.Now()
		if _, err := store.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, New(Options{Scan: sockets.Options{Roots: []string{t.TempDir()}, NoDefaultRoots: true}, History: store}))
	h.send(tea.WindowSizeMsg{Width: 120, Height: 30}, nil)
	h.send(h.m.Init(), func(m Model) bool { return !m.sockets.scanning })
	m := h.openHistory()
	if m.history.address != "" || len(m.history.calls) != 2 {
		t.Fatalf("from the list the view should show every socket's calls: %q %d", m.history.address, len(m.history.calls))
	}
	if view := ansi.Strip(m.View().Content); !strings.Contains(view, "/elsewhere/other.sock") {
		t.Errorf("with every socket listed, each call names its socket:\n%s", view)
	}
	m = h.send(press("enter"), func(m Model) bool {
		sel := m.explorer.services.selected()
		return m.explorer.session != nil && sel != nil && string(sel.Name()) == "Echo"
	})
	if m.screen != screenExplorer || m.explorer.address != sock {
		t.Fatalf("enter did not open the call's socket: %q", m.explorer.address)
	}
	if r := m.explorer.request; !strings.Contains(r.body.Value(), `"message": "back"`) || r.deadline.Value() != "3s" {
		t.Errorf("the editor holds %q, deadline %q", r.body.Value(), r.deadline.Value())
	}
}

// TestSaveToCollection: ctrl+x saves the editor's request under the name
// typed, a secret header as the ${VAR} the user names, asks before
// replacing a request, and the file runs as --run runs it.
func TestSaveToCollection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sockscope.yaml")
	h := connectedWith(t, nil, path, nil)
	h.selectMethod("sample.v1.Echo/Echo")
	h.m.explorer.request.setBody(`{"message": "saved"}`)
	h.m.explorer.request.metadata.SetValue("authorization: Bearer s3cret\nx-trace: 42")
	h.m.explorer.request.deadline.SetValue("5s")

	m := h.send(ctrl('x'), nil)
	if m.saving.step != saveName || m.saving.input.Value() != "echo" {
		t.Fatalf("ctrl+x should ask for a name, suggesting echo: step %d %q", m.saving.step, m.saving.input.Value())
	}
	if !m.textInputFocused() {
		t.Error("the name prompt should take single letters as text")
	}
	m = h.send(press("enter"), func(m Model) bool { return m.saving.step == saveVar })
	if m.saving.input.Value() != "AUTHORIZATION" || !strings.Contains(ansi.Strip(m.View().Content), "the value of authorization is saved as ${VAR}") {
		t.Fatalf("the variable prompt: %q\n%s", m.saving.input.Value(), ansi.Strip(m.View().Content))
	}
	h.m.saving.input.SetValue("")
	h.typeText("ECHO_AUTH")
	m = h.send(press("enter"), func(m Model) bool { return m.saving.step == saveDone })
	if m.saving.failed || !strings.Contains(m.saving.result, `saved "echo"`) || !strings.Contains(m.saving.result, "ECHO_AUTH") {
		t.Fatalf("save said %q", m.saving.result)
	}
	text, _ := os.ReadFile(path)
	for _, want := range []string{"name: echo", "method: sample.v1.Echo/Echo", "Bearer ${ECHO_AUTH}", `"x-trace": "42"`, "deadline: 5s", `"message": "saved"`} {
		if !strings.Contains(string(text), want) {
			t.Errorf("the collection lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(string(text), "s3cret") {
		t.Errorf("the secret was saved in the clear:\n%s", text)
	}

	// The same name again: asked, and n keeps the file as it was.
	h.send(ctrl('l'), nil) // any key dismisses the result
	h.m.explorer.request.setBody(`{"message": "changed"}`)
	h.m.explorer.request.metadata.SetValue("x-trace: 43")
	h.send(ctrl('x'), nil)
	m = h.send(press("enter"), func(m Model) bool { return m.saving.step == saveReplace })
	if !strings.Contains(ansi.Strip(m.View().Content), `already has a request "echo": replace it?`) {
		t.Errorf("no question before replacing:\n%s", ansi.Strip(m.View().Content))
	}
	h.send(press("n"), nil)
	if again, _ := os.ReadFile(path); string(again) != string(text) {
		t.Errorf("n changed the file:\n%s", again)
	}
	h.send(ctrl('l'), nil)
	h.send(ctrl('x'), nil)
	h.send(press("enter"), func(m Model) bool { return m.saving.step == saveReplace })
	h.send(press("y"), func(m Model) bool { return m.saving.step == saveDone })
	replaced, _ := os.ReadFile(path)
	if !strings.Contains(string(replaced), `"message": "changed"`) || strings.Count(string(replaced), "name: echo") != 1 {
		t.Errorf("y did not replace the request:\n%s", replaced)
	}

	f, err := collection.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := collection.Run(context.Background(), f, collection.RunOptions{})
	if err != nil || len(sum.Results) != 1 || !sum.Results[0].Passed {
		t.Errorf("the saved request does not run: %v %+v", err, sum)
	}
}

// TestCollectionListedAndLoaded: the collection tab lists the requests
// for the open socket only, and enter loads one with its variables
// expanded, or as written, naming the variable nothing sets.
func TestCollectionListedAndLoaded(t *testing.T) {
	sock := startSample(t)
	path := filepath.Join(t.TempDir(), "sockscope.yaml")
	t.Setenv("SS_TEST_WHO", "world")
	src := "address: " + sock + "\nvars:\n  greeting: hi\nrequests:\n" +
		"  - name: greet\n    method: sample.v1.Echo/Echo\n    headers: {x-trace: \"7\"}\n    body: {\"message\": \"${greeting} ${SS_TEST_WHO}\"}\n    deadline: 2s\n" +
		"  - name: elsewhere\n    address: /elsewhere/other.sock\n    method: x.v1.Other/Call\n" +
		"  - name: secret\n    method: sample.v1.Echo/Echo\n    headers: {authorization: \"Bearer ${SS_TEST_UNSET}\"}\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, New(Options{Address: sock, Collection: path}))
	h.send(tea.WindowSizeMsg{Width: 120, Height: 30}, nil)
	h.send(h.m.Init(), func(m Model) bool { return m.explorer.session != nil })
	h.openHistory()
	m := h.send(press("tab"), nil)
	if m.history.tab != tabCollection || len(m.history.matches) != 2 {
		t.Fatalf("the collection tab lists %d requests, want greet and secret", len(m.history.matches))
	}
	view := ansi.Strip(m.View().Content)
	if strings.Contains(view, "elsewhere") || !strings.Contains(view, "${SS_TEST_UNSET} is not set") {
		t.Errorf("the list shows another socket's request or hides the unset variable:\n%s", view)
	}
	m = h.send(press("enter"), nil)
	r := m.explorer.request
	if !strings.Contains(r.body.Value(), `"message": "hi world"`) || r.metadata.Value() != "x-trace: 7" || r.deadline.Value() != "2s" {
		t.Errorf("greet loaded as body %q metadata %q deadline %q", r.body.Value(), r.metadata.Value(), r.deadline.Value())
	}

	h.openHistory()
	h.send(press("tab"), nil)
	h.typeText("secret")
	m = h.send(press("enter"), nil)
	if got := m.explorer.request.metadata.Value(); got != "authorization: Bearer ${SS_TEST_UNSET}" {
		t.Errorf("secret loaded its header as %q, want it as written", got)
	}
	if !strings.Contains(m.explorer.response.hint, "${SS_TEST_UNSET} is not set") {
		t.Errorf("no word about the unset variable: %q", m.explorer.response.hint)
	}
}

// TestSaveFromHistory: ctrl+x on a past call saves it into the
// collection, its masked header as a variable the user names.
func TestSaveFromHistory(t *testing.T) {
	store := tempStore(t)
	path := filepath.Join(t.TempDir(), "sockscope.yaml")
	h := connectedWith(t, store, path, nil)
	h.selectMethod("sample.v1.Echo/Echo")
	h.m.explorer.request.metadata.SetValue("x-api-token: s3cret")
	h.sendBody("sample.v1.Echo/Echo", `{"message": "past"}`, true)
	h.send(nil, recorded(store, 1))
	h.openHistory()
	h.send(ctrl('x'), nil)
	m := h.send(press("enter"), func(m Model) bool { return m.saving.step == saveVar })
	if m.saving.input.Value() != "X_API_TOKEN" {
		t.Errorf("suggested %q for x-api-token", m.saving.input.Value())
	}
	h.send(press("enter"), func(m Model) bool { return m.saving.step == saveDone })
	// The next key is the history page's again.
	if m := h.send(press("e"), nil); !m.history.shown || m.saving.active() || m.history.filter.Value() != "e" {
		t.Errorf("after the save the page should take keys: shown %v, prompt %v, filter %q", m.history.shown, m.saving.active(), m.history.filter.Value())
	}
	text, _ := os.ReadFile(path)
	if !strings.Contains(string(text), `"x-api-token": "${X_API_TOKEN}"`) || !strings.Contains(string(text), `"message": "past"`) {
		t.Errorf("the past call was not saved as it was sent:\n%s", text)
	}
}

// TestUnfinishedCallsRecordedAtQuit: a watch still running when the
// program ends reaches the history, as Canceled, once the final model
// records what was running; finished calls are not written twice.
func TestUnfinishedCallsRecordedAtQuit(t *testing.T) {
	store := tempStore(t)
	h := connectedWith(t, store, "", nil)
	h.sendBody("sample.v1.Echo/Echo", `{"message": "done"}`, true)
	h.send(nil, recorded(store, 1))
	h.sendBody("sample.v1.Workloads/WatchEvents", `{}`, false)
	h.send(nil, func(m Model) bool { return m.explorer.response.call.sent == 1 })
	if err := h.m.RecordUnfinished(); err != nil {
		t.Fatal(err)
	}
	entries, _, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("%d entries, want the finished Echo and the running watch", len(entries))
	}
	if watch := entries[0]; watch.Method != "sample.v1.Workloads/WatchEvents" || watch.Code != "Canceled" || watch.Sent != 1 || watch.Source != "tui" || len(watch.Requests) != 1 {
		t.Errorf("the running watch is recorded as %+v", watch)
	}
}
