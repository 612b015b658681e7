package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/client"
	"sockscope/reflection"
)

// callEntry is one call the user sent, from start to its last event, and
// everything it produced: what the response pane shows when it is
// selected. Every event about it carries its id.
type callEntry struct {
	id        int
	method    protoreflect.MethodDescriptor
	name      string // pkg.Service/Method
	kind      string // unary, server-stream, client-stream, bidi-stream
	streaming bool   // its messages are listed: a server, client or bidi stream
	started   time.Time
	elapsed   time.Duration
	running   bool
	stop      context.CancelFunc
	// sends is open while a client or bidi stream takes the editor's
	// messages; closing it ends the sending side.
	sends chan proto.Message

	header, trailer metadata.MD
	code            codes.Code
	statusMessage   string
	status          *document // the status with decoded details, when not OK
	statusJSON      string
	failure         string    // a local failure: never reached the server, or bad input
	reply           *document // a unary or client-stream call's reply, indented
	sent, received  int
	log             *streamLog // a stream's messages, both ways
	list            listState  // how the response pane shows the log

	// rev changes with everything above, so the response pane knows when
	// to draw again.
	rev uint64
}

func newCallEntry(id int, md protoreflect.MethodDescriptor, keep int, now time.Time) *callEntry {
	return &callEntry{
		id: id, method: md, name: reflection.MethodName(md), kind: reflection.RPCKind(md),
		streaming: md.IsStreamingServer() || md.IsStreamingClient(),
		started:   now, running: true, log: newStreamLog(keep),
		list: listState{follow: true}, rev: nextRev(),
	}
}

// start runs spec under the entry's id within deadline (none when zero).
func (c *callEntry) start(spec callSpec, deadline time.Duration) tea.Cmd {
	ctx, cancel := context.WithCancel(context.Background())
	if deadline > 0 {
		ctx, cancel = context.WithTimeout(context.Background(), deadline)
	}
	c.stop = cancel
	spec.callID = c.id
	if spec.method.IsStreamingClient() {
		c.sends = make(chan proto.Message, 64)
		spec.sends = c.sends
	}
	return startCallCmd(ctx, spec)
}

// open says the call is a stream still taking messages from the editor.
func (c *callEntry) open() bool { return c != nil && c.sends != nil }

// send hands msg to the open stream; false when the stream is not taking
// messages yet, since the update loop must not wait for it.
func (c *callEntry) send(msg proto.Message) bool {
	select {
	case c.sends <- msg:
		return true
	default:
		return false
	}
}

// closeSend ends the stream's sending side; its replies keep coming.
func (c *callEntry) closeSend() {
	if c.sends != nil {
		close(c.sends)
		c.sends = nil
		c.rev = nextRev()
	}
}

// cancel ends the running call and reports whether there was one. Its
// last event still comes, with the cancellation, and finishes it.
func (c *callEntry) cancel() bool {
	if c == nil || !c.running {
		return false
	}
	c.stop()
	return true
}

// apply folds one event into the entry.
func (c *callEntry) apply(ev callEvent) {
	c.rev++
	switch {
	case ev.sent != nil:
		c.sent++
		c.log.addSent(ev.sent.at, ev.sent.text)
	case ev.reply != nil:
		c.received++
		if c.streaming {
			c.log.add(ev.reply.at, ev.reply.text)
		}
		if !c.method.IsStreamingServer() {
			c.reply = ev.reply.doc
			if c.reply == nil {
				c.reply = newJSONDocument(indentCompact(ev.reply.text))
			}
		}
	case ev.done:
		c.running = false
		c.elapsed = ev.elapsed
		if c.stop != nil {
			c.stop()
		}
		c.sends = nil
		if ev.err != nil {
			c.failure = ev.err.Error()
		}
		if st := ev.result.Status; st != nil {
			c.code, c.statusMessage = st.Code(), st.Message()
		}
		if ev.result.Header != nil {
			c.header = ev.result.Header
		}
		c.trailer = ev.result.Trailer
		c.statusJSON = ev.statusJSON
		c.status = ev.status
	case ev.header != nil:
		c.header = ev.header
	}
}

// cancelable says the call is still running, so esc has it to cancel.
func (c *callEntry) cancelable() bool { return c != nil && c.running }

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
	e.dropCall()
	e.calls++
	c := newCallEntry(e.calls, md, e.opts.StreamKeep, time.Now())
	spec := callSpec{conn: e.session.Conn(), method: md, header: header, resolver: e.session.Resolver(), first: msg, maxMsg: e.opts.MaxMsgSize}
	e.call = c
	e.response.hint = ""
	cmds := []tea.Cmd{c.start(spec, deadline), e.response.show(c), e.tickCmd()}
	if expr := e.jq[e.savedKey(c.name)]; expr != "" && c.method.IsStreamingServer() {
		if prog, err := compileJQ(expr); err == nil {
			cmds = append(cmds, c.setFilter(listFilter{jq: prog}))
		}
	}
	return e, tea.Batch(cmds...)
}

// dropCall cancels the call and forgets it, for a method left or a quit;
// what it still sends is drained and ignored.
func (e *explorerPage) dropCall() {
	e.call.cancel()
	e.call = nil
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
	if !e.call.cancelable() {
		return e, nil
	}
	e.response.touch()
	return e, e.tickCmd()
}

// receive shows what a call produced and, when a failure means a known
// daemon's header is missing, offers the header. A dropped call's events
// are still read, so its goroutine can end.
func (e explorerPage) receive(msg callEventsMsg) (explorerPage, tea.Cmd) {
	c := e.call
	if c == nil || c.id != msg.callID {
		if msg.queue != nil {
			return e, waitCallEventsCmd(msg.callID, msg.queue, msg.at, msg.events)
		}
		return e, nil
	}
	for _, ev := range msg.events {
		c.apply(ev)
		if ev.done && ev.result.Status != nil {
			e.offerMetadata(ev.result.Status)
		}
	}
	c.rev = nextRev()
	var rearm tea.Cmd
	if msg.queue != nil {
		rearm = waitCallEventsCmd(msg.callID, msg.queue, msg.at, msg.events)
	}
	return e, tea.Batch(rearm, c.filterMore(), e.response.updated())
}

// rememberJQ keeps the jq expression of the call shown for its method,
// for the next call of it.
func (e explorerPage) rememberJQ() tea.Cmd {
	if c := e.response.call; c != nil {
		e.jq[e.savedKey(c.name)] = e.response.jqExpr()
	}
	return nil
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
