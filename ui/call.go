package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"sockscope/client"
	"sockscope/reflection"
)

// call is the explorer's one call at a time, from start to its last event.
// Every message about it carries the id it was started under, and dropping
// the call moves the id on, so what a dropped call still sends is drained
// and ignored rather than shown under another method.
type call struct {
	id      int
	running bool
	stop    context.CancelFunc
	// sends is open while a client or bidi stream takes the editor's
	// messages; closing it ends the sending side.
	sends chan proto.Message
}

// start drops any call still running and runs spec under a new id, within
// deadline (none when zero).
func (c *call) start(spec callSpec, deadline time.Duration) tea.Cmd {
	c.drop()
	ctx, cancel := context.WithCancel(context.Background())
	if deadline > 0 {
		ctx, cancel = context.WithTimeout(context.Background(), deadline)
	}
	c.running, c.stop = true, cancel
	spec.callID = c.id
	if spec.method.IsStreamingClient() {
		c.sends = make(chan proto.Message, 64)
		spec.sends = c.sends
	}
	return tea.Batch(startCallCmd(ctx, spec), tickCmd(c.id))
}

// open says the call is a stream still taking messages from the editor.
func (c call) open() bool { return c.sends != nil }

// send hands msg to the open stream; false when the stream is not taking
// messages yet, since the update loop must not wait for it.
func (c *call) send(msg proto.Message) bool {
	select {
	case c.sends <- msg:
		return true
	default:
		return false
	}
}

// closeSend ends the stream's sending side; its replies keep coming.
func (c *call) closeSend() {
	if c.sends != nil {
		close(c.sends)
		c.sends = nil
	}
}

// cancel ends the running call and reports whether there was one. Its last
// event still comes, with the cancellation, and finishes it.
func (c *call) cancel() bool {
	if !c.running {
		return false
	}
	c.stop()
	return true
}

// drop cancels the call and forgets it, for a method left or a quit.
func (c *call) drop() {
	c.cancel()
	c.id++
	c.running, c.stop, c.sends = false, nil, nil
}

// finish ends the call after its last event.
func (c *call) finish() {
	if c.stop != nil {
		c.stop()
	}
	c.running, c.stop, c.sends = false, nil, nil
}

// receive takes a batch of events. The call's own are returned to be shown,
// and the last of them finishes it; a dropped call's are returned to no one
// but still read, so its goroutine can end.
func (c *call) receive(msg callEventsMsg) ([]callEvent, tea.Cmd) {
	if msg.callID != c.id {
		if msg.ch != nil {
			return nil, waitCallEventsCmd(msg.callID, msg.ch)
		}
		return nil, nil
	}
	done := msg.ch == nil
	for _, ev := range msg.events {
		done = done || ev.done
	}
	if done {
		c.finish()
		return msg.events, nil
	}
	return msg.events, waitCallEventsCmd(msg.callID, msg.ch)
}

// tick keeps the running time on screen fresh while the call runs.
func (c call) tick(msg tickMsg) tea.Cmd {
	if msg.callID != c.id || !c.running {
		return nil
	}
	return tickCmd(c.id)
}

// send starts a call, or, while a client or bidi stream is open, sends the
// editor's message on it. Bad input is reported and nothing typed is touched.
func (e explorerPage) send() (explorerPage, tea.Cmd) {
	md := e.services.selected()
	if md == nil || e.session == nil {
		return e, errCmd(errors.New("no method selected"))
	}
	msg, edited, deadline, err := e.request.request()
	if err != nil {
		return e, errCmd(err)
	}
	if e.call.open() {
		if !e.call.send(msg) {
			return e, errCmd(errors.New("the stream is not taking messages yet; try again"))
		}
		return e, nil
	}
	header := e.opts.Headers.Call.Copy()
	for k, v := range edited {
		header[k] = v
	}
	spec := callSpec{conn: e.session.Conn(), method: md, header: header, resolver: e.session.Resolver(), first: msg, maxMsg: e.opts.MaxMsgSize}
	cmd := e.call.start(spec, deadline)
	e.response.begin(reflection.MethodName(md), md.IsStreamingServer() || md.IsStreamingClient(), time.Now())
	return e, cmd
}

// receive shows what the call produced and, when a failure means a known
// daemon's header is missing, offers the header.
func (e explorerPage) receive(msg callEventsMsg) (explorerPage, tea.Cmd) {
	events, cmd := e.call.receive(msg)
	for _, ev := range events {
		e.response.apply(ev)
		if ev.done && ev.result.Status != nil {
			e.offerMetadata(ev.result.Status)
		}
	}
	return e, cmd
}

// offerMetadata answers a failure that means a known daemon's header is
// missing: the header goes into the metadata editor, said out loud, so the
// next ctrl+s sends it. Nothing the user typed is changed.
func (e *explorerPage) offerMetadata(st *status.Status) {
	sug, ok := client.SuggestMetadata(st)
	if !ok {
		return
	}
	if e.request.addMetadata(sug.Key, sug.Line()) {
		e.response.showHint(fmt.Sprintf("%s: added %q to the metadata; edit it if need be and send again", sug.Why, sug.Line()))
	} else {
		e.response.showHint(sug.Why + "; check the " + sug.Key + " line in the metadata")
	}
}
