package ui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"sockscope/tap"
)

// BenchmarkTrafficFrame is one frame of the traffic screen and one batch
// of events, with a screenful of calls held and with as many as it keeps:
// the cost should not grow with the calls held.
func BenchmarkTrafficFrame(b *testing.B) {
	for _, held := range []int{40, maxTrafficCalls} {
		b.Run(fmt.Sprintf("calls=%d", held), func(b *testing.B) {
			m := New(Options{Address: "/nonexistent.sock"})
			updated, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
			m = updated.(Model)
			m.screen = screenTraffic
			m.traffic.begin("/x.sock", screenExplorer)
			m.traffic.phase, m.traffic.id, m.traffic.events = trafficRunning, 1, make(chan tap.Event)
			now := time.Now()
			call := func(id uint64) []tap.Event {
				return []tap.Event{
					{Kind: tap.CallStart, Call: id, Method: "sample.v1.Echo/Echo", Time: now},
					{Kind: tap.MessageSeen, Call: id, Direction: tap.Request, Index: 1, JSON: []byte(`{"message":"hi"}`), Time: now},
					{Kind: tap.MessageSeen, Call: id, Direction: tap.Response, Index: 1, JSON: []byte(`{"message":"hi"}`), Time: now},
					{Kind: tap.CallEnd, Call: id, Method: "sample.v1.Echo/Echo", Time: now, Status: &tap.Status{}, Requests: 1, Responses: 1},
				}
			}
			// A stream runs, newest, while the rest have ended; each batch
			// is one more of its messages.
			events := []tap.Event{{Kind: tap.CallStart, Call: 1, Method: "sample.v1.Echo/Count", Time: now}}
			for id := uint64(2); id <= uint64(held); id++ {
				events = append(events, call(id)...)
			}
			updated, _ = m.Update(tapEventsMsg{id: 1, open: true, events: events})
			m = updated.(Model)
			index := 1
			b.ResetTimer()
			for b.Loop() {
				updated, _ = m.Update(tapEventsMsg{id: 1, open: true, events: []tap.Event{{Kind: tap.MessageSeen, Call: 1,
					Direction: tap.Response, Index: index, JSON: []byte(`{"n":1}`), Time: now}}})
				m = updated.(Model)
				index++
				_ = m.View()
			}
			if len(m.traffic.log.calls) != held {
				b.Fatalf("%d calls held, want %d", len(m.traffic.log.calls), held)
			}
		})
	}
}
