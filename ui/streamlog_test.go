package ui

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"sockscope/sample/samplepb"
)

func TestStreamLogKeepsNewest(t *testing.T) {
	l := newStreamLog(3)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= 7; i++ {
		l.add(base.Add(time.Duration(i)*time.Millisecond), fmt.Sprintf(`{"n":%d}`, i))
	}
	if l.total != 7 || l.len() != 3 {
		t.Fatalf("total %d held %d, want 7 and 3", l.total, l.len())
	}
	for i, want := range []int64{5, 6, 7} {
		if e := l.at(i); e.index != want || e.text != fmt.Sprintf(`{"n":%d}`, want) {
			t.Errorf("at(%d) = #%d %s, want #%d", i, e.index, e.text, want)
		}
	}
}

// TestStreamLogRate: the rate is what came in the second up to the
// moment asked (its tenths, the current one and the nine before), by the
// clock, both ways: it follows the call, slowing down as soon as it does.
func TestStreamLogRate(t *testing.T) {
	l := newStreamLog(100)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var received, sent []time.Duration
	for at := time.Duration(0); at < 2*time.Second; at += 40 * time.Millisecond {
		received = append(received, at) // 25 a second for two seconds
	}
	for at := time.Second; at < 2*time.Second; at += 100 * time.Millisecond {
		sent = append(sent, at) // 10 a second in the second second
	}
	for _, c := range []struct {
		at         time.Duration
		recv, sent int
	}{
		{500 * time.Millisecond, 13, 0}, // younger than a second: what came so far
		{1950 * time.Millisecond, 24, 10},
		{2500 * time.Millisecond, 10, 4}, // stopped at 2s: half a second later, half the rate
		{5 * time.Second, 0, 0},
	} {
		for len(received) > 0 && received[0] <= c.at {
			l.add(base.Add(received[0]), "{}")
			received = received[1:]
		}
		for len(sent) > 0 && sent[0] <= c.at {
			l.addSent(base.Add(sent[0]), "{}")
			sent = sent[1:]
		}
		if r := l.rate(base.Add(c.at)); r != c.recv {
			t.Errorf("received rate at %v = %d, want %d", c.at, r, c.recv)
		}
		if r := l.sendRate(base.Add(c.at)); r != c.sent {
			t.Errorf("sent rate at %v = %d, want %d", c.at, r, c.sent)
		}
	}
}

// countMethod is sample.v1.Echo/Count, a server stream.
var countMethod = samplepb.File_sample_v1_echo_proto.Services().ByName("Echo").Methods().ByName("Count")

func streamingPane(n int) responsePane {
	p := newResponsePane(newCommon())
	p.SetSize(118, 38)
	c := newCallEntry(1, countMethod, 0, time.Now())
	p.show(c)
	at := time.Now()
	for i := 1; i <= n; i++ {
		c.apply(callEvent{reply: &reply{at: at, text: fmt.Sprintf(`{"n":%d}`, i)}})
	}
	return p
}

func TestResponsePaneFollowsAndScrolls(t *testing.T) {
	p := streamingPane(25000)
	view := ansi.Strip(p.View())
	if !strings.Contains(view, `#25000 `) || !strings.Contains(view, "25000 msgs") {
		t.Fatalf("following pane does not show the newest message:\n%s", view)
	}
	p, _ = p.Update(tea.KeyPressMsg{Code: 'k', Text: "k"})
	view = ansi.Strip(p.View())
	if strings.Contains(view, "#25000 ") || !strings.Contains(view, "paused") {
		t.Errorf("after scrolling up the pane still follows:\n%s", view)
	}
	p, _ = p.Update(tea.KeyPressMsg{Code: 'G', Text: "G"})
	if view = ansi.Strip(p.View()); !strings.Contains(view, "#25000 ") {
		t.Errorf("G did not return to the tail:\n%s", view)
	}
	if p.call.log.len() != defaultStreamKeep {
		t.Errorf("pane holds %d messages, want the newest %d", p.call.log.len(), defaultStreamKeep)
	}
}

// BenchmarkResponseView measures Update+View of a streaming response at
// 120x40 for growing histories: the cost must not grow with the history.
func BenchmarkResponseView(b *testing.B) {
	for _, n := range []int{1000, 100000, 1000000} {
		b.Run(fmt.Sprintf("history=%d", n), func(b *testing.B) {
			p := streamingPane(n)
			at := time.Now()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p.call.apply(callEvent{reply: &reply{at: at, text: `{"n":1}`}})
				p, _ = p.Update(tea.KeyPressMsg{Code: 'j', Text: "j"})
				_ = p.View()
			}
			b.StopTimer()
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MiB")
		})
	}
}

// TestRateFollowsWhilePaused: a stream list scrolled up (paused) keeps
// counting: the status and the calls list give the rate of what arrived
// since, not what it was when the view stopped following.
func TestRateFollowsWhilePaused(t *testing.T) {
	p := streamingPane(0)
	c := p.call
	calls := newCallsPane(newCommon())
	calls.SetSize(40, 5)
	calls.setCalls([]*callEntry{c})
	p, _ = p.Update(tea.KeyPressMsg{Code: 'k', Text: "k"})
	start := time.Now()
	for i := 0; i < 40; i++ {
		c.apply(callEvent{reply: &reply{at: start, text: `{"n":1}`}})
	}
	now := time.Now()
	if status := ansi.Strip(p.statusLine(now)); !strings.Contains(status, "40 msgs · 40/s") {
		t.Errorf("the status of a paused stream: %s", status)
	}
	if row := ansi.Strip(calls.row(c, true, now)); !strings.Contains(row, "↓40") || !strings.Contains(row, "40/s") {
		t.Errorf("the calls row of a paused stream: %s", row)
	}
	if status := ansi.Strip(p.statusLine(now.Add(5 * time.Second))); !strings.Contains(status, " 0/s") {
		t.Errorf("the rate of a stream gone quiet stays: %s", status)
	}
}

// TestCallsRowDropsRateFirst: a running stream's row too narrow for its
// rate keeps its running time.
func TestCallsRowDropsRateFirst(t *testing.T) {
	p := streamingPane(300)
	calls := newCallsPane(newCommon())
	calls.SetSize(minStateWidth, 5)
	c := p.call
	c.started = time.Now().Add(-75 * time.Second)
	row := ansi.Strip(calls.row(c, false, time.Now()))
	if !strings.Contains(row, "Echo/Count ↑0 ↓300 1m15s") || strings.Contains(row, "/s") {
		t.Errorf("a narrow row: %q", row)
	}
}
