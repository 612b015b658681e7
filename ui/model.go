// Package ui is the interactive terminal interface: bubbletea models only.
// The root Model switches between two pages, the sockets list and the
// explorer of one socket, and every network operation runs in a tea.Cmd.
package ui

import (
	"fmt"
	"io"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"google.golang.org/grpc/metadata"

	"sockscope/client"
	"sockscope/history"
	"sockscope/session"
	"sockscope/sockets"
)

// Options configures the TUI.
type Options struct {
	// Address opens the TUI on this socket instead of the discovered list.
	Address string
	// Session is how every socket is opened: the schema files, the connect
	// timeout, the authority and the reflection header. Its Address is set
	// to each socket the user opens.
	Session session.Config
	// Scan says where and how to discover sockets.
	Scan sockets.Options
	// MaxMsgSize bounds replies (client.DefaultMaxMsgSize when zero).
	MaxMsgSize int
	// StreamKeep is how many messages each stream call keeps (default 10,000).
	StreamKeep int
	// StartSample starts the bundled sample server and returns its address; nil
	// hides the offer in the empty state. The caller stops it after the TUI ends.
	StartSample func() (string, error)
	// Debug, when set, receives one line per message Update handles.
	Debug io.Writer
	// Headers are the call metadata sockscope was started with (-H and friends).
	Headers Headers
	// History is where every call is recorded and what ctrl+r shows; nil
	// when history is off (--no-history, SOCKSCOPE_HISTORY=off).
	History *history.Store
	// Collection is the collection file requests are saved into (by
	// ctrl+x and the traffic screen) and listed from
	// (collection.DefaultFile when empty).
	Collection string
	// Program is how a copied command line runs sockscope; empty finds it
	// from the running executable (go run and the module's directory for
	// a binary `go run` built).
	Program string
}

// Headers is call metadata given on the command line, for every connection;
// the reflection share is in Options.Session.
type Headers struct {
	// Call goes with every call, under the metadata editor's lines: a key
	// the editor names is replaced by the editor's values.
	Call metadata.MD
	// Args are the flags as given, in pairs ("-H", "@token",
	// "--rpc-header", "x: y", …), so that a copied command line does what
	// this session does; Expand says --expand-headers was given too.
	Args   []string
	Expand bool
}

type screen int

const (
	screenSockets screen = iota
	screenExplorer
	screenTraffic
)

// Model is the root model. It keeps what is global (the screen shown, the
// window, the keys and styles, help and the status bar), lays the pages
// out, and hands each message to the page that owns it.
type Model struct {
	common
	opts       Options
	help       help.Model
	screen     screen
	bodyHeight int // the window less the status bar, set by layout

	sockets  socketsPane
	explorer explorerPage
	traffic  trafficPage
	// taps are the traffic screen's, stopped by StopTaps however the
	// program ends.
	taps *tapRegistry
	// keysPage is the ? page, every key of the screen grouped by pane,
	// shown while help.ShowAll.
	keysPage viewer

	flash string // a recoverable error shown in the status bar until the next key
	// historyWarned says a failure to record a call was shown once.
	historyWarned bool
	// history is the ctrl+r page, over either screen; saving is the
	// ctrl+x prompt in the status line.
	history historyPage
	saving  savePrompt
}

var _ tea.Model = Model{}

// New builds the TUI model.
func New(opts Options) Model {
	if opts.MaxMsgSize <= 0 {
		opts.MaxMsgSize = client.DefaultMaxMsgSize
	}
	c := newCommon()
	taps := newTapRegistry()
	m := Model{
		taps:     taps,
		traffic:  newTrafficPage(c, taps, opts),
		common:   c,
		opts:     opts,
		help:     help.New(),
		sockets:  newSocketsPane(c, opts.StartSample != nil),
		explorer: newExplorerPage(c, opts),
		keysPage: newViewer(c),
		history:  newHistoryPage(c),
		saving:   newSavePrompt(c),
	}
	m.help.Styles = c.styles.Help
	m.sockets.scanOpts = opts.Scan
	if opts.Address != "" {
		m.screen = screenExplorer
		m.explorer.begin(opts.Address)
	} else {
		m.sockets.begin(opts.Scan)
	}
	return m
}

// Init implements tea.Model.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor}
	if m.opts.Address != "" {
		cmds = append(cmds, m.explorer.connectCmd())
	} else {
		cmds = append(cmds, m.sockets.startCmd())
	}
	return tea.Batch(cmds...)
}

// Update implements tea.Model.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m.opts.Debug != nil {
		fmt.Fprintf(m.opts.Debug, "%s %T\n", time.Now().Format("15:04:05.000"), msg)
	}
	var cmd tea.Cmd
	if cmd, ok := m.rememberUpdate(msg); ok {
		return m, cmd
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tea.BackgroundColorMsg:
		*m.styles = newStyles(msg.IsDark())
		m.help.Styles = m.styles.Help
		m.sockets.restyle()
		m.explorer, cmd = m.explorer.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case errMsg:
		m.setFlash(msg.err.Error())
		return m, nil
	case sampleStartedMsg:
		if msg.err != nil {
			m.setFlash("sample server: " + msg.err.Error())
			return m, nil
		}
		return m.openSocket(msg.address)
	case socketsScannedMsg, socketProbedMsg, socketEventMsg, spinner.TickMsg:
		// A scan goes on behind the explorer, so the list is current on return.
		m.sockets, cmd = m.sockets.Update(msg)
		return m, cmd
	case connectedMsg, healthMsg, callEventsMsg, tickMsg, editorClosedMsg:
		m.explorer, cmd = m.explorer.Update(msg)
		return m, cmd
	case tapStartedMsg, tapEventsMsg, trafficDocMsg, trafficSavedMsg:
		m.traffic, cmd = m.traffic.Update(msg)
		return m, cmd
	case tapStoppedMsg:
		m.setFlash(strings.Join(msg.notes, "; "))
		return m, nil
	}
	// The rest (the mouse, an input's cursor blinking) belongs to the page
	// on screen.
	switch {
	case m.saving.typing():
		m.saving.input, cmd = m.saving.input.Update(msg)
	case m.history.shown:
		m.history, cmd = m.history.Update(msg)
	case m.screen == screenSockets:
		m.sockets, cmd = m.sockets.Update(msg)
	case m.screen == screenTraffic:
		m.traffic, cmd = m.traffic.Update(msg)
	default:
		m.explorer, cmd = m.explorer.Update(msg)
	}
	return m, cmd
}

// textInputFocused says whether single-letter keys are text, not commands.
func (m Model) textInputFocused() bool {
	switch {
	case m.saving.typing() || m.history.shown:
		return true
	case m.help.ShowAll:
		return m.keysPage.typing()
	case m.screen == screenSockets:
		return m.sockets.filtering()
	case m.screen == screenTraffic:
		return m.traffic.typing()
	}
	return m.explorer.typing()
}

func (m Model) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	m.setFlash("")
	if cmd, ok := m.rememberKey(msg); ok {
		return m, cmd
	}
	typing := m.textInputFocused()
	switch {
	case key.Matches(msg, m.keys.ForceQuit):
		return m.quit()
	case !typing && key.Matches(msg, m.keys.Quit):
		return m.quit()
	case !typing && key.Matches(msg, m.keys.Help),
		m.help.ShowAll && !typing && key.Matches(msg, m.keys.Back) && !m.keysPage.wantsBack():
		m.help.ShowAll = !m.help.ShowAll
		m.layout()
		if m.help.ShowAll {
			return m, m.keysPage.setDocument(m.keysDocument())
		}
		return m, nil
	case m.help.ShowAll && (typing || m.keysPage.wantsBack() || m.isViewerKey(msg)):
		var cmd tea.Cmd
		m.keysPage, cmd = m.keysPage.Update(msg)
		return m, cmd
	case m.help.ShowAll:
		// Any other key closes the page and does what it does.
		m.help.ShowAll = false
		m.layout()
	}
	var cmd tea.Cmd
	if m.screen == screenTraffic {
		return m.trafficKey(msg)
	}
	if !typing && key.Matches(msg, m.keys.Tap) {
		if addr := m.tapAddress(); addr != "" {
			return m.openTraffic(addr)
		}
	}
	if m.screen == screenSockets {
		if !typing && key.Matches(msg, m.keys.StartSample) && m.opts.StartSample != nil {
			return m, startSampleCmd(m.opts.StartSample)
		}
		back := !m.sockets.started && key.Matches(msg, m.keys.Back)
		if !typing && (key.Matches(msg, m.keys.Select) || back) {
			if addr := m.sockets.selectedAddress(); addr != "" {
				return m.openSocket(addr)
			}
			return m, nil
		}
		m.sockets, cmd = m.sockets.Update(msg)
		return m, cmd
	}
	if key.Matches(msg, m.keys.Back) && m.explorer.atTop() {
		return m.showSockets()
	}
	m.explorer, cmd = m.explorer.Update(msg)
	return m, cmd
}

// quit ends the program at once; the calls are cancelled and the
// sessions closed off the loop, which the program's end does not wait for.
func (m Model) quit() (tea.Model, tea.Cmd) {
	return m, tea.Batch(tea.Quit, m.explorer.quit())
}

// openSocket leaves the list for the explorer on address; esc cancels the
// attempt.
func (m Model) openSocket(address string) (tea.Model, tea.Cmd) {
	m.screen = screenExplorer
	m.explorer.begin(address)
	m.layout()
	return m, m.explorer.connectCmd()
}

// showSockets leaves the explorer for the list. Opened straight on a
// socket (or the demo), the list is not scanned until the user asks: a
// scan probes every socket on the machine.
func (m Model) showSockets() (tea.Model, tea.Cmd) {
	m.screen = screenSockets
	m.sockets.back = m.explorer.address
	leave := m.explorer.leave()
	m.layout()
	return m, leave
}

// setFlash shows text in the status bar, or help again when it is empty;
// the pages are laid out anew when that changes the status bar's height.
func (m *Model) setFlash(text string) {
	if m.flash != text {
		m.flash = text
		m.layout()
	}
}

// layout sizes every page from the window, once per change of the window
// or of the status bar's height.
func (m *Model) layout() {
	if m.width == 0 {
		return
	}
	m.help.SetWidth(m.width)
	m.bodyHeight = max(3, m.height-lipgloss.Height(m.statusBar()))
	frameW, frameH := m.styles.Pane.GetFrameSize()
	m.sockets.SetSize(m.width-frameW, m.bodyHeight-frameH)
	m.explorer.SetSize(m.width, m.bodyHeight)
	m.traffic.SetSize(m.width-frameW, m.bodyHeight-frameH)
	m.keysPage.SetSize(m.width-frameW, m.bodyHeight-frameH)
	m.history.SetSize(m.width-frameW, m.bodyHeight-frameH)
	m.saving.SetSize(m.width)
}

// View implements tea.Model.
func (m Model) View() tea.View {
	var body string
	switch {
	case m.width == 0:
		body = "starting…"
	case m.help.ShowAll:
		body = m.frame(m.keysPage.View(), m.width, m.bodyHeight, true)
	case m.history.shown:
		body = m.frame(m.history.View(), m.width, m.bodyHeight, true)
	case m.screen == screenSockets:
		body = m.frame(m.sockets.View(), m.width, m.bodyHeight, true)
	case m.screen == screenTraffic:
		body = m.frame(m.traffic.View(), m.width, m.bodyHeight, true)
	default:
		body = m.explorer.View()
	}
	v := tea.NewView(body + "\n" + m.statusBar())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "sockscope"
	return v
}
