package ui

import (
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// listFilter is which of a stream's messages the list shows, and how:
// those holding text (as the row shows them), through a jq program.
type listFilter struct {
	id   uint64 // tells results for this filter from older ones
	text string
	jq   *jqProgram
}

func (f listFilter) active() bool { return f.text != "" || f.jq != nil }

// shownMsg is a message the filter keeps, as the list shows it.
type shownMsg struct {
	index int64
	out   string // jq's outputs, space-separated; "" without jq
	err   string // why jq failed on this message
}

// listState is how the response pane lists one call's messages: which is
// selected (or the newest, followed as they come), and what the filter
// keeps, worked out off the update loop as messages arrive.
type listState struct {
	follow bool
	cursor int64 // the selected message's index, when not following
	top    int64 // the first row's index, when not following
	filter listFilter
	shown  []shownMsg
	upTo   int64 // the last index the filter has been applied to
	busy   bool  // a filterCmd is under way
}

// filterEvalMsg answers filterCmd with what the filter keeps of the
// messages up to upTo.
type filterEvalMsg struct {
	callID   int
	filterID uint64
	shown    []shownMsg
	upTo     int64
}

// filterCmd applies f to entries off the update loop.
func filterCmd(callID int, f listFilter, entries []streamEntry) tea.Cmd {
	return func() tea.Msg {
		var shown []shownMsg
		for _, e := range entries {
			s := shownMsg{index: e.index}
			text := e.text
			if f.jq != nil {
				outs, err := f.jq.run(e.text)
				if err != nil {
					s.err = err.Error()
				} else if len(outs) == 0 {
					continue
				}
				s.out = strings.Join(outs, " ")
				text = s.out + " " + s.err
			}
			if f.text != "" && !containsText(text, f.text) {
				continue
			}
			shown = append(shown, s)
		}
		upTo := int64(0)
		if len(entries) > 0 {
			upTo = entries[len(entries)-1].index
		}
		return filterEvalMsg{callID: callID, filterID: f.id, shown: shown, upTo: upTo}
	}
}

// setFilter shows the call's messages through f from now on.
func (c *callEntry) setFilter(f listFilter) tea.Cmd {
	f.id = nextRev()
	c.list.filter, c.list.shown, c.list.upTo, c.list.busy = f, nil, 0, false
	c.rev = nextRev()
	return c.filterMore()
}

// filterMore starts applying the filter to the messages it has not seen,
// one command at a time.
func (c *callEntry) filterMore() tea.Cmd {
	s := &c.list
	if !s.filter.active() || s.busy || s.upTo >= c.log.total {
		return nil
	}
	s.busy = true
	return filterCmd(c.id, s.filter, c.log.since(s.upTo+1))
}

// filtered takes what the filter kept, forgetting messages the log has
// dropped since.
func (c *callEntry) filtered(msg filterEvalMsg) tea.Cmd {
	s := &c.list
	if msg.filterID != s.filter.id {
		return nil
	}
	s.busy = false
	s.shown = append(s.shown, msg.shown...)
	if cut := s.firstHeld(c.log); cut > len(s.shown)/2 {
		s.shown = append([]shownMsg(nil), s.shown[cut:]...)
	}
	s.upTo = max(s.upTo, msg.upTo)
	c.rev = nextRev()
	return c.filterMore()
}

// firstHeld is the first of shown whose message the log still holds.
func (s *listState) firstHeld(l *streamLog) int {
	first := l.first()
	return sort.Search(len(s.shown), func(i int) bool { return s.shown[i].index >= first })
}

// count is how many rows the list has.
func (s *listState) count(l *streamLog) int {
	if !s.filter.active() {
		return l.len()
	}
	return len(s.shown) - s.firstHeld(l)
}

// item is row p: the message and, under a filter, how it shows.
func (s *listState) item(l *streamLog, p int) (streamEntry, shownMsg) {
	if !s.filter.active() {
		e := l.at(p)
		return e, shownMsg{index: e.index}
	}
	m := s.shown[s.firstHeld(l)+p]
	e, _ := l.byIndex(m.index)
	return e, m
}

// posOf is the row of the message logged as index, or of the first after
// it that the list has.
func (s *listState) posOf(l *streamLog, index int64) int {
	n := s.count(l)
	if !s.filter.active() {
		return max(0, min(int(index-l.first()), n-1))
	}
	base := s.firstHeld(l)
	p := sort.Search(n, func(i int) bool { return s.shown[base+i].index >= index })
	return max(0, min(p, n-1))
}

// window is the rows on screen: the first, the selected one, and how
// many rows there are.
func (s *listState) window(l *streamLog, h int) (top, cur, n int) {
	n = s.count(l)
	if s.follow {
		return max(0, n-h), n - 1, n
	}
	cur, top = s.posOf(l, s.cursor), s.posOf(l, s.top)
	if cur < top {
		top = cur
	}
	if cur >= top+h {
		top = cur - h + 1
	}
	return max(0, min(top, n-h)), cur, n
}

// move moves the selection delta rows; leaving the tail steps the view
// up with it, so the newest row goes out of sight as following stops.
func (s *listState) move(l *streamLog, delta, h int) {
	top, cur, n := s.window(l, h)
	if n == 0 {
		return
	}
	if s.follow && delta < 0 {
		s.follow = false
		cur = max(0, n-1+delta)
		top = max(0, cur-h+1)
	} else {
		s.follow = false
		cur = max(0, min(cur+delta, n-1))
		if cur < top {
			top = cur
		}
		if cur >= top+h {
			top = cur - h + 1
		}
	}
	s.setWindow(l, top, cur)
}

func (s *listState) setWindow(l *streamLog, top, cur int) {
	e, _ := s.item(l, cur)
	s.cursor = e.index
	e, _ = s.item(l, top)
	s.top = e.index
}

// goTop selects the first row; goBottom follows the newest again.
func (s *listState) goTop(l *streamLog) {
	if s.count(l) == 0 {
		return
	}
	s.follow = false
	s.setWindow(l, 0, 0)
}

func (s *listState) goBottom() { s.follow = true }

// selected is the message under the cursor.
func (s *listState) selected(l *streamLog, h int) (streamEntry, shownMsg, bool) {
	_, cur, n := s.window(l, h)
	if n == 0 {
		return streamEntry{}, shownMsg{}, false
	}
	e, m := s.item(l, cur)
	return e, m, true
}

// step selects the row next to the message logged as index, for ] and [.
func (s *listState) step(l *streamLog, index int64, delta, h int) (streamEntry, shownMsg, bool) {
	n := s.count(l)
	if n == 0 {
		return streamEntry{}, shownMsg{}, false
	}
	p := s.posOf(l, index) + delta
	if p < 0 || p >= n {
		return streamEntry{}, shownMsg{}, false
	}
	s.follow = false
	top, _, _ := s.window(l, h)
	if p < top {
		top = p
	}
	if p >= top+h {
		top = p - h + 1
	}
	s.setWindow(l, top, p)
	e, m := s.item(l, p)
	return e, m, true
}
