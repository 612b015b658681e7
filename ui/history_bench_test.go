package ui

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"sockscope/history"
)

// BenchmarkHistoryPageKey is one key typed into the ctrl+r filter and
// the frame after it, on a page holding a full history (the file keeps
// 10,000 calls) and, for comparison in the same run, a short one.
func BenchmarkHistoryPageKey(b *testing.B) {
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprintf("calls=%d", n), func(b *testing.B) {
			entries := make([]history.Entry, n)
			for i := range entries {
				entries[i] = history.Entry{ID: int64(n - i), Time: time.Now(), Address: "/run/app/api.sock",
					Method: fmt.Sprintf("pkg.v1.Service/Method%d", i%40), Code: "OK", DurationMS: 1.5,
					Requests: []json.RawMessage{json.RawMessage(fmt.Sprintf(`{"id":%d,"name":"item %d"}`, i, i))}}
			}
			p := newHistoryPage(newCommon())
			p.SetSize(120, 40)
			p.shown = true
			p, _ = p.Update(historyLoadedMsg{entries: entries})
			keys := []string{"m", "e", "t", "h", "o", "d", "1"}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%len(keys) == 0 {
					p.filter.SetValue("")
				}
				p, _ = p.handleKey(press(keys[i%len(keys)]))
				_ = p.View()
			}
		})
	}
}
