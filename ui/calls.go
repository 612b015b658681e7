package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"google.golang.org/grpc/codes"
)

// maxFinishedCalls is how many finished calls a socket's list keeps; the
// running ones are never dropped.
const maxFinishedCalls = 50

// minStateWidth is how wide the calls pane must be to show each call's
// state and time beside its counts.
const minStateWidth = 30

// callsPane lists the calls sent on the socket, newest first: the method,
// its state, how long it ran and the messages each way. The selected one
// is what the response pane shows; every call keeps running whatever is
// selected, until it ends, is cancelled or the program quits.
type callsPane struct {
	common
	calls   []*callEntry // the socket's, oldest first
	cursor  int          // index into calls
	offset  int          // rows scrolled past at the top (newest first)
	focused bool
	rev     uint64
}

func newCallsPane(c common) callsPane { return callsPane{common: c, rev: nextRev()} }

func (p *callsPane) touch() { p.rev = nextRev() }

func (p *callsPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.touch()
}

// setCalls shows a socket's calls, the newest selected.
func (p *callsPane) setCalls(calls []*callEntry) {
	p.calls, p.cursor, p.offset = calls, len(calls)-1, 0
	p.touch()
}

// selected is the call under the cursor, nil when there is none.
func (p callsPane) selected() *callEntry {
	if p.cursor < 0 || p.cursor >= len(p.calls) {
		return nil
	}
	return p.calls[p.cursor]
}

// selectCall puts the cursor on c, when the list has it.
func (p *callsPane) selectCall(c *callEntry) {
	for i, e := range p.calls {
		if e == c {
			p.cursor = i
		}
	}
	p.clampOffset()
	p.touch()
}

func (p callsPane) rows() int { return max(1, p.height-1) }

// clampOffset keeps the cursor's row on screen; rows go newest first.
func (p *callsPane) clampOffset() {
	row := len(p.calls) - 1 - p.cursor
	if row < p.offset {
		p.offset = row
	}
	if row >= p.offset+p.rows() {
		p.offset = row - p.rows() + 1
	}
	p.offset = max(0, min(p.offset, len(p.calls)-p.rows()))
}

func (p callsPane) Update(msg tea.Msg) (callsPane, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || len(p.calls) == 0 {
		return p, nil
	}
	p.touch()
	switch {
	case key.Matches(k, p.keys.Up):
		p.cursor = min(len(p.calls)-1, p.cursor+1)
	case key.Matches(k, p.keys.Down):
		p.cursor = max(0, p.cursor-1)
	case key.Matches(k, p.keys.Top):
		p.cursor = len(p.calls) - 1
	case key.Matches(k, p.keys.Bottom):
		p.cursor = 0
	}
	p.clampOffset()
	return p, nil
}

func (p callsPane) View() string {
	var b strings.Builder
	running := 0
	for _, c := range p.calls {
		if c.running {
			running++
		}
	}
	title := "Calls"
	if running > 0 {
		title = fmt.Sprintf("Calls (%d running)", running)
	}
	b.WriteString(paneTitle(p.styles, title, p.width, p.focused))
	if len(p.calls) == 0 {
		b.WriteString("\n" + p.styles.Dim.Render(truncate("none yet: ctrl+s sends", p.width)))
	}
	now := time.Now()
	for row := p.offset; row < min(len(p.calls), p.offset+p.rows()); row++ {
		i := len(p.calls) - 1 - row
		b.WriteString("\n" + p.row(p.calls[i], i == p.cursor, now))
	}
	return b.String()
}

// row is one call: a mark for its state (● running, ✓ OK, ✗ failed),
// the method, how it ended and how long it ran, and the messages sent (↑)
// and received (↓).
func (p callsPane) row(c *callEntry, selected bool, now time.Time) string {
	name := safeName(c.name[strings.LastIndexByte(c.name, '.')+1:])
	var mark, state, rate string
	var look = p.styles.Dim
	switch {
	case c.running:
		mark, look = "●", p.styles.Warning
		state = now.Sub(c.started).Round(100 * time.Millisecond).String()
		if c.streaming {
			rate = " " + c.rateText(now)
		}
	case c.failure != "":
		mark, look, state = "✗", p.styles.Error, "not sent"
	case c.code == codes.OK:
		mark, look, state = "✓", p.styles.StatusOK, shortDuration(c.elapsed)
	default:
		mark, look = "✗", p.styles.Error
		state = c.code.String() + " " + shortDuration(c.elapsed)
	}
	cursor := "  "
	if selected {
		cursor = p.styles.Selected.Render("▸ ")
	}
	// The state goes last, and only in a pane wide enough for any: the
	// mark says it already, and a row must not change its cut with a
	// millisecond more. A running stream's rate is the first to go when
	// room is short.
	text := name + fmt.Sprintf(" ↑%d ↓%d", c.sent, c.received)
	room := p.width - 4
	switch {
	case p.width < minStateWidth:
		text = truncate(text, max(1, room))
	case ansi.StringWidth(text+" "+state+rate) <= room:
		text += " " + state + rate
	case ansi.StringWidth(text+" "+state) <= room:
		text += " " + state
	default:
		text = truncate(text, max(1, room))
	}
	return cursor + look.Render(mark) + " " + text
}

func (p callsPane) help() bindings {
	short := []key.Binding{p.keys.Move, p.keys.Select, p.keys.Back, p.keys.CancelAll}
	return bindings{short: short, full: [][]key.Binding{{p.keys.Up, p.keys.Down, p.keys.Top, p.keys.Bottom,
		p.keys.Select, p.keys.Back, p.keys.CancelAll, p.keys.ClearCalls}}}
}

// trimFinished drops the oldest finished calls beyond maxFinishedCalls and
// returns the calls kept and those dropped.
func trimFinished(calls []*callEntry) (kept, dropped []*callEntry) {
	finished := 0
	for _, c := range calls {
		if !c.running {
			finished++
		}
	}
	for _, c := range calls {
		if !c.running && finished > maxFinishedCalls {
			finished--
			dropped = append(dropped, c)
			continue
		}
		kept = append(kept, c)
	}
	return kept, dropped
}

// shortDuration is d to two or three digits: 400µs, 12ms, 1.5s.
func shortDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// rateText is how fast a running stream goes, in the second up to now:
// messages received a second, and sent too on a client or bidi stream.
func (c *callEntry) rateText(now time.Time) string {
	if c.method.IsStreamingClient() {
		return fmt.Sprintf("↑%d/s ↓%d/s", c.log.sendRate(now), c.log.rate(now))
	}
	return fmt.Sprintf("%d/s", c.log.rate(now))
}
