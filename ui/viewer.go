package ui

import (
	"sync/atomic"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// viewer shows a document, scrolled by lines and sideways or wrapped to
// the pane, and searched with / (matches highlighted, n and N to move
// between them, the count shown). A frame draws only the rows on screen
// and a long line only from its nearest mark, so neither a frame nor a
// key costs more for a larger document; searching runs off the loop.
type viewer struct {
	common
	doc     *document
	top     int // the first line shown
	topRune int // with wrap, where in line top the first row starts
	left    int // without wrap, the first rune shown of each line
	wrap    bool

	input     textinput.Model
	searching bool // the search input has the keyboard
	found     searchResult
	current   int    // index into found.matches; -1 for none
	searchID  uint64 // the search awaited or shown
	// stopSearch ends the search under way when the next one starts.
	stopSearch *atomic.Bool
}

// searchResult is where a query occurs in a document: the first
// maxMatches offsets, and how many there are in all.
type searchResult struct {
	query   string
	matches []int
	total   int
}

func newViewer(c common) viewer {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = "find text"
	in.SetStyles(c.styles.TextInput)
	return viewer{common: c, input: in, current: -1}
}

// setDocument shows d from its top; a query in force is searched for
// again in it.
func (v *viewer) setDocument(d *document) tea.Cmd {
	v.doc = d
	v.top, v.topRune, v.left = 0, 0, 0
	v.current = -1
	v.found.matches, v.found.total = nil, 0
	return v.startSearch()
}

// SetSize gives the viewer w×h cells, its footer line included.
func (v *viewer) SetSize(w, h int) {
	v.width, v.height = w, h
	v.input.SetWidth(max(1, w-4))
	v.clamp()
}

// rows is how many lines of the document are on screen: all the height
// but the footer, which shows only when it has something to say.
func (v viewer) rows() int {
	if v.footerShown() {
		return max(1, v.height-1)
	}
	return max(1, v.height)
}

// footerShown says the document does not fit as it is, or a search is on.
func (v viewer) footerShown() bool {
	return v.searching || v.found.query != "" || v.left > 0 || v.wrap ||
		v.doc != nil && v.doc.lines() > v.height
}

// typing says whether keys are text for the search input.
func (v viewer) typing() bool { return v.searching }

// wantsBack says esc has something to take back here: the search.
func (v viewer) wantsBack() bool { return v.searching || v.found.query != "" }

func (v *viewer) startSearch() tea.Cmd {
	if v.stopSearch != nil {
		v.stopSearch.Store(true)
	}
	v.searchID = nextRev()
	query := v.input.Value()
	if query == "" || v.doc == nil {
		// The current match goes with the matches: an emptied query
		// (backspace, ctrl+u) leaves none to point into.
		v.found, v.current = searchResult{}, -1
		return nil
	}
	v.stopSearch = &atomic.Bool{}
	return searchCmd(v.searchID, v.doc, query, v.stopSearch)
}

func (v viewer) Update(msg tea.Msg) (viewer, tea.Cmd) {
	switch msg := msg.(type) {
	case searchDoneMsg:
		if msg.id == v.searchID {
			v.found = msg.result
			v.current = -1
			if len(v.found.matches) > 0 {
				v.current = v.firstMatchFromTop()
				v.reveal(v.found.matches[v.current])
			}
		}
		return v, nil
	case tea.KeyPressMsg:
		if v.searching {
			return v.typeSearch(msg)
		}
		v = v.handleKey(msg)
		if v.searching {
			return v, v.input.Focus()
		}
		return v, nil
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			v.scroll(-3)
		case tea.MouseWheelDown:
			v.scroll(3)
		}
		return v, nil
	}
	if v.searching {
		var cmd tea.Cmd
		v.input, cmd = v.input.Update(msg)
		return v, cmd
	}
	return v, nil
}

func (v viewer) typeSearch(msg tea.KeyPressMsg) (viewer, tea.Cmd) {
	switch {
	case key.Matches(msg, v.keys.Select):
		v.searching = false
		v.input.Blur()
		return v, nil
	case key.Matches(msg, v.keys.Back):
		v.clearSearch()
		return v, nil
	}
	before := v.input.Value()
	var cmd tea.Cmd
	v.input, cmd = v.input.Update(msg)
	if v.input.Value() != before {
		cmd = tea.Batch(cmd, v.startSearch())
	}
	return v, cmd
}

func (v *viewer) clearSearch() {
	v.searching = false
	v.input.Blur()
	v.input.SetValue("")
	v.current = -1
	v.startSearch()
}

// back takes the search away; the caller asks wantsBack first.
func (v *viewer) back() { v.clearSearch() }

func (v viewer) handleKey(msg tea.KeyPressMsg) viewer {
	if v.doc == nil {
		return v
	}
	switch {
	case key.Matches(msg, v.keys.Up):
		v.scroll(-1)
	case key.Matches(msg, v.keys.Down):
		v.scroll(1)
	case key.Matches(msg, v.keys.PageUp):
		v.scroll(-v.rows())
	case key.Matches(msg, v.keys.PgDn):
		v.scroll(v.rows())
	case key.Matches(msg, v.keys.Top):
		v.top, v.topRune = 0, 0
	case key.Matches(msg, v.keys.Bottom):
		v.top, v.topRune = v.doc.lines(), 0
		v.clamp()
	case key.Matches(msg, v.keys.Left) && !v.wrap:
		v.left = max(0, v.left-max(8, v.width/4))
	case key.Matches(msg, v.keys.Right) && !v.wrap:
		v.left += max(8, v.width/4)
		v.clampLeft()
	case key.Matches(msg, v.keys.Wrap):
		v.wrap = !v.wrap
		v.topRune, v.left = 0, 0
		v.clamp()
	case key.Matches(msg, v.keys.Filter):
		v.searching = true
	case key.Matches(msg, v.keys.NextMatch) && len(v.found.matches) > 0:
		v.current = (v.current + 1) % len(v.found.matches)
		v.reveal(v.found.matches[v.current])
	case key.Matches(msg, v.keys.PrevMatch) && len(v.found.matches) > 0:
		v.current = (v.current - 1 + len(v.found.matches)) % len(v.found.matches)
		v.reveal(v.found.matches[v.current])
	}
	return v
}

// scroll moves the view n rows down (up when negative).
func (v *viewer) scroll(n int) {
	if v.doc == nil {
		return
	}
	if !v.wrap {
		v.top += n
		v.clamp()
		return
	}
	w := max(1, v.width)
	for ; n > 0; n-- {
		if next := v.topRune + max(1, v.doc.fit(v.top, v.topRune, w)); next < v.doc.runes(v.top) {
			v.topRune = next
		} else if v.top+1 < v.doc.lines() {
			v.top, v.topRune = v.top+1, 0
		}
	}
	for ; n < 0; n++ {
		if v.topRune > 0 {
			v.topRune = v.rowHolding(v.top, v.topRune-1)
		} else if v.top > 0 {
			v.top--
			v.topRune = v.rowStart(v.top, v.wrappedRows(v.top)-1)
		}
	}
	v.clamp()
}

// Wrapped rows hold as many runes as fit in the width's cells, so a row
// of CJK or emoji holds half as many as one of ASCII. A line short enough
// to walk (one without marks) has its rows found exactly; the rows of a
// long line are estimated from its length in runes, so that no key costs
// more with the size of the reply. Drawing always follows fit, so no
// text is skipped either way.

// wrappedRows is how many rows line takes, wrapped.
func (v viewer) wrappedRows(line int) int {
	w := max(1, v.width)
	if v.doc.long[line] != nil {
		return max(1, (v.doc.runes(line)+w-1)/w)
	}
	starts, _ := v.doc.rowStarts(line, w, -1)
	return len(starts)
}

// rowStart is the rune at which row k of line begins, wrapped.
func (v viewer) rowStart(line, k int) int {
	w := max(1, v.width)
	if v.doc.long[line] != nil || k <= 0 {
		return max(0, k) * w
	}
	starts, _ := v.doc.rowStarts(line, w, k+1)
	return starts[min(k, len(starts)-1)]
}

// rowHolding is where the wrapped row holding rune r of line begins.
func (v viewer) rowHolding(line, r int) int {
	w := max(1, v.width)
	if v.doc.long[line] != nil {
		return r / w * w
	}
	starts, _ := v.doc.rowStarts(line, w, -1)
	at := 0
	for _, s := range starts {
		if s <= r {
			at = s
		}
	}
	return at
}

// clamp keeps the last screenful full: the view never scrolls past the
// end of the document.
func (v *viewer) clamp() {
	if v.doc == nil {
		return
	}
	rows := v.rows()
	if !v.wrap {
		v.top = max(0, min(v.top, v.doc.lines()-rows))
		return
	}
	// The last top that still fills the screen, found from the end.
	lastTop, lastRune, filled := v.doc.lines()-1, 0, 0
	for lastTop >= 0 {
		r := v.wrappedRows(lastTop)
		if filled+r >= rows {
			lastRune = v.rowStart(lastTop, r-(rows-filled))
			break
		}
		filled += r
		lastTop--
	}
	if lastTop < 0 {
		v.top, v.topRune = 0, 0
		return
	}
	if v.top > lastTop || v.top == lastTop && v.topRune > lastRune {
		v.top, v.topRune = lastTop, lastRune
	}
}

// clampLeft stops sideways scrolling where the longest line on screen ends.
func (v *viewer) clampLeft() {
	longest := 0
	for i := v.top; i < min(v.doc.lines(), v.top+v.rows()); i++ {
		longest = max(longest, v.doc.runes(i))
	}
	v.left = max(0, min(v.left, longest-v.width/2))
}

// reveal scrolls to the match at byte offset off.
func (v *viewer) reveal(off int) {
	line, col := v.doc.runeAt(off)
	if v.wrap {
		v.top, v.topRune = line, v.rowHolding(line, col)
		v.clamp()
		return
	}
	if line < v.top || line >= v.top+v.rows() {
		v.top = line - v.rows()/3
		v.clamp()
	}
	if col < v.left || col >= v.left+v.width-len(v.found.query)-cutMarkWidth {
		v.left = max(0, col-v.width/4)
	}
}

// firstMatchFromTop is the first match at or below the top of the view.
func (v viewer) firstMatchFromTop() int {
	start := int(v.doc.starts[min(v.top, v.doc.lines()-1)])
	for i, m := range v.found.matches {
		if m >= start {
			return i
		}
	}
	return 0
}

func (v viewer) help() []key.Binding {
	return []key.Binding{v.keys.Up, v.keys.Down, v.keys.PageUp, v.keys.PgDn, v.keys.Top, v.keys.Bottom,
		v.keys.Left, v.keys.Right, v.keys.Wrap, v.keys.Find, v.keys.NextMatch, v.keys.PrevMatch}
}
