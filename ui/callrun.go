package ui

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/sync/semaphore"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/client"
)

// frameInterval is how often a fast stream may have the screen redrawn:
// events that come closer together than this reach Update as one batch.
const frameInterval = 16 * time.Millisecond

// maxPending bounds the events a call holds for the update loop; a call
// that gets that far ahead waits, so its memory stays bounded.
const maxPending = 1 << 16

// eventQueue carries one call's events to the update loop. The call
// appends under a lock and wakes the reader only when it sleeps, so a
// fast stream costs a lock per message rather than a channel hand-off,
// and the reader takes everything that came at once.
type eventQueue struct {
	mu      sync.Mutex
	pending []callEvent
	spare   []callEvent // the last batch's slice, reused once Update is done with it
	closed  bool
	wake    chan struct{} // something was added, or the queue closed
	space   chan struct{} // the reader took what was pending
}

func newEventQueue() *eventQueue {
	return &eventQueue{wake: make(chan struct{}, 1), space: make(chan struct{}, 1)}
}

// push adds ev, waiting while the reader is maxPending events behind
// unless ctx ends first.
func (q *eventQueue) push(ctx context.Context, ev callEvent) error {
	for {
		q.mu.Lock()
		if len(q.pending) < maxPending || ev.done {
			q.pending = append(q.pending, ev)
			q.mu.Unlock()
			select {
			case q.wake <- struct{}{}:
			default:
			}
			return nil
		}
		q.mu.Unlock()
		select {
		case <-q.space:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// close says no event follows.
func (q *eventQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// wait blocks until there are events, lets more gather until frameInterval
// has passed since the previous batch was delivered (last), so that a lone
// event comes at once and a flood costs one Update and one frame per
// interval whatever its rate, and takes them all. open is false once the
// queue is closed and empty.
func (q *eventQueue) wait(last time.Time) (events []callEvent, open bool) {
	for {
		<-q.wake
		if d := time.Until(last.Add(frameInterval)); d > 0 {
			time.Sleep(d)
		}
		q.mu.Lock()
		events, q.pending = q.pending, q.spare[:0]
		q.spare = nil
		closed := q.closed
		q.mu.Unlock()
		select {
		case q.space <- struct{}{}:
		default:
		}
		if len(events) > 0 || closed {
			if closed {
				// Whatever wakes the reader later finds the queue closed.
				q.close()
			}
			return events, !closed
		}
	}
}

// recycle gives back a batch Update is done with, for the next to reuse.
func (q *eventQueue) recycle(batch []callEvent) {
	clear(batch)
	q.mu.Lock()
	if q.spare == nil {
		q.spare = batch[:0]
	}
	q.mu.Unlock()
}

// waitCallEvents waits for the call's next batch; done is the batch before,
// which Update is done with.
func waitCallEvents(callID int, q *eventQueue, last time.Time, done []callEvent) tea.Msg {
	if done != nil {
		q.recycle(done)
	}
	events, open := q.wait(last)
	msg := callEventsMsg{callID: callID, events: events, at: time.Now()}
	if open {
		msg.queue = q
	}
	return msg
}

// runCall makes the call and sends what happens on events, formatting
// each message here, off the update loop: compact JSON for a stream's
// list, an indented document for a reply read in the viewer.
func runCall(ctx context.Context, spec callSpec, events *eventQueue) {
	start := time.Now()
	if spec.reconnect != nil {
		spec.reconnect(ctx)
	}
	format := &client.ReplyFormat{Resolver: spec.resolver}
	emit := func(ev callEvent) error { return events.push(ctx, ev) }
	// next runs on a goroutine of its own for client streams, so the sent
	// messages have a formatter of their own.
	sentFormat := &client.ReplyFormat{Resolver: spec.resolver}
	logSent := func(m proto.Message) {
		if !spec.method.IsStreamingClient() {
			// Counted at once, so a running watch says it sent its request.
			_ = emit(callEvent{request: true})
			return
		}
		text := "{}"
		if b, err := sentFormat.Marshal(m); err == nil {
			text = string(b)
		}
		_ = emit(callEvent{sent: &reply{at: time.Now(), text: text}})
	}
	sentFirst := false
	next := func() (proto.Message, error) {
		if !sentFirst {
			sentFirst = true
			logSent(spec.first)
			return spec.first, nil
		}
		if spec.sends == nil {
			return nil, io.EOF
		}
		select {
		case m, ok := <-spec.sends:
			if !ok {
				return nil, io.EOF
			}
			logSent(m)
			return m, nil
		case <-ctx.Done():
			return nil, io.EOF
		}
	}
	if spec.record != nil {
		next = spec.record.Wrap(next)
	}
	// Replies are formatted on a goroutine of their own, as --call formats
	// them, so that receiving the next overlaps formatting this one; what
	// waits to be formatted is bounded in bytes.
	type queued struct {
		in    replyIn
		at    time.Time
		bytes int64
	}
	replies := make(chan queued, 256)
	inFlight := semaphore.NewWeighted(maxQueuedReplyBytes)
	var formatErr error
	formatted := make(chan struct{})
	callCtx, stopCall := context.WithCancel(ctx)
	defer stopCall()
	go func() {
		defer close(formatted)
		// Replies are handed out of a slab, one allocation per many
		// messages of a fast stream; Update copies what it keeps.
		var slab []reply
		for r := range replies {
			if len(slab) == 0 {
				slab = make([]reply, 256)
			}
			if formatErr == nil {
				if err := formatReply(ctx, spec, format, r.in, &slab[0], r.at, emit); err != nil {
					formatErr = err
					stopCall()
				}
			}
			slab = slab[1:]
			inFlight.Release(r.bytes)
		}
	}()
	var replyBytes int64
	queue := func(in replyIn) error {
		held := replyBytes
		if inFlight.Acquire(callCtx, held) != nil {
			held = 0 // the call is ending; this reply is still shown
		}
		replies <- queued{in, time.Now(), held}
		return nil
	}
	result, err := client.Invoke(callCtx, spec.conn, spec.method, spec.header, next, client.Handler{
		OnHeader:    func(md metadata.MD) { _ = emit(callEvent{header: md}) },
		OnReplySize: func(n int) { replyBytes = min(int64(n), maxQueuedReplyBytes) },
		OnResponse:  func(m proto.Message) error { return queue(replyIn{m: m}) },
		OnWire: func(desc protoreflect.MessageDescriptor, wire []byte) error {
			return queue(replyIn{desc: desc, wire: wire})
		},
		WireOver: wireReplyOver,
	}, grpc.MaxCallRecvMsgSize(spec.maxMsg))
	close(replies)
	<-formatted
	if err == nil && formatErr != nil && !errors.Is(formatErr, context.Canceled) {
		err = formatErr
	}
	done := callEvent{done: true, result: result, err: err, elapsed: time.Since(start)}
	if err == nil && result.Status != nil && result.Status.Code() != codes.OK {
		if b, jerr := client.StatusJSON(result.Status, spec.resolver); jerr == nil {
			done.statusJSON = string(b)
			done.status = newJSONDocument(indentCompact(done.statusJSON))
		}
	}
	// The final event must arrive even when the call was cancelled, so the
	// entry leaves its running state: push always takes it.
	_ = events.push(context.Background(), done)
	events.close()
}

// maxQueuedReplyBytes bounds the replies received and not yet formatted.
const maxQueuedReplyBytes = 64 << 20

// wireReplyOver is the wire size above which a unary or client-stream
// reply is kept undecoded and formatted from its bytes in parts: decoded
// whole, such a reply is a heap many times its size, which every garbage
// collection during its formatting has to mark.
const wireReplyOver = 4 << 20

// replyIn is a reply to format: decoded, or, when large, its wire bytes
// and type.
type replyIn struct {
	m    proto.Message
	desc protoreflect.MessageDescriptor
	wire []byte
}

// formatReply formats one reply and hands it on: compact JSON for a
// stream's list, an indented document for a reply read in the viewer.
func formatReply(ctx context.Context, spec callSpec, format *client.ReplyFormat, in replyIn, r *reply, at time.Time, emit func(callEvent) error) error {
	serverStream := spec.method.IsStreamingServer()
	r.at = at
	if in.wire != nil {
		doc, text, err := newWireReplyDocument(ctx, format, in.desc, in.wire, spec.method.IsStreamingClient())
		if err != nil {
			return err
		}
		r.doc, r.text = doc, text
		return emit(callEvent{reply: r})
	}
	m := in.m
	if serverStream || spec.method.IsStreamingClient() {
		b, err := format.Marshal(m)
		if err != nil {
			return err
		}
		r.text = string(b)
	}
	if !serverStream {
		// A reply is read in the viewer; a client stream's is listed too,
		// on one line.
		doc, err := newReplyDocument(ctx, format, m)
		if err != nil {
			return err
		}
		r.doc = doc
	}
	return emit(callEvent{reply: r})
}
