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

func TestStreamLogRate(t *testing.T) {
	l := newStreamLog(100)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 50; i++ { // 50 in the first second
		l.add(base.Add(time.Duration(i)*20*time.Millisecond), "{}")
	}
	if r := l.rate(base.Add(500 * time.Millisecond)); r != 50 {
		t.Errorf("rate during the first second = %d, want 50", r)
	}
	l.add(base.Add(1100*time.Millisecond), "{}")
	if r := l.rate(base.Add(1200 * time.Millisecond)); r != 50 {
		t.Errorf("rate after one full second = %d, want 50", r)
	}
	if r := l.rate(base.Add(5 * time.Second)); r != 0 {
		t.Errorf("rate long after the last message = %d, want 0", r)
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
