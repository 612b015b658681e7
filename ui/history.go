package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"sockscope/history"
	"sockscope/internal/safetext"
)

// rememberTab is what the ctrl+r page lists: the calls made, or the
// requests saved in the collection.
type rememberTab int

const (
	tabHistory rememberTab = iota
	tabCollection
)

// historyPage is the ctrl+r page: the history of the open socket (of
// every socket, opened from the sockets list), newest first, and the
// collection's requests for it, both filtered as the user types. Enter
// loads the one selected into its method's editor; nothing is sent.
type historyPage struct {
	common
	shown   bool
	tab     rememberTab
	address string // the socket whose calls are listed; "" for every socket
	path    string // the collection file
	filter  textinput.Model

	// loadID tells the answers of this opening from those of an earlier one.
	loadID int

	historyLoading bool
	historyErr     error
	skipped        int
	index          *history.Index
	calls          []history.Entry // the filter's matches, newest first

	collectionLoading bool
	collectionErr     error
	collectionMissing bool
	requests          []collectionItem
	matches           []collectionItem

	cursor, offset int
}

// historyLoadedMsg answers loadHistoryCmd.
type historyLoadedMsg struct {
	loadID  int
	entries []history.Entry
	skipped int
	err     error
}

func newHistoryPage(c common) historyPage {
	f := textinput.New()
	f.Prompt = "filter: "
	f.Placeholder = "words in the method, address, status or request"
	f.SetStyles(c.styles.TextInput)
	return historyPage{common: c, filter: f}
}

// open shows the page for address ("" for every socket) and reads the
// history and the collection off the loop.
func (p *historyPage) open(store *history.Store, address, path string) tea.Cmd {
	p.shown, p.address, p.path, p.tab = true, address, path, tabHistory
	p.filter.SetValue("")
	p.loadID++
	p.cursor, p.offset = 0, 0
	p.index, p.calls, p.historyErr, p.skipped = nil, nil, nil, 0
	p.requests, p.matches, p.collectionErr, p.collectionMissing = nil, nil, nil, false
	p.historyLoading, p.collectionLoading = store != nil, true
	p.filter.SetStyles(p.styles.TextInput)
	cmds := []tea.Cmd{p.filter.Focus(), listCollectionCmd(p.loadID, path, address)}
	if store != nil {
		cmds = append(cmds, loadHistoryCmd(p.loadID, store, address))
	}
	return tea.Batch(cmds...)
}

func (p *historyPage) close() {
	p.shown = false
	p.filter.Blur()
}

func (p *historyPage) SetSize(w, h int) {
	p.width, p.height = w, h
	p.filter.SetWidth(max(1, w-len(p.filter.Prompt)-1))
}

// loadHistoryCmd reads the history file: the open socket's calls, or all.
func loadHistoryCmd(loadID int, store *history.Store, address string) tea.Cmd {
	return func() tea.Msg {
		if address != "" {
			entries, err := store.ForAddress(address)
			return historyLoadedMsg{loadID: loadID, entries: entries, err: err}
		}
		entries, skipped, err := store.Load()
		return historyLoadedMsg{loadID: loadID, entries: entries, skipped: skipped, err: err}
	}
}

// Update takes the page's results; keys come through handleKey.
func (p historyPage) Update(msg tea.Msg) (historyPage, tea.Cmd) {
	switch msg := msg.(type) {
	case historyLoadedMsg:
		if msg.loadID == p.loadID {
			p.historyLoading, p.historyErr, p.skipped = false, msg.err, msg.skipped
			p.index = history.NewIndex(msg.entries)
			p.refilter()
		}
		return p, nil
	case collectionListedMsg:
		if msg.loadID == p.loadID {
			p.collectionLoading, p.collectionMissing = false, msg.missing
			if !msg.missing {
				p.collectionErr = msg.err
			}
			p.requests = msg.items
			p.refilter()
		}
		return p, nil
	}
	var cmd tea.Cmd
	p.filter, cmd = p.filter.Update(msg)
	return p, cmd
}

// handleKey moves, switches tabs, or types into the filter; enter, ctrl+x
// and esc are the root's, which knows where a request goes.
func (p historyPage) handleKey(msg tea.KeyPressMsg) (historyPage, tea.Cmd) {
	switch {
	case key.Matches(msg, p.keys.NextPane, p.keys.PrevPane):
		p.tab = 1 - p.tab
		p.cursor, p.offset = 0, 0
		return p, nil
	case msg.String() == "up", msg.String() == "ctrl+p":
		p.move(-1)
		return p, nil
	case msg.String() == "down", msg.String() == "ctrl+n":
		p.move(1)
		return p, nil
	case key.Matches(msg, p.keys.PageUp):
		p.move(-p.rows())
		return p, nil
	case key.Matches(msg, p.keys.PgDn):
		p.move(p.rows())
		return p, nil
	}
	before := p.filter.Value()
	var cmd tea.Cmd
	p.filter, cmd = p.filter.Update(msg)
	if p.filter.Value() != before {
		p.refilter()
	}
	return p, cmd
}

func (p *historyPage) refilter() {
	words := strings.Fields(p.filter.Value())
	if p.index != nil {
		p.calls = p.index.Filter(words)
	}
	p.matches = p.matches[:0]
	for _, it := range p.requests {
		if containsWords(it.name+" "+it.method+" "+it.address, words) {
			p.matches = append(p.matches, it)
		}
	}
	p.cursor, p.offset = 0, 0
}

func containsWords(text string, words []string) bool {
	text = strings.ToLower(text)
	for _, w := range words {
		if !strings.Contains(text, strings.ToLower(w)) {
			return false
		}
	}
	return true
}

func (p historyPage) count() int {
	if p.tab == tabHistory {
		return len(p.calls)
	}
	return len(p.matches)
}

// rows is how many entries fit under the title, the tabs and the filter.
func (p historyPage) rows() int { return max(1, p.height-4) }

func (p *historyPage) move(delta int) {
	p.cursor = max(0, min(p.count()-1, p.cursor+delta))
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+p.rows() {
		p.offset = p.cursor - p.rows() + 1
	}
}

// selectedCall is the history entry under the cursor.
func (p historyPage) selectedCall() (history.Entry, bool) {
	if p.tab != tabHistory || p.cursor >= len(p.calls) {
		return history.Entry{}, false
	}
	return p.calls[p.cursor], true
}

// selectedRequest is the collection's request under the cursor.
func (p historyPage) selectedRequest() (collectionItem, bool) {
	if p.tab != tabCollection || p.cursor >= len(p.matches) {
		return collectionItem{}, false
	}
	return p.matches[p.cursor], true
}

func (p historyPage) View() string {
	var b strings.Builder
	where := "every socket"
	if p.address != "" {
		where = p.address
	}
	b.WriteString(paneTitle(p.styles, truncate("History and collection of "+safetext.Line(where), p.width), p.width, true) + "\n")
	tabs := []string{fmt.Sprintf("History (%d)", len(p.calls)), fmt.Sprintf("Collection %s (%d)", safetext.Line(p.path), len(p.matches))}
	for i := range tabs {
		if rememberTab(i) == p.tab {
			tabs[i] = p.styles.Selected.Render("[" + tabs[i] + "]")
		} else {
			tabs[i] = p.styles.Dim.Render(" " + tabs[i] + " ")
		}
	}
	b.WriteString(truncate(strings.Join(tabs, " "), p.width) + "\n")
	b.WriteString(p.filter.View() + "\n")
	if line := p.stateLine(); line != "" {
		b.WriteString(p.styles.Dim.Render(truncate(line, p.width)))
		return b.String()
	}
	end := min(p.count(), p.offset+p.rows())
	// The columns line up over the rows on screen, whatever the rest hold.
	methodWidth := 0
	for i := p.offset; i < end && p.tab == tabHistory; i++ {
		methodWidth = max(methodWidth, min(48, ansi.StringWidth(safeName(p.calls[i].Method))))
	}
	for i := p.offset; i < end; i++ {
		if i > p.offset {
			b.WriteString("\n")
		}
		b.WriteString(p.row(i, methodWidth))
	}
	return b.String()
}

// stateLine says why there is nothing to list, "" when there is.
func (p historyPage) stateLine() string {
	if p.tab == tabHistory {
		switch {
		case p.index == nil && !p.historyLoading:
			return "history is off (--no-history or SOCKSCOPE_HISTORY=off)"
		case p.historyLoading:
			return "reading the history…"
		case p.historyErr != nil:
			return "✗ " + safetext.Line(p.historyErr.Error())
		case len(p.calls) == 0 && p.filter.Value() != "":
			return "no call matches the filter"
		case len(p.calls) == 0:
			return "no calls yet: ctrl+s sends one, and it is kept here"
		}
		return ""
	}
	switch {
	case p.collectionLoading:
		return "reading the collection…"
	case p.collectionMissing:
		return "no " + safetext.Line(p.path) + " yet: ctrl+x saves the request in the editor (or the call selected here) into it"
	case p.collectionErr != nil:
		return "✗ " + safetext.Line(p.collectionErr.Error())
	case len(p.matches) == 0 && p.filter.Value() != "":
		return "no request matches the filter"
	case len(p.matches) == 0:
		return "no request of the collection goes to this socket: ctrl+x saves one"
	}
	return ""
}

func (p historyPage) row(i, methodWidth int) string {
	cursor := "  "
	if i == p.cursor {
		cursor = p.styles.Selected.Render("▸ ")
	}
	var text string
	if p.tab == tabHistory {
		e := p.calls[i]
		method := safeName(e.Method)
		method += strings.Repeat(" ", max(0, methodWidth-ansi.StringWidth(method)))
		status := fmt.Sprintf("%s %s", safetext.Line(e.Code), shortDuration(e.Duration()))
		text = fmt.Sprintf("%-5d %s  %s  %-18s", e.ID, e.Time.Local().Format("01-02 15:04:05"), method, status)
		if p.address == "" {
			text += "  " + safetext.Line(e.Address)
		}
		if len(e.Requests) > 0 {
			text += "  " + safetext.Clip(string(e.Requests[0]), 4*p.width)
		}
	} else {
		it := p.matches[i]
		text = safetext.Line(it.name) + "  " + safeName(it.method)
		if p.address == "" {
			text += "  " + safetext.Line(it.address)
		}
		if it.err != nil {
			text += "  ✗ " + safetext.Line(it.err.Error())
		}
	}
	return cursor + truncate(text, max(1, p.width-2))
}

func (p historyPage) help() bindings {
	tab := key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "history/collection"))
	load := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "load into the editor"))
	short := []key.Binding{p.keys.Move, load, tab, p.keys.SaveRequest, p.keys.Back}
	return bindings{short: short, full: [][]key.Binding{short}}
}
