package ui

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/client"
	"sockscope/reflection"
	"sockscope/session"
)

// focus is the pane (or input) of the explorer that receives key presses.
type focus int

const (
	focusServices focus = iota
	focusBody
	focusMetadata
	focusDeadline
	focusResponse
)

// explorerFocusOrder is the tab order on the explorer screen.
var explorerFocusOrder = []focus{focusServices, focusBody, focusMetadata, focusDeadline, focusResponse}

// explorerPage is the screen of one socket: its services, the request
// editor and the response. It owns the session on the socket, what was
// typed for each method, and the call.
type explorerPage struct {
	common
	opts  Options
	focus focus

	services servicesPane
	request  requestPane
	response responsePane

	// The session on the socket being explored; connID tells the results
	// of one attempt from another's, and connCtx ends when the user leaves.
	connID     int
	connCtx    context.Context
	connCancel context.CancelFunc
	session    *session.Session
	address    string
	// saved holds what the user typed per address and method, for as long
	// as the program runs; so does jq, the jq expression per method.
	saved map[string]savedRequest
	jq    map[string]string
	// call is the one call at a time; calls count the ids handed out.
	call  *callEntry
	calls int
	// ticking says a tick is on its way, to keep running times fresh.
	ticking bool

	leftWidth, requestHeight int
	frames                   *explorerFrames
}

// explorerFrames are the panes' last frames, shared by every copy of the
// page: a frame draws again only the panes that changed.
type explorerFrames struct{ services, request, response frameCache }

func newExplorerPage(c common, opts Options) explorerPage {
	e := explorerPage{
		common:   c,
		opts:     opts,
		services: newServicesPane(c),
		request:  newRequestPane(c),
		response: newResponsePane(c),
		saved:    map[string]savedRequest{},
		jq:       map[string]string{},
		frames:   &explorerFrames{},
	}
	for key := range opts.Headers.Call {
		e.request.startKeys = append(e.request.startKeys, key)
	}
	sort.Strings(e.request.startKeys)
	return e
}

// begin readies opening address; results of earlier attempts are dropped
// from now on. connectCmd then opens it, so that tea.Model.Init, which
// cannot keep state, can open the socket New readied.
func (e *explorerPage) begin(address string) {
	if e.connCancel != nil {
		e.connCancel()
	}
	e.connID++
	e.connCtx, e.connCancel = context.WithCancel(context.Background())
	e.address = address
	e.focus = focusServices
	e.request.blur()
	e.services.setMethods(nil)
	e.services.loading, e.services.err = true, nil
	e.services.title = address
	e.services.touch()
}

func (e explorerPage) connectCmd() tea.Cmd {
	cfg := e.opts.Session
	cfg.Address = e.address
	return openSessionCmd(e.connCtx, e.connID, cfg)
}

// leave ends the session on the socket the user leaves; what was typed
// stays saved for coming back.
func (e *explorerPage) leave() tea.Cmd {
	e.saveCurrent()
	e.dropCall()
	if e.connCancel != nil {
		e.connCancel()
	}
	s := e.session
	e.connCancel, e.session = nil, nil
	e.connID++
	e.services.setMethods(nil)
	e.request.method = nil
	return closeSessionCmd(s)
}

// atTop says esc has nothing left to take back here: no call to cancel,
// no filter to clear, no pane but the services tree to step out of.
func (e explorerPage) atTop() bool {
	return e.focus == focusServices && !e.services.filterShown() && !e.call.cancelable()
}

// typing says whether single-letter keys are text, not commands.
func (e explorerPage) typing() bool {
	return e.requestFocused() || e.focus == focusServices && e.services.filtering ||
		e.focus == focusResponse && e.response.typing()
}

func (e explorerPage) requestFocused() bool {
	return e.focus == focusBody || e.focus == focusMetadata || e.focus == focusDeadline
}

// Update hands msg to the pane that owns it.
func (e explorerPage) Update(msg tea.Msg) (explorerPage, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case connectedMsg:
		return e.connected(msg)
	case healthMsg:
		if msg.connID == e.connID {
			e.services.health = msg.statuses
			e.services.touch()
		}
		return e, nil
	case callEventsMsg:
		return e.receive(msg)
	case filterEvalMsg:
		if e.call != nil && e.call.id == msg.callID {
			cmd = e.call.filtered(msg)
			e.response.touch()
		}
		return e, cmd
	case searchDoneMsg, messageOpenedMsg, savedMsg:
		e.response, cmd = e.response.Update(msg)
		return e, cmd
	case tickMsg:
		return e.tick()
	case editorClosedMsg:
		if msg.err != nil {
			cmd = errCmd(fmt.Errorf("editor: %w", msg.err))
		}
		if sel := e.services.selected(); sel != nil && reflection.MethodName(sel) == msg.method {
			e.request.setBody(msg.text)
		}
		return e, cmd
	case tea.BackgroundColorMsg:
		// The panes draw with the shared styles, which the root has
		// rebuilt; the bubbles inside them keep copies.
		e.request.restyle()
		e.services.restyle()
		e.response.restyle()
		return e, nil
	case tea.KeyPressMsg:
		return e.handleKey(msg)
	case tea.MouseWheelMsg:
		if msg.Mouse().X < e.leftWidth {
			return e, e.followSelection(e.updateServices(msg))
		}
		e.response, cmd = e.response.Update(msg)
		return e, cmd
	}
	// The rest, such as an input's cursor blinking, belongs to the input
	// that has the keyboard.
	switch {
	case e.focus == focusServices:
		e.services, cmd = e.services.Update(msg)
	case e.requestFocused():
		e.request, cmd = e.request.Update(msg)
	}
	return e, cmd
}

func (e explorerPage) handleKey(msg tea.KeyPressMsg) (explorerPage, tea.Cmd) {
	typing := e.typing()
	if e.focus == focusServices && e.services.filterShown() && key.Matches(msg, e.keys.Back) {
		// esc takes the filter away before it takes the user back.
		return e, e.followSelection(func() tea.Cmd { e.services.clearFilter(); return nil })
	}
	if e.focus == focusServices && e.services.filtering && !key.Matches(msg, e.keys.NextPane, e.keys.PrevPane, e.keys.Send) {
		return e, e.followSelection(e.updateServices(msg))
	}
	if e.focus == focusResponse && (e.response.typing() || key.Matches(msg, e.keys.Back) && e.response.wantsBack()) {
		var cmd tea.Cmd
		e.response, cmd = e.response.Update(msg)
		return e, tea.Batch(cmd, e.rememberJQ())
	}
	switch {
	case key.Matches(msg, e.keys.Back):
		if !e.call.cancel() && e.focus != focusServices {
			return e.setFocus(focusServices)
		}
		return e, nil
	case key.Matches(msg, e.keys.NextPane):
		return e.cycleFocus(1)
	case key.Matches(msg, e.keys.PrevPane):
		return e.cycleFocus(-1)
	case key.Matches(msg, e.keys.Send):
		return e.send()
	case key.Matches(msg, e.keys.CloseSend) && e.call.open():
		e.call.closeSend()
		return e, nil
	case key.Matches(msg, e.keys.Editor) && e.services.selected() != nil:
		return e, openEditorCmd(reflection.MethodName(e.services.selected()), e.request.body.Value())
	case !typing && key.Matches(msg, e.keys.CopyCommand):
		return e.copyCommand()
	}
	var cmd tea.Cmd
	switch e.focus {
	case focusServices:
		if key.Matches(msg, e.keys.Select) && e.services.selected() != nil {
			return e.setFocus(focusBody)
		}
		if key.Matches(msg, e.keys.Describe) {
			return e.describeSelected()
		}
		cmd = e.followSelection(e.updateServices(msg))
	case focusBody, focusMetadata, focusDeadline:
		e.request, cmd = e.request.Update(msg)
	case focusResponse:
		e.response, cmd = e.response.Update(msg)
		cmd = tea.Batch(cmd, e.rememberJQ())
	}
	return e, cmd
}

// followSelection runs change on the services pane and, when that moved
// the selection to another method, switches the request pane to it.
func (e *explorerPage) followSelection(change func() tea.Cmd) tea.Cmd {
	before := e.services.selected()
	cmd := change()
	if after := e.services.selected(); after != before {
		cmd = tea.Batch(cmd, e.switchMethod(after))
	}
	return cmd
}

// updateServices is the change of handing msg to the services pane.
func (e *explorerPage) updateServices(msg tea.Msg) func() tea.Cmd {
	return func() tea.Cmd {
		var cmd tea.Cmd
		e.services, cmd = e.services.Update(msg)
		return cmd
	}
}

func (e explorerPage) cycleFocus(delta int) (explorerPage, tea.Cmd) {
	idx := 0
	for i, f := range explorerFocusOrder {
		if f == e.focus {
			idx = i
		}
	}
	idx = (idx + delta + len(explorerFocusOrder)) % len(explorerFocusOrder)
	return e.setFocus(explorerFocusOrder[idx])
}

func (e explorerPage) setFocus(f focus) (explorerPage, tea.Cmd) {
	e.focus = f
	if f != focusServices {
		e.services.endTyping()
	}
	switch f {
	case focusBody:
		return e, e.request.focus(fieldBody)
	case focusMetadata:
		return e, e.request.focus(fieldMetadata)
	case focusDeadline:
		return e, e.request.focus(fieldDeadline)
	}
	e.request.blur()
	return e, nil
}

func (e explorerPage) connected(msg connectedMsg) (explorerPage, tea.Cmd) {
	if msg.connID != e.connID {
		return e, closeSessionCmd(msg.session)
	}
	e.services.loading = false
	e.services.title = e.address
	e.services.touch()
	if msg.err != nil {
		e.services.err = msg.err
		return e, nil
	}
	e.session = msg.session
	if short := msg.provenance.Short(); short != "" {
		e.services.title = fmt.Sprintf("%s (%s)", e.address, short)
	}
	e.services.setMethods(msg.methods)
	var cmds []tea.Cmd
	if sel := e.services.selected(); sel != nil {
		cmds = append(cmds, e.switchMethod(sel))
	}
	var hints []string
	if hint := msg.provenance.SchemaHint(); hint != "" {
		hints = append(hints, hint)
	}
	for _, err := range msg.leftOut {
		hints = append(hints, "left out "+err.Error())
	}
	if len(hints) > 0 {
		e.response.showHint(strings.Join(hints, "\n"))
	}
	if names := e.services.serviceNames(); len(names) > 0 {
		cmds = append(cmds, healthCmd(e.connCtx, e.connID, e.session, names, e.opts.Headers.Call))
	}
	return e, tea.Batch(cmds...)
}

func (e explorerPage) savedKey(method string) string { return e.address + "\x00" + method }

func (e *explorerPage) saveCurrent() {
	if e.request.method != nil {
		e.saved[e.savedKey(reflection.MethodName(e.request.method))] = e.request.saved()
	}
}

// switchMethod keeps what was typed for the method left and shows the new
// one's saved request, or its template the first time. The call belongs
// to the method left, so it goes with it.
func (e *explorerPage) switchMethod(to protoreflect.MethodDescriptor) tea.Cmd {
	e.dropCall()
	e.response.clear()
	e.saveCurrent()
	if to == nil {
		e.request.method = nil
		return nil
	}
	var cmd tea.Cmd
	saved, ok := e.saved[e.savedKey(reflection.MethodName(to))]
	if !ok {
		saved = savedRequest{deadline: defaultDeadline}
		if tmpl, err := reflection.Template(to.Input()); err == nil {
			saved.body = strings.TrimRight(string(tmpl), "\n")
		} else {
			saved.body = "{}"
			cmd = errCmd(fmt.Errorf("template: %w", err))
		}
	}
	var resolver client.TypeResolver
	if e.session != nil {
		resolver = e.session.Resolver()
	}
	e.request.load(to, saved, resolver)
	return cmd
}

// SetSize lays the three panes out in w×h: the services tree on the left,
// the request above the response on the right.
func (e *explorerPage) SetSize(w, h int) {
	e.width, e.height = w, h
	frameW, frameH := e.styles.Pane.GetFrameSize()
	e.leftWidth = min(max(w/3, 24), 44)
	e.requestHeight = max(8, h*11/20)
	e.services.SetSize(e.leftWidth-frameW, h-frameH)
	e.request.SetSize(w-e.leftWidth-frameW, e.requestHeight-frameH)
	e.response.SetSize(w-e.leftWidth-frameW, h-e.requestHeight-frameH)
}

// View draws again only the panes that changed since the last frame.
func (e explorerPage) View() string {
	rw := e.width - e.leftWidth
	left := e.cachedFrame(&e.frames.services, e.services.rev, 0, e.leftWidth, e.height, e.focus == focusServices, e.services.View)
	req := e.cachedFrame(&e.frames.request, e.request.rev, 0, rw, e.requestHeight, e.requestFocused(), e.request.View)
	var shown uint64
	if c := e.response.call; c != nil {
		shown = c.rev
	}
	resp := e.cachedFrame(&e.frames.response, e.response.rev, shown, rw, e.height-e.requestHeight, e.focus == focusResponse, e.response.View)
	return joinColumns(left, req+"\n"+resp)
}

func (e explorerPage) help() bindings {
	switch {
	case e.focus == focusServices:
		return e.services.help()
	case e.focus == focusResponse:
		return e.response.help()
	}
	return e.request.help()
}
