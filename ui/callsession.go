package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"google.golang.org/grpc/status"

	"sockscope/client"
	"sockscope/history"
	"sockscope/reflection"
	"sockscope/session"
)

// send starts a call, or, while the shown call is a client or bidi stream
// taking messages, sends the editor's message on it; the editor keeps its
// text, so the next message is an edit away. Bad input is reported and
// nothing typed is touched.
func (e explorerPage) send() (explorerPage, tea.Cmd) {
	md := e.services.selected()
	if md == nil || e.session == nil {
		return e, errCmd(errors.New("no method selected"))
	}
	msg, methodMD, socketMD, deadline, err := e.request.request()
	if err != nil {
		return e, errCmd(err)
	}
	if c := e.openStream(); c != nil && c.method == md {
		if !c.send(msg) {
			return e, errCmd(errors.New("the stream is not taking messages yet; try again"))
		}
		return e, nil
	}
	// The command line's headers are under the socket's lines, and those
	// under the method's: a key set nearer the call wins.
	header := e.opts.Headers.Call.Copy()
	for k, v := range socketMD {
		header[k] = v
	}
	for k, v := range methodMD {
		header[k] = v
	}
	e.lastID++
	c := newCallEntry(e.lastID, md, e.opts.StreamKeep, time.Now())
	c.sess, c.address = e.session, e.address
	c.sentHeader, c.deadline, c.resolver = header, deadline, e.session.Resolver()
	if e.opts.History != nil {
		c.record = &history.Recorder{}
	}
	e.byID[c.id] = c
	st := e.state()
	kept, dropped := trimFinished(append(st.calls, c))
	st.calls = kept
	for _, d := range dropped {
		delete(e.byID, d.id)
	}
	e.calls.setCalls(st.calls)
	spec := callSpec{conn: e.session.Conn(), method: md, header: header, resolver: e.session.Resolver(),
		first: msg, maxMsg: e.opts.MaxMsgSize, reconnect: e.session.Reconnect, record: c.record}
	e.response.hint = ""
	cmds := []tea.Cmd{c.start(spec, deadline), e.response.show(c), e.tickCmd()}
	if expr := e.jq[e.savedKey(c.name)]; expr != "" && c.method.IsStreamingServer() {
		if prog, err := compileJQ(expr); err == nil {
			cmds = append(cmds, c.setFilter(listFilter{jq: prog}))
		}
	}
	return e, tea.Batch(cmds...)
}

// openStream is the shown call when it is a stream still taking messages.
func (e explorerPage) openStream() *callEntry {
	if c := e.response.call; c.open() {
		return c
	}
	return nil
}

// latestCall is the newest call of method on the current socket.
func (e *explorerPage) latestCall(method string) *callEntry {
	calls := e.state().calls
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].name == method {
			return calls[i]
		}
	}
	return nil
}

// tickCmd starts the tick that keeps running times fresh, unless one is
// on its way.
func (e *explorerPage) tickCmd() tea.Cmd {
	if e.ticking {
		return nil
	}
	e.ticking = true
	return tickCmd()
}

func (e explorerPage) tick() (explorerPage, tea.Cmd) {
	e.ticking = false
	for _, c := range e.byID {
		if c.running {
			e.response.touch()
			e.calls.touch()
			return e, e.tickCmd()
		}
	}
	return e, nil
}

// receive shows what a call produced and, when a failure means a known
// daemon's header is missing, offers the header. A call dropped from the
// list still has its events read, so its goroutine can end.
func (e explorerPage) receive(msg callEventsMsg) (explorerPage, tea.Cmd) {
	var rearm tea.Cmd
	if msg.queue != nil {
		rearm = waitCallEventsCmd(msg.callID, msg.queue, msg.at, msg.events)
	}
	c := e.byID[msg.callID]
	if c == nil {
		return e, rearm
	}
	finished := false
	var cmds []tea.Cmd
	for _, ev := range msg.events {
		c.apply(ev)
		if ev.done {
			finished = true
			if ev.result.Status != nil && c.sess != nil {
				// An "unknown service" answer marks the service not served.
				c.sess.NoteAnswer(c.method, ev.result.Status)
				if st := e.states[c.address]; st != nil {
					notServed := st.noteNotServed(c.sess.NotServed())
					if c.address == e.address {
						e.services.setNotServed(notServed)
					}
				}
			}
			if ev.result.Status != nil && c.address == e.address {
				e.offerMetadata(ev.result.Status)
			}
			cmds = append(cmds, recordCallCmd(e.opts.History, c, ev))
		}
	}
	c.rev = nextRev()
	cmds = append(cmds, rearm, c.filterMore())
	if c.address == e.address {
		e.calls.touch()
	}
	if c == e.response.call {
		cmds = append(cmds, e.response.updated())
	}
	if finished {
		cmds = append(cmds, e.release(c.sess))
		if st := e.states[c.address]; st != nil {
			kept, dropped := trimFinished(st.calls)
			st.calls = kept
			for _, d := range dropped {
				delete(e.byID, d.id)
			}
			if c.address == e.address {
				e.calls.calls = kept
				e.calls.selectCall(e.response.call)
			}
		}
	}
	return e, tea.Batch(cmds...)
}

// release closes s unless it is the session shown or a running call
// still uses it.
func (e *explorerPage) release(s *session.Session) tea.Cmd {
	if s == nil || s == e.session {
		return nil
	}
	for _, c := range e.byID {
		if c.running && c.sess == s {
			return nil
		}
	}
	return closeSessionCmd(s)
}

// cancelAll cancels every call running, on any socket.
func (e *explorerPage) cancelAll() {
	for _, c := range e.byID {
		c.cancel()
	}
}

// quit cancels every call and closes every session, off the loop.
func (e *explorerPage) quit() tea.Cmd {
	e.cancelAll()
	sessions := map[*session.Session]bool{e.session: e.session != nil}
	for _, c := range e.byID {
		if c.sess != nil {
			sessions[c.sess] = true
		}
	}
	var cmds []tea.Cmd
	for s, open := range sessions {
		if open {
			cmds = append(cmds, closeSessionCmd(s))
		}
	}
	return tea.Batch(cmds...)
}

// callsKey moves in the calls list and shows the call selected; esc
// cancels it, X cancels them all, C clears the finished ones.
func (e explorerPage) callsKey(msg tea.KeyPressMsg) (explorerPage, tea.Cmd) {
	switch {
	case key.Matches(msg, e.keys.Select):
		return e.setFocus(focusResponse)
	case key.Matches(msg, e.keys.ClearCalls):
		st := e.state()
		var kept []*callEntry
		for _, c := range st.calls {
			if c.running || c == e.response.call {
				kept = append(kept, c)
			} else {
				delete(e.byID, c.id)
			}
		}
		st.calls = kept
		e.calls.setCalls(kept)
		e.calls.selectCall(e.response.call)
		return e, nil
	}
	var cmd tea.Cmd
	e.calls, cmd = e.calls.Update(msg)
	if c := e.calls.selected(); c != nil && c != e.response.call {
		cmd = tea.Batch(cmd, e.response.show(c))
		e.response.differentMethod = c.method != e.services.selected()
	}
	return e, cmd
}

// reopen opens the socket again, keeping what is on screen: the schema
// read afresh (reflection, or the files loaded), the method selected kept
// when it is still there. Running calls keep their session.
func (e explorerPage) reopen() (explorerPage, tea.Cmd) {
	if e.connCancel != nil {
		e.connCancel()
	}
	e.saveCurrent()
	e.connID++
	e.connCtx, e.connCancel = context.WithCancel(context.Background())
	e.services.loading = true
	e.services.touch()
	return e, e.connectCmd()
}

// typeSchema is the schema input of ctrl+o: enter loads the files named
// and opens the socket again with them, esc leaves the schema as it was.
func (e explorerPage) typeSchema(msg tea.KeyPressMsg) (explorerPage, tea.Cmd) {
	switch {
	case key.Matches(msg, e.keys.Back):
		e.services.endSchema()
		return e, nil
	case key.Matches(msg, e.keys.Select):
		opts, err := parseSchemaFiles(e.services.schemaInput.Value())
		if err != nil {
			return e, errCmd(err)
		}
		e.services.endSchema()
		e.state().schema = opts
		return e.reopen()
	}
	var cmd tea.Cmd
	e.services, cmd = e.services.Update(msg)
	return e, cmd
}

// rememberJQ keeps the jq expression of the call shown for its method,
// for the next call of it.
func (e explorerPage) rememberJQ() tea.Cmd {
	if c := e.response.call; c != nil {
		e.jq[c.address+"\x00"+c.name] = e.response.jqExpr()
	}
	return nil
}

// offerMetadata answers a failure that means a known daemon's header is
// missing: the header goes into the socket's metadata editor, said out
// loud, so the next ctrl+s of any method sends it. Nothing the user typed
// is changed.
func (e *explorerPage) offerMetadata(st *status.Status) {
	sug, ok := client.SuggestMetadata(st)
	if !ok {
		return
	}
	if e.request.addSocketMetadata(sug.Key, sug.Line()) {
		e.response.showHint(fmt.Sprintf("%s: added %q to the socket metadata; edit it if need be and send again", sug.Why, sug.Line()))
	} else {
		e.response.showHint(sug.Why + "; check the " + sug.Key + " line in the metadata")
	}
}

func (e explorerPage) describeSelected() (explorerPage, tea.Cmd) {
	md := e.services.selected()
	if md == nil {
		return e, nil
	}
	text, err := reflection.Describe(md)
	if err != nil {
		return e, errCmd(fmt.Errorf("describe: %w", err))
	}
	return e, e.response.showDescribe(text)
}
