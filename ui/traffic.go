package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"os"
	"path/filepath"
	"strconv"

	"sockscope/collection"
	"sockscope/session"
	"sockscope/tap"
)

// trafficPhase is where the traffic screen stands with its tap.
type trafficPhase int

const (
	trafficAsking   trafficPhase = iota // proxy or interpose?
	trafficStarting                     // startTapCmd is under way
	trafficRunning                      // events come
	trafficEnded                        // the tap failed to start or stopped
)

// trafficPage is the traffic screen: a tap on one socket, its calls
// listed live, newest first (client, method, status, duration, messages
// each way), any of them opened in the viewer with its messages both
// ways, and unary ones saved to the collection. The tap starts, delivers
// its events and stops through commands; Update and View only read what
// they brought.
type trafficPage struct {
	common
	reg        *tapRegistry
	sessionCfg session.Config // how the socket is opened, for the tap's schema look-ups
	collection string         // the file w and W save into
	back       screen         // where esc goes

	address    string
	listenPath string // where proxy mode listens
	phase      trafficPhase
	id         uint64 // the tap awaited or running; events of another are dropped
	tap        *tap.Tap
	events     <-chan tap.Event
	interpose  bool
	listen     string
	upstream   string
	warning    string
	err        string
	note       string

	log    *trafficLog
	cursor int // index into log.calls; the newest is row 0
	offset int

	viewing bool
	info    bool
	// reloading says the document awaited is the one shown, again.
	reloading bool
	openCall  uint64 // the call in the viewer
	docID     uint64 // the document awaited
	viewer    viewer
}

func newTrafficPage(c common, reg *tapRegistry, opts Options) trafficPage {
	path := opts.Collection
	if path == "" {
		path = collection.DefaultFile
	}
	return trafficPage{common: c, reg: reg, sessionCfg: opts.Session, collection: path, viewer: newViewer(c), log: newTrafficLog()}
}

// begin asks how to tap address; esc goes back to from.
func (p *trafficPage) begin(address string, from screen) {
	*p = trafficPage{common: p.common, reg: p.reg, sessionCfg: p.sessionCfg, collection: p.collection,
		viewer: newViewer(p.common), log: newTrafficLog(), address: address, back: from, listenPath: tuiListenPath()}
	p.viewer.SetSize(p.width, p.viewerHeight())
}

func (p *trafficPage) SetSize(w, h int) {
	p.width, p.height = w, h
	p.viewer.SetSize(w, p.viewerHeight())
	p.clampOffset()
}

func (p trafficPage) viewerHeight() int { return max(1, p.height-1-len(p.headLines())) }

// typing says whether keys are text for the viewer's search.
func (p trafficPage) typing() bool { return p.viewing && p.viewer.typing() }

// atTop says esc leaves the screen: nothing of it is open to close.
func (p trafficPage) atTop() bool { return !p.viewing }

// leave stops the tap, off the loop.
func (p *trafficPage) leave() tea.Cmd {
	t := p.tap
	p.tap, p.id, p.phase = nil, nextRev(), trafficEnded
	if t == nil {
		return nil
	}
	return stopTapCmd(p.reg, t)
}

// start starts the tap in the mode chosen.
func (p *trafficPage) start(interpose bool) tea.Cmd {
	cfg := p.sessionCfg
	cfg.Address = p.address
	p.phase, p.interpose, p.err, p.id = trafficStarting, interpose, "", nextRev()
	return startTapCmd(p.reg, p.id, tap.Config{Upstream: cfg, Interpose: interpose, Listen: p.listenPath, Messages: true})
}

func (p trafficPage) Update(msg tea.Msg) (trafficPage, tea.Cmd) {
	switch msg := msg.(type) {
	case tapStartedMsg:
		if msg.id != p.id {
			// The user left before it started.
			if msg.tap != nil {
				return p, stopTapCmd(p.reg, msg.tap)
			}
			return p, nil
		}
		if msg.err != nil {
			p.phase, p.err = trafficEnded, msg.err.Error()
			return p, nil
		}
		p.phase, p.tap, p.events = trafficRunning, msg.tap, msg.tap.Events()
		p.listen, p.upstream, p.warning = msg.tap.Listen(), msg.tap.Upstream(), msg.tap.Warning()
		p.viewer.SetSize(p.width, p.viewerHeight())
		return p, waitTapCmd(p.id, p.events)
	case tapEventsMsg:
		if msg.id != p.id {
			return p, nil
		}
		return p.receive(msg)
	case trafficDocMsg:
		if msg.id != p.docID {
			return p, nil
		}
		if !p.reloading {
			return p, p.viewer.setDocument(msg.doc)
		}
		// The same call again, with what came since: the view stays
		// where the user scrolled it.
		top, topRune, left := p.viewer.top, p.viewer.topRune, p.viewer.left
		cmd := p.viewer.setDocument(msg.doc)
		p.viewer.top, p.viewer.topRune, p.viewer.left = top, topRune, left
		p.viewer.clamp()
		return p, cmd
	case trafficSavedMsg:
		p.note = msg.text()
		p.viewer.SetSize(p.width, p.viewerHeight())
		return p, nil
	case tea.KeyPressMsg:
		return p.handleKey(msg)
	}
	if p.viewing {
		var cmd tea.Cmd
		p.viewer, cmd = p.viewer.Update(msg)
		return p, cmd
	}
	return p, nil
}

// receive adds a batch of events and asks for the next.
func (p trafficPage) receive(msg tapEventsMsg) (trafficPage, tea.Cmd) {
	if !msg.open {
		p.phase, p.tap = trafficEnded, nil
		return p, nil
	}
	following := p.cursor >= len(p.log.calls)-1
	var selected *trafficCall
	if !following {
		selected = p.log.calls[p.cursor]
	}
	var wasDone bool
	open := p.log.byID[p.openCall]
	if open != nil {
		wasDone = open.done
	}
	if dropped := p.log.apply(msg.events); dropped > 0 && selected != nil {
		p.cursor = 0
		for i, c := range p.log.calls {
			if c == selected {
				p.cursor = i
			}
		}
	}
	if following {
		p.cursor = len(p.log.calls) - 1
	}
	p.clampOffset()
	cmds := []tea.Cmd{waitTapCmd(p.id, p.events)}
	if p.viewing && open != nil && !wasDone && open.done {
		// The call shown has ended: its last messages and its status.
		cmds = append(cmds, p.openDoc(open))
		p.reloading = true
	}
	return p, tea.Batch(cmds...)
}

func (p *trafficPage) clampOffset() {
	n := len(p.log.calls)
	row := n - 1 - p.cursor
	if row < p.offset {
		p.offset = row
	}
	if row >= p.offset+p.rows() {
		p.offset = row - p.rows() + 1
	}
	p.offset = max(0, min(p.offset, n-p.rows()))
}

func (p trafficPage) selected() *trafficCall {
	if p.cursor < 0 || p.cursor >= len(p.log.calls) {
		return nil
	}
	return p.log.calls[p.cursor]
}

// openDoc asks for the document of c the viewer shows.
func (p *trafficPage) openDoc(c *trafficCall) tea.Cmd {
	p.docID, p.reloading = nextRev(), false
	return trafficDocCmd(p.docID, *c, p.info)
}

func (p trafficPage) handleKey(msg tea.KeyPressMsg) (trafficPage, tea.Cmd) {
	k := p.keys
	p.note = ""
	if p.viewing {
		switch {
		case p.viewer.typing() || key.Matches(msg, k.Back) && p.viewer.wantsBack():
		case key.Matches(msg, k.Back):
			p.viewing, p.info = false, false
			return p, nil
		case key.Matches(msg, k.Info):
			if c := p.log.byID[p.openCall]; c != nil {
				p.info = !p.info
				return p, p.openDoc(c)
			}
			return p, nil
		case key.Matches(msg, k.Select):
			// A call still running has more to show: enter shows it.
			if c := p.log.byID[p.openCall]; c != nil {
				cmd := p.openDoc(c)
				p.reloading = true
				return p, cmd
			}
			return p, nil
		}
		var cmd tea.Cmd
		p.viewer, cmd = p.viewer.Update(msg)
		return p, cmd
	}
	if p.phase == trafficAsking {
		switch {
		case key.Matches(msg, k.TapProxy):
			return p, p.start(false)
		case key.Matches(msg, k.TapInterpose):
			return p, p.start(true)
		}
		return p, nil
	}
	n := len(p.log.calls)
	switch {
	case n == 0:
	case key.Matches(msg, k.Up):
		p.cursor = min(n-1, p.cursor+1)
	case key.Matches(msg, k.Down):
		p.cursor = max(0, p.cursor-1)
	case key.Matches(msg, k.Top):
		p.cursor = n - 1
	case key.Matches(msg, k.Bottom):
		p.cursor = 0
	case key.Matches(msg, k.Select):
		c := p.selected()
		p.viewing, p.info, p.openCall = true, false, c.id
		p.viewer.SetSize(p.width, p.viewerHeight())
		return p, p.openDoc(c)
	case key.Matches(msg, k.SaveCall):
		return p, saveRecordedCmd(p.collection, p.address, []collection.Recorded{p.selected().recorded()})
	case key.Matches(msg, k.SaveAllCalls):
		calls := make([]collection.Recorded, 0, n)
		for _, c := range p.log.calls {
			calls = append(calls, c.recorded())
		}
		return p, saveRecordedCmd(p.collection, p.address, calls)
	}
	p.clampOffset()
	return p, nil
}

// tuiListenPath is where the traffic screen's proxy mode listens: a path of
// this process's own in the tap's private directory, so that a scripted
// tap already on the default path (or another TUI's) does not stand in
// its way.
func tuiListenPath() string {
	return filepath.Join(tap.DefaultDir(), "tap-"+strconv.Itoa(os.Getpid())+".sock")
}
