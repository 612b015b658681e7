package tap

import (
	"fmt"
	"time"

	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// call is one call the tap is following, whatever its protocol.
type call struct {
	id       uint64
	stream   uint32
	protocol string
	method   string
	start    time.Time
	schema   schemaFor
	counts   [2]int
	encoding [2]string // grpc-encoding of each direction's messages
	asm      [2]msgAssembler
	header   metadata.MD
	trailer  metadata.MD
}

// callStart is what a call's request headers said.
type callStart struct {
	stream             uint32
	protocol, method   string
	authority, timeout string
	md                 metadata.MD
}

// startCall reports a new call and, when messages are decoded, finds its
// method's schema.
func (p *connParser) startCall(s callStart, at time.Time) *call {
	c := &call{id: p.t.nextCall.Add(1), stream: s.stream, protocol: s.protocol, method: s.method, start: at}
	if p.t.cfg.Messages && s.protocol != ProtocolHTTP2 {
		c.schema = p.t.dec.method(s.protocol, s.method)
		if c.schema.err != nil && p.t.firstFailure(s.protocol+" "+s.method) {
			p.emit(Event{Kind: Notice, Time: at, Call: c.id, Stream: c.stream, Protocol: s.protocol, Method: s.method,
				Note: fmt.Sprintf("no schema for %s, so its messages are shown by field number: %v", s.method, c.schema.err)})
		}
	}
	if p.t.cfg.Messages {
		p.emit(Event{Kind: CallStart, Time: at, Call: c.id, Stream: c.stream, Protocol: s.protocol, Method: s.method,
			Authority: s.authority, Timeout: s.timeout, Metadata: maskMetadata(s.md)})
	}
	return c
}

// message reports one of c's messages, decoded when messages are.
func (p *connParser) message(c *call, dir int, m wireMessage, at time.Time) {
	c.counts[dir]++
	if !p.t.cfg.Messages {
		return
	}
	ev := Event{Kind: MessageSeen, Time: at, Call: c.id, Stream: c.stream, Protocol: c.protocol, Method: c.method,
		Direction: Request, Index: c.counts[dir], Size: m.size, Compressed: m.compressed, Undecoded: m.dropped}
	if dir == fromServer {
		ev.Direction = Response
	}
	body := m.body
	if body != nil && m.compressed {
		var err error
		if body, err = decompress(c.encoding[dir], body, p.t.maxMessage()); err != nil {
			ev.Undecoded, body = err.Error(), nil
		}
	}
	if body != nil {
		var desc protoreflect.MessageDescriptor
		if md := c.schema.md; md != nil {
			desc = md.Input()
			if dir == fromServer {
				desc = md.Output()
			}
		}
		decodeInto(&ev, desc, c.schema, body)
	}
	p.emit(ev)
}

// decodeInto sets ev's JSON from body, or its Raw fields when the type is
// unknown or body is not of it.
func decodeInto(ev *Event, desc protoreflect.MessageDescriptor, schema schemaFor, body []byte) {
	if desc != nil {
		b, err := decodeJSON(desc, schema.resolver, body)
		if err == nil {
			ev.JSON = b
			return
		}
		ev.Undecoded = err.Error()
	}
	ev.Raw = DecodeRaw(body)
}

// endCall reports c's end: status is nil when the call ended without one,
// and note says how.
func (p *connParser) endCall(c *call, status *Status, note string, at time.Time) {
	for dir := range c.asm {
		if partial := c.asm[dir].partial(&p.held); partial != "" {
			side := "the client"
			if dir == fromServer {
				side = "the server"
			}
			note = joinNotes(note, fmt.Sprintf("it ended in the middle of a message from %s (%s)", side, partial))
		}
	}
	p.emit(Event{Kind: CallEnd, Time: at, Call: c.id, Stream: c.stream, Protocol: c.protocol, Method: c.method,
		Header: maskMetadata(c.header), Trailer: maskMetadata(c.trailer), Status: status, Note: note,
		Duration: at.Sub(c.start), Requests: c.counts[fromClient], Responses: c.counts[fromServer]})
}
