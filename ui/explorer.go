package ui

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"

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
	focusSocketMetadata
	focusDeadline
	focusResponse
	focusCalls
)

// explorerFocusOrder is the tab order on the explorer screen: the
// services, the request's inputs, the response, then the calls below the
// services.
var explorerFocusOrder = []focus{focusServices, focusBody, focusMetadata, focusSocketMetadata, focusDeadline, focusResponse, focusCalls}

// explorerPage is the screen of one socket: its services and calls, the
// request editor and the response. It owns the session on the socket,
// what was typed for each method and socket, and every call, which keeps
// running while the user moves to other methods and sockets.
type explorerPage struct {
	common
	opts  Options
	focus focus

	services servicesPane
	calls    callsPane
	request  requestPane
	response responsePane

	// The session on the socket being explored; connID tells the results
	// of one attempt from another's, and connCtx ends when the user leaves.
	connID     int
	connCtx    context.Context
	connCancel context.CancelFunc
	session    *session.Session
	address    string
	// states holds, per address, the calls and what else outlives a visit.
	states map[string]*socketState
	// saved holds what the user typed per address and method, for as long
	// as the program runs; so does jq, the jq expression per method.
	saved map[string]savedRequest
	jq    map[string]string
	// byID finds a call by the id its events carry; lastID counts the ids
	// handed out.
	byID   map[int]*callEntry
	lastID int
	// ticking says a tick is on its way, to keep running times fresh.
	ticking bool
	// pending is a request loaded from the history or the collection
	// while the socket was connecting, for the method the connection
	// selects; pendingNote is what to tell about it then.
	pending     *loadedRequest
	pendingNote string

	leftWidth, requestHeight, servicesHeight int
	frames                                   *explorerFrames
}

// socketState is what the explorer keeps of a socket between visits.
type socketState struct {
	calls    []*callEntry // oldest first
	metadata string       // the socket metadata editor's text
	schema   reflection.Options
	// notServed are the services found not served, kept across sessions
	// on the socket (ctrl+g opens a new one).
	notServed map[string]string
}

// noteNotServed adds what a session found not served to what the socket
// keeps, and returns the whole.
func (st *socketState) noteNotServed(found map[string]string) map[string]string {
	if st.notServed == nil {
		st.notServed = map[string]string{}
	}
	for k, v := range found {
		if _, known := st.notServed[k]; !known {
			st.notServed[k] = v
		}
	}
	return maps.Clone(st.notServed)
}

// explorerFrames are the panes' last frames, shared by every copy of the
// page: a frame draws again only the panes that changed.
type explorerFrames struct{ services, calls, request, response frameCache }

func newExplorerPage(c common, opts Options) explorerPage {
	e := explorerPage{
		common:   c,
		opts:     opts,
		services: newServicesPane(c),
		calls:    newCallsPane(c),
		request:  newRequestPane(c),
		response: newResponsePane(c),
		states:   map[string]*socketState{},
		saved:    map[string]savedRequest{},
		jq:       map[string]string{},
		byID:     map[int]*callEntry{},
		frames:   &explorerFrames{},
	}
	e.services.showUnserved = opts.Session.Schema.ShowUnserved
	for key := range opts.Headers.Call {
		e.request.startKeys = append(e.request.startKeys, key)
	}
	sort.Strings(e.request.startKeys)
	return e
}

// state is the current socket's.
func (e *explorerPage) state() *socketState {
	st := e.states[e.address]
	if st == nil {
		st = &socketState{}
		e.states[e.address] = st
	}
	return st
}

// begin readies opening address; results of earlier attempts are dropped
// from now on, and nothing of the socket shown before stays on screen.
// connectCmd then opens it, so that tea.Model.Init, which cannot keep
// state, can open the socket New readied.
func (e *explorerPage) begin(address string) {
	if e.connCancel != nil {
		e.connCancel()
	}
	e.connID++
	e.connCtx, e.connCancel = context.WithCancel(context.Background())
	e.address = address
	e.pending = nil
	e.focus = focusServices
	e.services.focused, e.calls.focused = true, false
	e.request.blur()
	e.request.method = nil
	e.request.setBody("")
	e.request.metadata.SetValue("")
	e.request.socketMD.SetValue(e.state().metadata)
	e.response.clear()
	e.calls.setCalls(e.state().calls)
	e.services.setMethods(nil)
	e.services.loading, e.services.err = true, nil
	e.services.title = address
	e.services.touch()
}

func (e explorerPage) connectCmd() tea.Cmd {
	cfg := e.opts.Session
	cfg.Address = e.address
	// The services pane hides what is not served itself, and u shows it.
	cfg.Schema.ShowUnserved = true
	extra := e.states[e.address]
	if extra != nil {
		cfg.Schema.ProtoFiles = append(append([]string(nil), cfg.Schema.ProtoFiles...), extra.schema.ProtoFiles...)
		cfg.Schema.ImportPaths = append(append([]string(nil), cfg.Schema.ImportPaths...), extra.schema.ImportPaths...)
		cfg.Schema.Protosets = append(append([]string(nil), cfg.Schema.Protosets...), extra.schema.Protosets...)
	}
	return openSessionCmd(e.connCtx, e.connID, cfg)
}

// leave is the user going to the sockets list or another socket: what was
// typed is saved for coming back, and the calls keep running, on a
// session that stays open until the last of them ends.
func (e *explorerPage) leave() tea.Cmd {
	e.saveCurrent()
	e.state().metadata = e.request.socketMD.Value()
	if e.connCancel != nil {
		e.connCancel()
	}
	s := e.session
	e.connCancel, e.session = nil, nil
	e.connID++
	e.services.setMethods(nil)
	e.request.method = nil
	return e.release(s)
}

// atTop says esc has nothing left to take back here: no call to cancel,
// no filter to clear, no text (command lines, a description) to close, no
// pane but the services tree to step out of.
func (e explorerPage) atTop() bool {
	return e.focus == focusServices && !e.services.filterShown() && !e.services.askingSchema &&
		!e.response.call.cancelable() && e.response.mode != modeText
}

// typing says whether single-letter keys are text, not commands.
func (e explorerPage) typing() bool {
	return e.requestFocused() || e.focus == focusServices && e.services.typing() ||
		e.focus == focusResponse && e.response.typing()
}

func (e explorerPage) requestFocused() bool {
	switch e.focus {
	case focusBody, focusMetadata, focusSocketMetadata, focusDeadline:
		return true
	}
	return false
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
	previous := e.session
	e.session = msg.session
	if short := msg.provenance.Short(); short != "" {
		e.services.title = fmt.Sprintf("%s (%s)", e.address, short)
	}
	var keep string
	if e.request.method != nil {
		keep = reflection.MethodName(e.request.method)
	}
	keep = e.takePending(keep)
	e.services.setMethods(msg.methods)
	e.services.insecure = e.opts.Session.TLS != nil && e.opts.Session.TLS.Insecure
	e.services.setSchemaNotes(msg.leftOut, msg.provenance.BuiltIn, e.state().noteNotServed(msg.notServed))
	e.services.selectMethod(keep)
	cmds := []tea.Cmd{e.release(previous)}
	if sel := e.services.selected(); sel != nil {
		cmds = append(cmds, e.switchMethod(sel))
	}
	var hints []string
	if e.services.insecure {
		hints = append(hints, client.InsecureWarning)
	}
	if hint := msg.provenance.SchemaHint(); hint != "" {
		hints = append(hints, hint)
	}
	if note := msg.provenance.BuiltInNote(); note != "" {
		hints = append(hints, note)
	}
	undescribed := false
	for _, err := range msg.leftOut {
		hints = append(hints, "left out "+err.Error())
		undescribed = undescribed || errors.Is(err, reflection.ErrUndescribed)
	}
	if undescribed {
		hints = append(hints, session.UndescribedHint)
	}
	if e.pendingNote != "" {
		hints = append(hints, e.pendingNote)
		e.pendingNote = ""
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
// one's saved request, or its template the first time, and its latest
// call. Calls of the method left keep running.
func (e *explorerPage) switchMethod(to protoreflect.MethodDescriptor) tea.Cmd {
	e.saveCurrent()
	e.response.clear()
	if to == nil {
		e.request.method = nil
		return nil
	}
	var cmds []tea.Cmd
	name := reflection.MethodName(to)
	saved, ok := e.saved[e.savedKey(name)]
	if !ok {
		template := "{}"
		if tmpl, err := reflection.Template(to.Input()); err == nil {
			template = strings.TrimRight(string(tmpl), "\n")
		} else {
			cmds = append(cmds, errCmd(fmt.Errorf("template: %w", err)))
		}
		saved = newSavedRequest(template)
	}
	var resolver client.TypeResolver
	if e.session != nil {
		resolver = e.session.Resolver()
	}
	e.request.load(to, saved, resolver)
	if c := e.latestCall(name); c != nil {
		e.calls.selectCall(c)
		cmds = append(cmds, e.response.show(c))
	}
	return tea.Batch(cmds...)
}
