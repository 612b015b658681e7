package tap

import (
	"bytes"
	"encoding/binary"
	"time"

	"golang.org/x/net/http2"
)

// protocolParser parses one protocol's framing from both directions of a
// connection, in the order the bytes passed.
type protocolParser interface {
	// feed parses the next bytes from dir; an error stops the decoding of
	// the connection (the bytes are still forwarded).
	feed(dir int, b []byte, at time.Time) error
	// finish ends every call still open, with note saying why.
	finish(at time.Time, note string)
}

// maxUndetected is how much a connection may carry before its protocol is
// known; a peer that talks this long without a preface is not HTTP/2 or
// ttrpc.
const maxUndetected = 64 << 10

// connParser tells a connection's protocol from its first bytes and hands
// the rest to that protocol's parser.
type connParser struct {
	t      *Tap
	conn   uint64
	client Client
	proto  string
	impl   protocolParser
	// early are the bytes seen before the protocol was known, in order.
	early   []chunk
	stopped string // why decoding stopped, when it did
	bytes   [2]int64
	held    heldBytes
}

func newConnParser(t *Tap, conn uint64, client Client) *connParser {
	return &connParser{t: t, conn: conn, client: client, held: heldBytes{left: t.maxHeld()}}
}

func (p *connParser) protocol() string {
	if p.proto == "" {
		return ProtocolOther
	}
	return p.proto
}

func (p *connParser) feed(dir int, b []byte, at time.Time) {
	p.bytes[dir] += int64(len(b))
	switch {
	case p.stopped != "" || p.proto == ProtocolOther:
		return
	case p.proto == "":
		p.early = append(p.early, chunk{dir: dir, data: b, at: at})
		if !p.detect() {
			return
		}
		early := p.early
		p.early = nil
		for _, c := range early {
			if p.impl == nil || p.stopped != "" {
				return
			}
			p.parse(c)
		}
		return
	}
	p.parse(chunk{dir: dir, data: b, at: at})
}

func (p *connParser) parse(c chunk) {
	if err := p.impl.feed(c.dir, c.data, c.at); err != nil {
		p.stopped = "the tap stopped decoding this connection: " + err.Error()
		p.impl.finish(c.at, p.stopped)
		p.impl = nil
	}
}

// detect decides the protocol from the client's first bytes: HTTP/2's
// preface, or a ttrpc request header (a zero first byte, a length within
// ttrpc's limit, an odd stream, the request type). It reports whether it
// decided.
func (p *connParser) detect() bool {
	var first []byte
	total := 0
	for _, c := range p.early {
		total += len(c.data)
		if c.dir == fromClient {
			first = append(first, c.data...)
		}
	}
	preface := []byte(http2.ClientPreface)
	n := min(len(first), len(preface))
	switch {
	case n > 0 && bytes.Equal(first[:n], preface[:n]):
		if n < len(preface) {
			return p.undecided(total)
		}
		p.proto = ProtocolHTTP2
		p.impl = newH2Parser(p)
	case len(first) >= ttrpcHeaderLen:
		if looksLikeTTRPC(first) {
			p.proto = ProtocolTTRPC
			p.impl = newTTRPCParser(p)
		} else {
			p.proto = ProtocolOther
		}
	default:
		return p.undecided(total)
	}
	return true
}

func (p *connParser) undecided(total int) bool {
	if total > maxUndetected {
		p.proto, p.early = ProtocolOther, nil
		return true
	}
	return false
}

func looksLikeTTRPC(h []byte) bool {
	length := binary.BigEndian.Uint32(h[:4])
	stream := binary.BigEndian.Uint32(h[4:8])
	return h[0] == 0 && length <= ttrpcMaxData && stream%2 == 1 && h[8] == ttrpcRequest && h[9]&^(ttrpcRemoteClosed|ttrpcRemoteOpen) == 0
}

func (p *connParser) finish(at time.Time, note string) {
	if p.impl != nil {
		p.impl.finish(at, note)
	}
}

// emit fills in the connection's fields and sends ev.
func (p *connParser) emit(ev Event) {
	ev.Conn, ev.Client = p.conn, p.client
	if ev.Protocol == "" {
		ev.Protocol = p.proto
	}
	p.t.emit(ev)
}
