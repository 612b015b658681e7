package ui

import (
	"encoding/json"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"sockscope/collection"
	"sockscope/tap"
)

// The traffic screen's bounds: a tap may run for hours in front of a busy
// daemon, so what it keeps of the calls is bounded by count and by bytes,
// the oldest finished calls and a call's oldest messages going first.
const (
	maxTrafficCalls = 500
	maxTrafficBytes = 128 << 20
	maxCallMessages = 1000
	maxCallBytes    = 8 << 20
)

// trafficCall is one call the tap saw, as the traffic screen lists and
// opens it. Its messages never change once added, so a command may read a
// copy of the slice on its own goroutine.
type trafficCall struct {
	id                  uint64
	conn                uint64
	client              tap.Client
	protocol, method    string
	authority, timeout  string
	started             time.Time
	metadata            metadata.MD
	header, trailer     metadata.MD
	msgs                []trafficMsg
	bytes               int
	dropped             int // messages no longer held
	requests, responses int
	// firstRequest is the first request message as JSON, kept for the
	// collection whatever is dropped.
	firstRequest json.RawMessage
	done         bool
	status       *tap.Status
	note         string
	duration     time.Duration
}

// trafficMsg is one message of a call, either way.
type trafficMsg struct {
	at         time.Time
	dir        tap.Direction
	index      int
	size       int
	compressed bool
	json       []byte
	raw        string
	undecoded  string
}

func (m trafficMsg) weight() int { return len(m.json) + len(m.raw) + len(m.undecoded) + 64 }

// trafficLog is every call the traffic screen holds, oldest first.
type trafficLog struct {
	calls []*trafficCall
	byID  map[uint64]*trafficCall
	bytes int
	// conns and others count the connections seen, and those in neither
	// HTTP/2 nor ttrpc (forwarded, not decoded).
	conns, others int
	notice        string // the tap's last notice
}

func newTrafficLog() *trafficLog { return &trafficLog{byID: map[uint64]*trafficCall{}} }

// apply adds a batch of the tap's events; its cost is the batch's, not the
// log's. It returns the calls dropped from the front to stay bounded.
func (l *trafficLog) apply(events []tap.Event) (dropped int) {
	for _, ev := range events {
		switch ev.Kind {
		case tap.ConnOpen:
			l.conns++
		case tap.ConnClose:
			if ev.Protocol == tap.ProtocolOther {
				l.others++
			}
			if ev.Note != "" {
				l.notice = ev.Note
			}
		case tap.Notice:
			l.notice = ev.Note
		case tap.CallStart:
			c := &trafficCall{id: ev.Call, conn: ev.Conn, client: ev.Client, protocol: ev.Protocol, method: ev.Method,
				authority: ev.Authority, timeout: ev.Timeout, started: ev.Time, metadata: ev.Metadata}
			l.calls = append(l.calls, c)
			l.byID[c.id] = c
		case tap.MessageSeen:
			if c := l.byID[ev.Call]; c != nil {
				l.bytes += c.add(trafficMsg{at: ev.Time, dir: ev.Direction, index: ev.Index, size: ev.Size,
					compressed: ev.Compressed, json: ev.JSON, raw: ev.Raw, undecoded: ev.Undecoded})
			}
		case tap.CallEnd:
			c := l.byID[ev.Call]
			if c == nil {
				// Its start came before the log was trimmed past it, or
				// without messages: it is listed from its end.
				c = &trafficCall{id: ev.Call, conn: ev.Conn, client: ev.Client, protocol: ev.Protocol, method: ev.Method,
					started: ev.Time.Add(-ev.Duration)}
				l.calls = append(l.calls, c)
				l.byID[c.id] = c
			}
			c.done, c.status, c.note, c.duration = true, ev.Status, ev.Note, ev.Duration
			c.header, c.trailer = ev.Header, ev.Trailer
			c.requests, c.responses = ev.Requests, ev.Responses
		}
	}
	return l.trim()
}

// add holds m and returns the bytes it added to the call, less what was
// dropped to make room.
func (c *trafficCall) add(m trafficMsg) int {
	if m.dir == tap.Request {
		c.requests = max(c.requests, m.index)
		if m.index == 1 && m.json != nil {
			c.firstRequest = m.json
		}
	} else {
		c.responses = max(c.responses, m.index)
	}
	before := c.bytes
	c.msgs = append(c.msgs, m)
	c.bytes += m.weight()
	if len(c.msgs) > 2*maxCallMessages || c.bytes > maxCallBytes {
		// Dropped in one go, down to half the bound, so that a long
		// stream copies its messages rarely.
		cut := 0
		for cut < len(c.msgs)-1 && (len(c.msgs)-cut > maxCallMessages || c.bytes > maxCallBytes/2) {
			c.bytes -= c.msgs[cut].weight()
			cut++
		}
		c.msgs = append([]trafficMsg(nil), c.msgs[cut:]...)
		c.dropped += cut
	}
	return c.bytes - before
}

// trim drops the oldest finished calls beyond the bounds.
func (l *trafficLog) trim() int {
	if len(l.calls) <= maxTrafficCalls && l.bytes <= maxTrafficBytes {
		return 0
	}
	kept := l.calls[:0:0]
	dropped, excess := 0, len(l.calls)-maxTrafficCalls
	for i, c := range l.calls {
		if c.done && i < len(l.calls)-1 && (dropped < excess || l.bytes > maxTrafficBytes) {
			dropped++
			l.bytes -= c.bytes
			delete(l.byID, c.id)
			continue
		}
		kept = append(kept, c)
	}
	l.calls = kept
	return dropped
}

// ok says the call ended with status OK.
func (c *trafficCall) ok() bool { return c.done && c.status != nil && c.status.Code == codes.OK }

// recorded is the call as a collection takes it.
func (c *trafficCall) recorded() collection.Recorded {
	r := collection.Recorded{Method: c.method, Protocol: c.protocol, Metadata: c.metadata,
		RequestCount: c.requests, ResponseCount: c.responses, OK: c.ok()}
	if c.firstRequest != nil {
		r.Requests = []json.RawMessage{c.firstRequest}
	}
	return r
}
