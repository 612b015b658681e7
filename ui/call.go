package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/client"
	"sockscope/history"
	"sockscope/reflection"
	"sockscope/session"
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

	// sess is the session the call runs on, kept open until it ends even
	// when the user has moved on; address is its socket's.
	sess    *session.Session
	address string

	// What the history entry of the call needs: the requests as sent (nil
	// when history is off), the metadata sent and the deadline.
	record     *history.Recorder
	sentHeader metadata.MD
	deadline   time.Duration
	resolver   client.TypeResolver

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
	case ev.request:
		c.sent++
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
		c.sent, c.received = max(c.sent, ev.result.Sent), max(c.received, ev.result.Received)
		c.statusJSON = ev.statusJSON
		c.status = ev.status
	case ev.header != nil:
		c.header = ev.header
	}
}

// cancelable says the call is still running, so esc has it to cancel.
func (c *callEntry) cancelable() bool { return c != nil && c.running }
