package tap

import (
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// The two sides of a connection, indexing per-direction state.
const (
	fromClient = 0
	fromServer = 1
)

// Bounds on what a connection's copy for the parser may hold. The copy
// never holds up forwarding: when the parser falls this far behind, the
// connection stops being decoded and its bytes are only counted.
const (
	copyBufferSize = 32 << 10
	feedBudget     = 16 << 20 // bytes queued for the parser
	feedChunks     = 1024     // chunks queued for the parser
	// A parser resting after a batch is woken early once this much is
	// queued, so that a busy connection is parsed long before its copy
	// reaches the bounds above, and what the copy holds between batches,
	// garbage once parsed, adds little to the tap's memory.
	hurryBytes  = 1 << 20
	hurryChunks = feedChunks / 8
)

// chunk is one read's bytes, copied for the parser, with when they passed.
type chunk struct {
	dir  int
	data []byte
	at   time.Time
}

// tapConn is one client's connection and the tap's own to the upstream.
type tapConn struct {
	t        *Tap
	id       uint64
	client   Client
	down, up net.Conn // the client's connection, the upstream's

	feed      chan chunk
	hurry     chan struct{} // ends the parser's rest
	queued    atomic.Int64
	abandoned atomic.Bool
	bytes     [2]atomic.Int64
	closeOnce sync.Once

	// loopMu guards wakeLoop, which ends the event loop that forwards the
	// connection on Linux (see forward), nil while there is none, and
	// loopClosing, set once close has run.
	loopMu      sync.Mutex
	wakeLoop    func()
	loopClosing bool
}

// serve forwards one accepted connection until both sides are done, and
// reports it.
func (t *Tap) serve(down net.Conn) {
	tc := &tapConn{t: t, id: t.nextConn.Add(1), client: peerClient(down), down: down, feed: make(chan chunk, feedChunks),
		hurry: make(chan struct{}, 1)}
	if t.stopping.Load() {
		down.Close()
		return
	}
	if t.cfg.Messages {
		t.emit(Event{Kind: ConnOpen, Time: time.Now(), Conn: tc.id, Client: tc.client})
	}
	up, err := t.dialer.Dial(t.ctx)
	if err != nil {
		down.Close()
		t.emit(Event{Kind: ConnClose, Time: time.Now(), Conn: tc.id, Client: tc.client, Protocol: ProtocolOther,
			Note: fmt.Sprintf("the tap could not reach the upstream, so it closed the client's connection: %v", err)})
		return
	}
	tc.up = up
	if !t.track(tc) {
		tc.close()
		return
	}
	defer t.untrack(tc)

	parsed := make(chan struct{})
	go func() {
		defer close(parsed)
		tc.parse()
	}()
	tc.carry()
	tc.close()
	close(tc.feed)
	tc.wake()
	<-parsed
}

// carry forwards both directions until both have ended or the connection
// is cut: by the event loop where forward has one, else by two copies. It
// tells whether the event loop did it.
func (tc *tapConn) carry() (byLoop bool) {
	if tc.forward() {
		return true
	}
	var copies sync.WaitGroup
	copies.Go(func() { tc.copy(fromClient, tc.down, tc.up) })
	copies.Go(func() { tc.copy(fromServer, tc.up, tc.down) })
	copies.Wait()
	return false
}

// copy forwards src to dst unchanged, then passes on src's end: a clean end
// of stream as a half-close, anything else by closing both connections.
// It is the portable way, where forward has no event loop or cannot copy
// a side's descriptor.
func (tc *tapConn) copy(dir int, src, dst net.Conn) {
	buf := make([]byte, copyBufferSize)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			// The copy is queued before the bytes go on, so that the parser
			// sees them before anything the peer does in answer.
			tc.offer(dir, buf[:n], time.Now())
			if _, werr := dst.Write(buf[:n]); werr != nil {
				tc.close()
				return
			}
			tc.bytes[dir].Add(int64(n))
		}
		if err != nil {
			if errors.Is(err, io.EOF) && closeWrite(dst) == nil {
				return
			}
			tc.close()
			return
		}
	}
}

// closeWrite half-closes c, so the peer sees the end of stream that the
// other side sent while replies can still come back.
func closeWrite(c net.Conn) error {
	if hc, ok := c.(interface{ CloseWrite() error }); ok {
		return hc.CloseWrite()
	}
	return errors.ErrUnsupported
}

func (tc *tapConn) close() {
	tc.closeOnce.Do(func() {
		tc.loopMu.Lock()
		tc.loopClosing = true
		if tc.wakeLoop != nil {
			tc.wakeLoop()
		}
		tc.loopMu.Unlock()
		tc.down.Close()
		if tc.up != nil {
			tc.up.Close()
		}
	})
}

// offer queues a copy of b for the parser, unless the parser is too far
// behind, in which case the connection is no longer decoded: the bytes it
// already has are a clean prefix of the stream, and nothing after a gap is
// ever parsed.
func (tc *tapConn) offer(dir int, b []byte, at time.Time) {
	if tc.abandoned.Load() {
		return
	}
	queued := tc.queued.Add(int64(len(b)))
	if queued > feedBudget {
		tc.abandoned.Store(true)
		return
	}
	select {
	case tc.feed <- chunk{dir: dir, data: slices.Clone(b), at: at}:
	default:
		tc.abandoned.Store(true)
		return
	}
	if queued >= hurryBytes || len(tc.feed) >= hurryChunks {
		tc.wake()
	}
}

// wake ends the parser's rest, if it is resting; it never waits.
func (tc *tapConn) wake() {
	select {
	case tc.hurry <- struct{}{}:
	default:
	}
}

// parseRest is how long a connection's parser rests after a batch, unless
// its queue fills up first (see hurryBytes) or the connection ends. A
// line of output waits for it and then for the printer's own flush, so
// the two together stay well under what a person watching notices.
const parseRest = 20 * time.Millisecond

// drain parses every chunk already queued; false once the feed is closed.
func (tc *tapConn) drain(take func(chunk)) bool {
	for {
		select {
		case c, ok := <-tc.feed:
			if !ok {
				return false
			}
			take(c)
		default:
			return true
		}
	}
}

// parse runs the connection's parser over the copies, in the order the
// bytes passed, and reports the connection's end.
func (tc *tapConn) parse() {
	p := newConnParser(tc.t, tc.id, tc.client)
	take := func(c chunk) {
		tc.queued.Add(-int64(len(c.data)))
		p.feed(c.dir, c.data, c.at)
	}
	rest := time.NewTimer(tc.t.cfg.rest)
	defer rest.Stop()
	for c := range tc.feed {
		take(c)
		if !tc.drain(take) {
			break
		}
		// A parser woken for every read would compete for the CPUs with the
		// forwarding it watches, on every call; resting between batches lets
		// a busy connection's reads queue up and be parsed together, while
		// the first read after a quiet spell is still parsed at once. The
		// rest is long because each wake-up of the parser costs every call
		// then in flight, on CPUs it shares with the forwarding, its client
		// and its server (bench/tap.sh: a rest of a few milliseconds costs
		// the unary calls' p50 measurably, a longer one hardly at all).
		rest.Reset(tc.t.cfg.rest)
		select {
		case <-rest.C:
		case <-tc.hurry:
			rest.Stop()
		}
	}
	note := ""
	if tc.abandoned.Load() {
		tc.t.incomplete.Add(1)
		note = fmt.Sprintf("the tap stopped decoding this connection after %d bytes from the client and %d from the server: "+
			"it fell behind (its output, or a schema look-up, was too slow); every byte was still forwarded",
			p.bytes[fromClient], p.bytes[fromServer])
	} else if tc.t.stopping.Load() {
		note = "the tap stopped"
	}
	p.finish(time.Now(), note)
	end := Event{Kind: ConnClose, Time: time.Now(), Conn: tc.id, Client: tc.client, Protocol: p.protocol(),
		BytesFromClient: tc.bytes[fromClient].Load(), BytesFromServer: tc.bytes[fromServer].Load()}
	end.Note = joinNotes(p.stopped, note)
	tc.t.emit(end)
}

func joinNotes(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}
