// Package ui is the interactive terminal interface: bubbletea models only. It
// reaches sockets, schemas and calls through tea.Cmd functions in cmds.go.
package ui

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/client"
	"sockscope/reflection"
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
	// MaxMsgSize bounds replies (client.DefaultMaxRecvMsgSize when zero).
	MaxMsgSize int
	// StreamKeep is how many stream messages the response pane keeps (default 10,000).
	StreamKeep int
	// StartSample starts the bundled sample server and returns its address; nil
	// hides the offer in the empty state. The caller stops it after the TUI ends.
	StartSample func() (string, error)
	// Debug, when set, receives one line per message Update handles.
	Debug io.Writer
	// Headers are the call metadata sockscope was started with (-H and friends).
	Headers Headers
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
)

// focus is the pane (or input) that receives key presses.
type focus int

const (
	focusSockets focus = iota
	focusServices
	focusBody
	focusMetadata
	focusDeadline
	focusResponse
)

// explorerFocusOrder is the tab order on the explorer screen.
var explorerFocusOrder = []focus{focusServices, focusBody, focusMetadata, focusDeadline, focusResponse}

// Model is the root model: it routes messages to panes and lays them out.
type Model struct {
	common
	opts   Options
	help   help.Model
	screen screen
	focus  focus

	sockets  socketsPane
	services servicesPane
	request  requestPane
	response responsePane

	// The connection to the socket being explored; connID tells its results apart.
	connID     int
	connCancel context.CancelFunc
	conn       *session.Session
	address    string
	// saved holds what the user typed per address and method, for the session.
	saved map[string]savedRequest

	// The call in flight, if any.
	callID     int
	callCancel context.CancelFunc
	callSends  chan proto.Message
	calling    bool

	flash string // a recoverable error shown in the status bar until the next key
}

var _ tea.Model = Model{}

// New builds the TUI model.
func New(opts Options) Model {
	if opts.MaxMsgSize <= 0 {
		opts.MaxMsgSize = client.DefaultMaxRecvMsgSize
	}
	c := newCommon()
	m := Model{
		common:   c,
		opts:     opts,
		help:     help.New(),
		sockets:  newSocketsPane(c, opts.StartSample != nil),
		services: newServicesPane(c),
		request:  newRequestPane(c),
		response: newResponsePane(c, opts.StreamKeep),
		saved:    map[string]savedRequest{},
	}
	for key := range opts.Headers.Call {
		m.request.startKeys = append(m.request.startKeys, key)
	}
	sort.Strings(m.request.startKeys)
	if opts.Address != "" {
		m.screen, m.focus = screenExplorer, focusServices
		m.address = opts.Address
		m.services.loading = true
		m.services.title = opts.Address
	} else {
		m.sockets.begin(opts.Scan)
	}
	return m
}

// Init implements tea.Model.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor}
	if m.opts.Address != "" {
		// Init cannot keep state, so the first connection uses connID 0 and no cancel.
		cmds = append(cmds, openSessionCmd(context.Background(), 0, m.sessionConfig(m.opts.Address)))
	} else {
		cmds = append(cmds, m.sockets.startCmd())
	}
	return tea.Batch(cmds...)
}

func (m Model) sessionConfig(address string) session.Config {
	cfg := m.opts.Session
	cfg.Address = address
	return cfg
}

// Update implements tea.Model.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m.opts.Debug != nil {
		fmt.Fprintf(m.opts.Debug, "%s %T\n", time.Now().Format("15:04:05.000"), msg)
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tea.BackgroundColorMsg:
		*m.styles = newStyles(msg.IsDark())
		// The response pane keeps its text rendered; the other panes render
		// with the shared styles as they draw.
		m.response.refreshInfo()
		return m, nil
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.MouseWheelMsg:
		return m.handleWheel(msg)
	case connectedMsg:
		return m.handleConnected(msg)
	case healthMsg:
		if msg.connID == m.connID {
			m.services.health = msg.statuses
		}
		return m, nil
	case callEventsMsg:
		return m.handleCallEvents(msg)
	case editorClosedMsg:
		if msg.err != nil {
			m.flash = "editor: " + msg.err.Error()
		}
		if sel := m.services.selected(); sel != nil && reflection.MethodName(sel) == msg.method {
			m.request.setBody(msg.text)
		}
		return m, nil
	case tickMsg:
		if msg.callID == m.callID && m.calling {
			return m, tickCmd(m.callID)
		}
		return m, nil
	case sampleStartedMsg:
		if msg.err != nil {
			m.flash = "sample server: " + msg.err.Error()
			return m, nil
		}
		return m.openSocket(msg.address)
	}
	var cmd tea.Cmd
	m.sockets, cmd = m.sockets.Update(msg)
	return m, cmd
}

// textInputFocused says whether single-letter keys are text, not commands.
func (m Model) textInputFocused() bool {
	if m.screen == screenSockets {
		return m.sockets.filtering()
	}
	return m.focus == focusBody || m.focus == focusMetadata || m.focus == focusDeadline ||
		m.focus == focusServices && m.services.filtering
}

func (m Model) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	m.flash = ""
	typing := m.textInputFocused()
	switch {
	case key.Matches(msg, m.keys.ForceQuit):
		return m.quit()
	case !typing && key.Matches(msg, m.keys.Quit):
		return m.quit()
	case !typing && key.Matches(msg, m.keys.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.layout()
		return m, nil
	}
	if m.screen == screenSockets {
		if !typing && key.Matches(msg, m.keys.StartSample) && m.opts.StartSample != nil {
			return m, startSampleCmd(m.opts.StartSample)
		}
		if !typing && key.Matches(msg, m.keys.Select) {
			if addr := m.sockets.selectedAddress(); addr != "" {
				return m.openSocket(addr)
			}
			return m, nil
		}
		var cmd tea.Cmd
		m.sockets, cmd = m.sockets.Update(msg)
		return m, cmd
	}
	return m.handleExplorerKey(msg, typing)
}

func (m Model) handleExplorerKey(msg tea.KeyPressMsg, typing bool) (tea.Model, tea.Cmd) {
	if m.focus == focusServices && m.services.filterShown() && key.Matches(msg, m.keys.Back) {
		// esc takes the filter away before it takes the user back.
		m.followSelection(func() tea.Cmd { m.services.clearFilter(); return nil })
		return m, nil
	}
	if m.focus == focusServices && m.services.filtering && !key.Matches(msg, m.keys.NextPane, m.keys.PrevPane, m.keys.Send) {
		return m, m.followSelection(m.updateServices(msg))
	}
	switch {
	case key.Matches(msg, m.keys.Back):
		return m.back()
	case key.Matches(msg, m.keys.NextPane):
		return m.cycleFocus(1)
	case key.Matches(msg, m.keys.PrevPane):
		return m.cycleFocus(-1)
	case key.Matches(msg, m.keys.Send):
		return m.send()
	case key.Matches(msg, m.keys.CloseSend) && m.callSends != nil:
		close(m.callSends)
		m.callSends = nil
		return m, nil
	case key.Matches(msg, m.keys.Editor) && m.services.selected() != nil:
		return m, openEditorCmd(reflection.MethodName(m.services.selected()), m.request.body.Value())
	case !typing && key.Matches(msg, m.keys.CopyCommand):
		return m.copyCommand()
	}
	var cmd tea.Cmd
	switch m.focus {
	case focusServices:
		if key.Matches(msg, m.keys.Select) && m.services.selected() != nil {
			return m.setFocus(focusBody)
		}
		if key.Matches(msg, m.keys.Describe) {
			return m.describeSelected()
		}
		cmd = m.followSelection(m.updateServices(msg))
	case focusBody, focusMetadata, focusDeadline:
		m.request, cmd = m.request.Update(msg)
	case focusResponse:
		m.response, cmd = m.response.Update(msg)
	}
	return m, cmd
}

func (m Model) handleWheel(msg tea.MouseWheelMsg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch {
	case m.screen == screenSockets:
		m.sockets, cmd = m.sockets.Update(msg)
	case msg.Mouse().X < m.leftWidth():
		cmd = m.followSelection(m.updateServices(msg))
	default:
		m.response, cmd = m.response.Update(msg)
	}
	return m, cmd
}

// followSelection runs change on the services pane and, when that moved
// the selection to another method, switches the request pane to it.
func (m *Model) followSelection(change func() tea.Cmd) tea.Cmd {
	before := m.services.selected()
	cmd := change()
	if after := m.services.selected(); after != before {
		m.switchMethod(before, after)
	}
	return cmd
}

// updateServices is the change of handing msg to the services pane.
func (m *Model) updateServices(msg tea.Msg) func() tea.Cmd {
	return func() tea.Cmd {
		var cmd tea.Cmd
		m.services, cmd = m.services.Update(msg)
		return cmd
	}
}

func (m Model) quit() (tea.Model, tea.Cmd) {
	if m.callCancel != nil {
		m.callCancel()
	}
	if m.connCancel != nil {
		m.connCancel()
	}
	return m, tea.Sequence(closeSessionCmd(m.conn), tea.Quit)
}

// back cancels the call in flight first; otherwise it steps out one level.
func (m Model) back() (tea.Model, tea.Cmd) {
	if m.calling && m.callCancel != nil {
		m.callCancel()
		return m, nil
	}
	if m.focus != focusServices {
		return m.setFocus(focusServices)
	}
	m.screen, m.focus = screenSockets, focusSockets
	conn := m.conn
	m.leaveConnection()
	// Opened straight on a socket, the list is scanned only when first shown.
	var scan tea.Cmd
	if !m.sockets.started {
		scan = m.sockets.Init(m.opts.Scan)
	}
	return m, tea.Batch(closeSessionCmd(conn), scan)
}

func (m *Model) leaveConnection() {
	m.saveCurrent()
	if m.connCancel != nil {
		m.connCancel()
	}
	m.connCancel, m.conn = nil, nil
	m.connID++
	m.services.setMethods(nil)
	m.request.method = nil
}

func (m Model) cycleFocus(delta int) (tea.Model, tea.Cmd) {
	idx := 0
	for i, f := range explorerFocusOrder {
		if f == m.focus {
			idx = i
		}
	}
	idx = (idx + delta + len(explorerFocusOrder)) % len(explorerFocusOrder)
	return m.setFocus(explorerFocusOrder[idx])
}

func (m Model) setFocus(f focus) (tea.Model, tea.Cmd) {
	m.focus = f
	if f != focusServices {
		m.services.endTyping()
	}
	switch f {
	case focusBody:
		return m, m.request.focus(fieldBody)
	case focusMetadata:
		return m, m.request.focus(fieldMetadata)
	case focusDeadline:
		return m, m.request.focus(fieldDeadline)
	}
	m.request.blur()
	return m, nil
}

// openSocket leaves the list and connects; esc cancels the attempt.
func (m Model) openSocket(address string) (tea.Model, tea.Cmd) {
	if m.connCancel != nil {
		m.connCancel()
	}
	m.connID++
	ctx, cancel := context.WithCancel(context.Background())
	m.connCancel = cancel
	m.address = address
	m.screen, m.focus = screenExplorer, focusServices
	m.request.blur()
	m.services.setMethods(nil)
	m.services.loading, m.services.err = true, nil
	m.services.title = address
	m.layout()
	return m, openSessionCmd(ctx, m.connID, m.sessionConfig(address))
}

func (m Model) handleConnected(msg connectedMsg) (tea.Model, tea.Cmd) {
	if msg.connID != m.connID || m.screen != screenExplorer {
		return m, closeSessionCmd(msg.session)
	}
	m.services.loading = false
	m.services.title = m.address
	if msg.err != nil {
		m.services.err = msg.err
		return m, nil
	}
	m.conn = msg.session
	if short := msg.provenance.Short(); short != "" {
		m.services.title = fmt.Sprintf("%s (%s)", m.address, short)
	}
	m.services.setMethods(msg.methods)
	if sel := m.services.selected(); sel != nil {
		m.switchMethod(nil, sel)
	}
	var hints []string
	if hint := msg.provenance.SchemaHint(); hint != "" {
		hints = append(hints, hint)
	}
	for _, err := range msg.leftOut {
		hints = append(hints, "left out "+err.Error())
	}
	if len(hints) > 0 {
		m.response.showHint(strings.Join(hints, "\n"))
	}
	if names := m.services.serviceNames(); len(names) > 0 {
		return m, healthCmd(context.Background(), m.connID, m.conn, names, m.opts.Headers.Call)
	}
	return m, nil
}

func (m Model) savedKey(method string) string { return m.address + "\x00" + method }

func (m *Model) saveCurrent() {
	if m.request.method != nil {
		m.saved[m.savedKey(reflection.MethodName(m.request.method))] = m.request.saved()
	}
}

// switchMethod keeps what was typed for the old method and shows the new one's
// saved request, or its template the first time.
func (m *Model) switchMethod(from, to protoreflect.MethodDescriptor) {
	if m.calling && m.callCancel != nil {
		// The call belongs to the method being left: end it, and let its
		// late events be drained and dropped under the old callID.
		m.callCancel()
		m.callID++
		m.calling, m.callSends, m.callCancel = false, nil, nil
	}
	m.response.clear()
	if from != nil && m.request.method != nil {
		m.saved[m.savedKey(reflection.MethodName(m.request.method))] = m.request.saved()
	}
	if to == nil {
		m.request.method = nil
		return
	}
	saved, ok := m.saved[m.savedKey(reflection.MethodName(to))]
	if !ok {
		saved = savedRequest{deadline: defaultDeadline}
		if tmpl, err := reflection.Template(to.Input()); err == nil {
			saved.body = strings.TrimRight(string(tmpl), "\n")
		} else {
			saved.body = "{}"
			m.flash = "template: " + err.Error()
		}
	}
	var resolver client.TypeResolver
	if m.conn != nil {
		resolver = m.conn.Resolver()
	}
	m.request.load(to, saved, resolver)
}

func (m Model) describeSelected() (tea.Model, tea.Cmd) {
	md := m.services.selected()
	if md == nil {
		return m, nil
	}
	text, err := reflection.Describe(md)
	if err != nil {
		m.flash = "describe: " + err.Error()
		return m, nil
	}
	m.response.showDescribe(text)
	return m, nil
}

// send starts a call, or, while a client or bidi stream is open, sends the
// editor's message on it. Bad input is reported and nothing typed is touched.
func (m Model) send() (tea.Model, tea.Cmd) {
	md := m.services.selected()
	if md == nil || m.conn == nil {
		m.flash = "no method selected"
		return m, nil
	}
	msg, edited, deadline, err := m.request.request()
	if err != nil {
		m.flash = err.Error()
		return m, nil
	}
	header := m.opts.Headers.Call.Copy()
	for k, v := range edited {
		header[k] = v
	}
	if m.callSends != nil {
		select {
		case m.callSends <- msg:
			m.response.sent++
		default:
			m.flash = "the stream is not taking messages yet; try again"
		}
		return m, nil
	}
	if m.calling && m.callCancel != nil {
		m.callCancel()
	}
	m.callID++
	ctx, cancel := context.WithCancel(context.Background())
	if deadline > 0 {
		ctx, cancel = context.WithTimeout(context.Background(), deadline)
	}
	m.callCancel = cancel
	m.calling = true
	spec := callSpec{callID: m.callID, conn: m.conn.Conn(), method: md, header: header, resolver: m.conn.Resolver(), first: msg, maxMsg: m.opts.MaxMsgSize}
	if md.IsStreamingClient() {
		sends := make(chan proto.Message, 64)
		m.callSends = sends
		spec.sends = sends
	}
	m.response.begin(reflection.MethodName(md), md.IsStreamingServer() || md.IsStreamingClient(), time.Now())
	m.response.sent = 1
	return m, tea.Batch(startCallCmd(ctx, spec), tickCmd(m.callID))
}

// tickMsg refreshes the running time and rate while a call is in flight.
type tickMsg struct{ callID int }

func tickCmd(callID int) tea.Cmd {
	return tea.Tick(250*time.Millisecond, func(time.Time) tea.Msg { return tickMsg{callID} })
}

func (m Model) handleCallEvents(msg callEventsMsg) (tea.Model, tea.Cmd) {
	if msg.callID != m.callID {
		// A call the user left: keep draining so its goroutine can finish.
		if msg.ch != nil {
			return m, waitCallEventsCmd(msg.callID, msg.ch)
		}
		return m, nil
	}
	done := false
	for _, ev := range msg.events {
		m.response.apply(ev)
		done = done || ev.done
		if ev.done && ev.result.Status != nil {
			m.offerMetadata(ev.result.Status)
		}
	}
	if done || msg.ch == nil {
		m.calling = false
		m.callSends = nil
		if m.callCancel != nil {
			m.callCancel()
			m.callCancel = nil
		}
		return m, nil
	}
	return m, waitCallEventsCmd(msg.callID, msg.ch)
}

// offerMetadata answers a failure that means a known daemon's header is
// missing: the header goes into the metadata editor, said out loud, so the
// next ctrl+s sends it. Nothing the user typed is changed.
func (m *Model) offerMetadata(st *status.Status) {
	sug, ok := client.SuggestMetadata(st)
	if !ok {
		return
	}
	if m.request.addMetadata(sug.Key, sug.Line()) {
		m.response.showHint(fmt.Sprintf("%s: added %q to the metadata; edit it if need be and send again", sug.Why, sug.Line()))
	} else {
		m.response.showHint(sug.Why + "; check the " + sug.Key + " line in the metadata")
	}
}

// copyCommand shows the request as sockscope and grpcurl command lines and
// copies the sockscope one to the clipboard (OSC 52).
func (m Model) copyCommand() (tea.Model, tea.Cmd) {
	md := m.services.selected()
	if md == nil {
		return m, nil
	}
	saved := m.request.saved()
	ours, theirs := commandLines(m.address, reflection.MethodName(md), saved, m.opts.Headers, m.opts.Session.Authority)
	m.response.showDescribe("sockscope:\n" + ours + "\n\ngrpcurl:\n" + theirs + "\n\n(the sockscope line is on the clipboard)")
	return m, tea.SetClipboard(ours)
}

func (m Model) leftWidth() int {
	return min(max(m.width/3, 24), 44)
}

// layout sizes every pane from the window; called on resize and when help grows.
func (m *Model) layout() {
	m.help.SetWidth(m.width)
	bodyHeight := max(3, m.height-lipgloss.Height(m.statusBar()))
	frameW, frameH := m.styles.Pane.GetFrameSize()
	m.sockets.SetSize(m.width-frameW, bodyHeight-frameH)
	lw := m.leftWidth()
	rw := m.width - lw
	reqH := max(8, bodyHeight*11/20)
	respH := bodyHeight - reqH
	m.services.SetSize(lw-frameW, bodyHeight-frameH)
	m.request.SetSize(rw-frameW, reqH-frameH)
	m.response.SetSize(rw-frameW, respH-frameH)
}

func (m Model) pane(content string, w, h int, focused bool) string {
	st := m.styles.Pane
	if focused {
		st = m.styles.PaneFocused
	}
	return st.Width(w).Height(h).MaxHeight(h).Render(content)
}

// View implements tea.Model.
func (m Model) View() tea.View {
	var body string
	if m.width == 0 {
		body = "starting…"
	} else if m.screen == screenSockets {
		bodyHeight := max(3, m.height-lipgloss.Height(m.statusBar()))
		body = m.pane(m.sockets.View(), m.width, bodyHeight, true)
	} else {
		bodyHeight := max(3, m.height-lipgloss.Height(m.statusBar()))
		lw := m.leftWidth()
		rw := m.width - lw
		reqH := max(8, bodyHeight*11/20)
		left := m.pane(m.services.View(), lw, bodyHeight, m.focus == focusServices)
		req := m.pane(m.request.View(), rw, reqH, m.focus == focusBody || m.focus == focusMetadata || m.focus == focusDeadline)
		resp := m.pane(m.response.View(), rw, bodyHeight-reqH, m.focus == focusResponse)
		body = lipgloss.JoinHorizontal(lipgloss.Top, left, lipgloss.JoinVertical(lipgloss.Left, req, resp))
	}
	v := tea.NewView(body + "\n" + m.statusBar())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "sockscope"
	return v
}

// statusBar shows a pending error, else the focused pane's help.
func (m Model) statusBar() string {
	if m.flash != "" {
		return m.styles.Error.Render(truncate(m.flash, m.width))
	}
	return m.help.View(m.currentHelp())
}

func (m Model) currentHelp() help.KeyMap {
	var b bindings
	switch {
	case m.screen == screenSockets:
		b = m.sockets.help()
	case m.focus == focusServices:
		b = m.services.help()
	case m.focus == focusResponse:
		b = m.response.help()
	default:
		b = m.request.help()
	}
	b.short = append(b.short, m.keys.Help, m.keys.Quit)
	b.full = append(b.full, []key.Binding{m.keys.Help, m.keys.Quit, m.keys.ForceQuit})
	return b
}
