package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"google.golang.org/grpc/metadata"

	"sockscope/client"
	"sockscope/collection"
	"sockscope/sample/samplepb"
	"sockscope/sample/sampletest"
	"sockscope/sockets"
	"sockscope/tap"
)

// echoThrough makes a real Echo call at path through the client
// package's dialer, with metadata, as a client of the tapped server would, on a goroutine of its own: the model is
// driven meanwhile. Its error comes on the channel.
func echoThrough(path, message string) <-chan error {
	errc := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := client.Dial(ctx, client.Target{Network: "unix", Address: path}, client.DialOptions{})
		if err != nil {
			errc <- err
			return
		}
		defer conn.Close()
		ctx = metadata.AppendToOutgoingContext(ctx, "x-trace", "42", "authorization", "Bearer s3cret")
		_, err = samplepb.NewEchoClient(conn).Echo(ctx, &samplepb.EchoRequest{Message: message})
		errc <- err
	}()
	return errc
}

// tappedCall is the first finished call of method the traffic screen lists.
func tappedCall(m Model, method string) *trafficCall {
	for _, c := range m.traffic.log.calls {
		if c.method == method && c.done {
			return c
		}
	}
	return nil
}

func trafficDocText(m Model) string {
	if m.traffic.viewer.doc == nil {
		return ""
	}
	return m.traffic.viewer.doc.text
}

// startTraffic opens the explorer on a fresh sample server, presses t and
// chooses the mode with key; proxy mode listens in a directory of the
// test's own rather than the shared default.
func startTraffic(t *testing.T, mode string) (*harness, string) {
	t.Helper()
	h := connected(t)
	t.Cleanup(func() { h.m.StopTaps() })
	sock := h.m.explorer.address
	h.send(press("t"), nil)
	if h.m.screen != screenTraffic || h.m.traffic.phase != trafficAsking {
		t.Fatalf("t did not ask how to tap: screen %d, phase %d", h.m.screen, h.m.traffic.phase)
	}
	if view := ansi.Strip(h.m.View().Content); !strings.Contains(view, "proxy") || !strings.Contains(view, "interpose") {
		t.Fatalf("the question does not offer both modes:\n%s", view)
	}
	h.m.traffic.listenPath = filepath.Join(sampletest.ShortDir(t), "tap.sock")
	h.send(press(mode), func(m Model) bool { return m.traffic.phase != trafficStarting })
	if h.m.traffic.phase != trafficRunning {
		t.Fatalf("the tap did not start: %s", h.m.traffic.err)
	}
	return h, sock
}

// TestTrafficProxy taps the sample server as a proxy, makes a real call
// through it, opens the call both ways and its headers, saves it to a
// collection, and ends the tap with esc.
func TestTrafficProxy(t *testing.T) {
	h, sock := startTraffic(t, "p")
	listen := h.m.traffic.listen
	if listen == sock || h.m.traffic.upstream != sock {
		t.Fatalf("proxy mode listens on %s for %s", listen, h.m.traffic.upstream)
	}
	called := echoThrough(listen, "through the tap")
	h.send(nil, func(m Model) bool { return tappedCall(m, "sample.v1.Echo/Echo") != nil })
	if err := <-called; err != nil {
		t.Fatalf("Echo through the tap: %v", err)
	}
	view := ansi.Strip(h.m.View().Content)
	if !strings.Contains(view, "sample.v1.Echo/Echo OK") || !strings.Contains(view, "↑1 ↓1") || !strings.Contains(view, fmt.Sprintf("(pid %d)", os.Getpid())) {
		t.Errorf("the call is not listed with its status, counts and client:\n%s", view)
	}

	// The newest call is selected; it is the Echo, the tap's own schema
	// look-ups go on a connection of its own.
	for h.m.traffic.selected().method != "sample.v1.Echo/Echo" {
		h.send(press("j"), nil)
	}
	h.send(press("enter"), func(m Model) bool { return strings.Contains(trafficDocText(m), "← response 1") })
	text := trafficDocText(h.m)
	for _, want := range []string{"→ request 1", `"message": "through the tap"`, "← response 1", "OK after"} {
		if !strings.Contains(text, want) {
			t.Errorf("the call's document lacks %q:\n%s", want, text)
		}
	}
	if strings.Index(text, "→ request 1") > strings.Index(text, "← response 1") {
		t.Errorf("the request is not before the response:\n%s", text)
	}
	h.send(press("i"), func(m Model) bool { return strings.Contains(trafficDocText(m), "request metadata") })
	text = trafficDocText(h.m)
	if !strings.Contains(text, "x-trace: 42") || !strings.Contains(text, "authorization: (masked") || strings.Contains(text, "s3cret") {
		t.Errorf("the headers page shows the metadata wrongly:\n%s", text)
	}
	h.send(press("esc"), nil)
	if h.m.traffic.viewing || h.m.screen != screenTraffic {
		t.Fatal("esc did not go back to the list")
	}

	file := filepath.Join(sampletest.ShortDir(t), "c.yaml")
	h.m.traffic.collection = file
	h.send(press("w"), func(m Model) bool { return m.traffic.note != "" })
	if !strings.Contains(h.m.traffic.note, "saved Echo to") {
		t.Fatalf("w: %s", h.m.traffic.note)
	}
	f, err := collection.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := f.Find("Echo")
	if !ok || r.Method.Raw != "sample.v1.Echo/Echo" || len(r.Headers) != 2 || r.Headers[0].Value.Raw != "${AUTHORIZATION}" {
		t.Errorf("the saved request: %+v", r)
	}
	if b, _ := os.ReadFile(file); strings.Contains(string(b), "s3cret") || !strings.Contains(string(b), "through the tap") {
		t.Errorf("the collection:\n%s", b)
	}

	h.send(press("esc"), func(m Model) bool { return m.flash != "" || m.taps.empty() })
	if h.m.screen != screenExplorer {
		t.Errorf("esc went to screen %d, not back to the explorer", h.m.screen)
	}
	h.send(nil, func(m Model) bool { return m.taps.empty() })
	if _, err := os.Lstat(listen); err == nil {
		t.Error("the tap's socket is still there after esc")
	}
}

// TestTrafficLeftBeforeStart leaves the screen while the tap starts: the
// tap that starts afterwards is stopped and its socket removed.
func TestTrafficLeftBeforeStart(t *testing.T) {
	h := connected(t)
	t.Cleanup(func() { h.m.StopTaps() })
	h.send(press("t"), nil)
	listen := filepath.Join(sampletest.ShortDir(t), "tap.sock")
	h.m.traffic.listenPath = listen
	updated, start := h.m.Update(press("p"))
	h.m = updated.(Model)
	h.send(press("esc"), nil)
	if h.m.screen != screenExplorer {
		t.Fatalf("esc went to screen %d", h.m.screen)
	}
	h.send(start(), func(m Model) bool { return m.taps.empty() })
	if _, err := os.Lstat(listen); err == nil {
		t.Error("the tap that started after the user left is still listening")
	}
}

// TestTrafficLogBounded feeds more calls and messages than the screen
// keeps: the oldest finished calls and a call's oldest messages go.
func TestTrafficLogBounded(t *testing.T) {
	l := newTrafficLog()
	now := time.Now()
	running := tap.Event{Kind: tap.CallStart, Call: 1, Method: "a.B/Stream", Time: now}
	l.apply([]tap.Event{running})
	for i := 1; i <= 3*maxCallMessages; i++ {
		l.apply([]tap.Event{{Kind: tap.MessageSeen, Call: 1, Direction: tap.Response, Index: i, JSON: []byte(`{"n":1}`), Time: now}})
	}
	for id := uint64(2); id < 2+2*maxTrafficCalls; id++ {
		l.apply([]tap.Event{{Kind: tap.CallStart, Call: id, Method: "a.B/C", Time: now},
			{Kind: tap.CallEnd, Call: id, Method: "a.B/C", Time: now}})
	}
	if len(l.calls) > maxTrafficCalls {
		t.Errorf("%d calls held, more than %d", len(l.calls), maxTrafficCalls)
	}
	if l.calls[0].id != 1 {
		t.Error("the running call was dropped")
	}
	if c := l.calls[0]; len(c.msgs) > 2*maxCallMessages || c.dropped == 0 || c.responses != 3*maxCallMessages {
		t.Errorf("the stream holds %d messages, %d dropped, %d counted", len(c.msgs), c.dropped, c.responses)
	}
	total := 0
	for _, c := range l.calls {
		total += c.bytes
	}
	if total != l.bytes {
		t.Errorf("the log counts %d bytes, its calls hold %d", l.bytes, total)
	}
}

// TestTrafficResetRows: a call the client reset is not listed as a
// failure; one the server reset is.
func TestTrafficResetRows(t *testing.T) {
	m := New(Options{Address: "/nonexistent.sock"})
	updated, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	m = updated.(Model)
	l := newTrafficLog()
	now := time.Now()
	for id, note := range map[uint64]string{1: tap.NoteClientReset + " (CANCEL)", 2: tap.NoteServerReset + " (INTERNAL_ERROR)"} {
		l.apply([]tap.Event{{Kind: tap.CallStart, Call: id, Method: "a.B/C", Time: now},
			{Kind: tap.CallEnd, Call: id, Method: "a.B/C", Time: now, Note: note}})
	}
	client, server := ansi.Strip(m.traffic.row(l.byID[1], false)), ansi.Strip(m.traffic.row(l.byID[2], false))
	if !strings.Contains(client, "reset by the client") || strings.Contains(client, "✗") {
		t.Errorf("a client's reset is listed as %q", client)
	}
	if !strings.Contains(server, "✗") || !strings.Contains(server, "reset by the server") {
		t.Errorf("a server's reset is listed as %q", server)
	}
}

// TestTrafficEscapesPeers lists a call whose method and client hold
// terminal escapes, and opens it: nothing reaches the screen raw.
func TestTrafficEscapesPeers(t *testing.T) {
	m := New(Options{Address: "/nonexistent.sock"})
	updated, _ := m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m = updated.(Model)
	m.screen = screenTraffic
	m.traffic.begin("/evil\x1b]0;x\a.sock", screenExplorer)
	m.traffic.phase, m.traffic.id, m.traffic.events = trafficRunning, 7, make(chan tap.Event)
	evil := "\x1b[2J\x1b]52;c;aGk=\a"
	c := tap.Client{PID: 1, Command: "cmd" + evil}
	updated, _ = m.Update(tapEventsMsg{id: 7, open: true, events: []tap.Event{
		{Kind: tap.CallStart, Call: 1, Client: c, Method: "pkg.S/M" + evil, Metadata: metadata.Pairs("x-evil", evil)},
		{Kind: tap.MessageSeen, Call: 1, Direction: tap.Request, Index: 1, JSON: []byte(`{"s":"\u001b[2J"}`), Raw: ""},
		{Kind: tap.CallEnd, Call: 1, Client: c, Method: "pkg.S/M" + evil, Note: evil},
	}})
	m = updated.(Model)
	if view := m.View().Content; strings.ContainsAny(view, "\a") || strings.Contains(view, "\x1b]") || strings.Contains(view, "\x1b[2J") || !strings.Contains(ansi.Strip(view), "pkg.S/M") {
		t.Errorf("the list lets a peer's escapes through: %q", m.View().Content)
	}
	for _, info := range []bool{false, true} {
		msg := trafficDocCmd(1, *m.traffic.log.calls[0], info)().(trafficDocMsg)
		if strings.ContainsAny(msg.doc.text, "\x1b\a") {
			t.Errorf("the call's document (info %v) holds raw escapes: %q", info, msg.doc.text)
		}
	}
}

// TestTrafficFromSocketsRow: t on the sockets list taps the selected
// row's socket, and esc goes back to the list with the tap stopped.
func TestTrafficFromSocketsRow(t *testing.T) {
	sock := startSample(t)
	h := newHarness(t, New(Options{Scan: sockets.Options{Roots: []string{filepath.Dir(sock)}, NoDefaultRoots: true}}))
	t.Cleanup(func() { h.m.StopTaps() })
	h.send(tea.WindowSizeMsg{Width: 100, Height: 24}, nil)
	h.send(h.m.Init(), func(m Model) bool { return m.sockets.selectedAddress() == sock })
	h.send(press("t"), nil)
	if h.m.screen != screenTraffic || h.m.traffic.address != sock {
		t.Fatalf("t on the row of %s: screen %d, tapping %q", sock, h.m.screen, h.m.traffic.address)
	}
	h.m.traffic.listenPath = filepath.Join(sampletest.ShortDir(t), "tap.sock")
	h.send(press("p"), func(m Model) bool { return m.traffic.phase != trafficStarting })
	if h.m.traffic.phase != trafficRunning {
		t.Fatalf("the tap did not start: %s", h.m.traffic.err)
	}
	called := echoThrough(h.m.traffic.listen, "from the list")
	h.send(nil, func(m Model) bool { return tappedCall(m, "sample.v1.Echo/Echo") != nil })
	if err := <-called; err != nil {
		t.Fatal(err)
	}
	h.send(press("esc"), nil)
	if h.m.screen != screenSockets {
		t.Errorf("esc went to screen %d, not the sockets list", h.m.screen)
	}
	h.send(nil, func(m Model) bool { return m.taps.empty() })
}

// TestTrafficRunningCallReloads opens a stream while it runs: enter shows
// the messages that came since, and the title says it runs.
func TestTrafficRunningCallReloads(t *testing.T) {
	h, _ := startTraffic(t, "p")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conn, err := client.Dial(ctx, client.Target{Network: "unix", Address: h.m.traffic.listen}, client.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Long enough that it still runs when the test is done with it; the
	// test cancels it.
	stream, err := samplepb.NewEchoClient(conn).Count(ctx, &samplepb.CountRequest{Count: 100000, IntervalMs: 20})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			if _, err := stream.Recv(); err != nil {
				return
			}
		}
	}()
	count := func(m Model) *trafficCall {
		for _, c := range m.traffic.log.calls {
			if c.method == "sample.v1.Echo/Count" {
				return c
			}
		}
		return nil
	}
	h.send(nil, func(m Model) bool { c := count(m); return c != nil && c.responses >= 1 })
	for h.m.traffic.selected() != count(h.m) {
		h.send(press("j"), nil)
	}
	h.send(press("enter"), func(m Model) bool { return strings.Contains(trafficDocText(m), "← response 1 ") })
	if !strings.Contains(ansi.Strip(h.m.View().Content), "running: enter shows what came since") {
		t.Errorf("the title does not say the call runs:\n%s", ansi.Strip(h.m.View().Content))
	}
	shown := count(h.m).responses
	h.send(nil, func(m Model) bool { return count(m).responses > shown+1 })
	if count(h.m).done {
		t.Fatal("the stream ended before the test was done with it")
	}
	want := fmt.Sprintf("← response %d ", shown+1)
	if strings.Contains(trafficDocText(h.m), want) {
		t.Fatalf("the document already holds %q before enter", want)
	}
	h.send(press("enter"), func(m Model) bool { return strings.Contains(trafficDocText(m), want) })
}

// TestTrafficProxyPathOwn: the traffic screen's proxy mode listens on a
// path of the TUI's own, not on the default a scripted tap takes.
func TestTrafficProxyPathOwn(t *testing.T) {
	m := New(Options{Address: "/nonexistent.sock"})
	m.traffic.begin("/some.sock", screenExplorer)
	if path := m.traffic.listenPath; path == tap.DefaultListenPath() || filepath.Dir(path) != tap.DefaultDir() {
		t.Errorf("proxy mode listens on %q; want a path of its own in %s", path, tap.DefaultDir())
	}
}
