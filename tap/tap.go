package tap

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"sockscope/session"
)

// DefaultMaxMessageBytes is the largest message a tap decodes by default,
// gRPC's own default limit; larger ones are counted and reported by size.
const DefaultMaxMessageBytes = 4 << 20

// flushTimeout is how long Stop waits for the events of the connections it
// cut to be taken, before it drops the rest.
const flushTimeout = 2 * time.Second

// Config says what to tap and how. The zero value of each field gives its
// default.
type Config struct {
	// Upstream is where the tap forwards (its Address) and how the tap
	// opens it for decoding: schema files, the reflection header, the
	// connect timeout. With Interpose, Address is the socket file the tap
	// puts itself in front of.
	Upstream session.Config
	// Listen is where clients connect in proxy mode (DefaultListenPath
	// when empty); its directory is checked as the sample server's is.
	Listen string
	// Mode is the listening socket's permissions in proxy mode (0600 when
	// zero).
	Mode fs.FileMode
	// Interpose puts the tap in front of the socket file at
	// Upstream.Address: see Start.
	Interpose bool
	// Messages reports every event, each message decoded; without it only
	// the ends of calls (with their message counts) and of connections, and
	// notices, are reported, which costs the forwarding far less.
	Messages bool
	// MaxMessageBytes is the largest message decoded
	// (DefaultMaxMessageBytes when zero).
	MaxMessageBytes int

	// rest is how long the parsers rest between batches (parseRest when
	// zero); tests make it long, so that only a wake-up ends it.
	rest time.Duration
}

// Tap is a running tap: a listener whose every connection is forwarded to
// the upstream and parsed on the side.
type Tap struct {
	cfg      Config
	dialer   *session.StreamDialer
	ln       net.Listener
	listen   string
	upstream string
	warning  string
	cleanup  func() (note string, err error) // removes or puts back the sockets
	dec      *decoder

	ctx    context.Context
	cancel context.CancelFunc
	// Events go from the parsers through queue, whose bytes queued bounds,
	// to events, which the consumer reads.
	queue  chan queuedEvent
	queued *semaphore.Weighted
	events chan Event
	pumped chan struct{}
	// discard ends the wait of a parser whose event nobody takes, once
	// Stop gave up waiting.
	discard     chan struct{}
	discardCtx  context.Context
	stopWaiting context.CancelFunc

	mu       sync.Mutex
	conns    map[*tapConn]struct{}
	serving  sync.WaitGroup
	stopping atomic.Bool
	failures map[string]bool

	nextConn, nextCall    atomic.Uint64
	incomplete, dropped   atomic.Int64
	stopOnce, discardOnce sync.Once
	stopped               chan struct{}
	report                Report
}

// Report is how a tap ended.
type Report struct {
	// Notes say what happened to the sockets (a path left as it was, and
	// why), one sentence each.
	Notes []string
	// Err is a failure to put things back as they were.
	Err error
	// Incomplete counts the connections the tap stopped decoding because
	// it fell behind; their bytes were all forwarded.
	Incomplete int
	// Dropped counts the events nobody took before Stop gave up waiting.
	Dropped int
}

// Start starts a tap and returns once it listens.
//
// In proxy mode it listens on cfg.Listen (a socket of mode cfg.Mode, 0600
// by default, in a directory checked as the sample server's is: the
// default directory must be a private directory of this user's, another
// gets a warning, see Warning, when other users may write to it) and
// forwards to cfg.Upstream.Address.
//
// With cfg.Interpose it stands in front of the socket file at
// cfg.Upstream.Address without restarting its server: the file is renamed
// beside itself (PATH + sockets.InterposedSuffix; the server's listener
// keeps working through it, and existing connections are untouched), and
// the tap listens at PATH with the original's owner and mode, in one
// atomic swap, forwarding to the renamed socket. Stop swaps them back, only
// while each path still holds the socket put there. A record in the tap's
// private directory lets Restore put things back after a crash. Linux only.
//
// Every connection is forwarded byte for byte both ways; a copy is parsed
// as HTTP/2 (gRPC), ttrpc, or counted as another protocol, and reported on
// Events. The tap stops when ctx ends or Stop is called.
func Start(ctx context.Context, cfg Config) (*Tap, error) {
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if cfg.rest <= 0 {
		cfg.rest = parseRest
	}
	t := &Tap{cfg: cfg, queue: make(chan queuedEvent, 1024), queued: semaphore.NewWeighted(maxQueuedEventBytes),
		events: make(chan Event), pumped: make(chan struct{}), discard: make(chan struct{}),
		conns: map[*tapConn]struct{}{}, failures: map[string]bool{}, stopped: make(chan struct{})}
	t.discardCtx, t.stopWaiting = context.WithCancel(context.Background())
	var err error
	if cfg.Interpose {
		err = t.interpose()
	} else {
		err = t.proxy()
	}
	if err != nil {
		return nil, err
	}
	t.ctx, t.cancel = context.WithCancel(context.WithoutCancel(ctx))
	if cfg.Messages {
		t.dec = newDecoder(t.ctx, t.cfg.Upstream)
	}
	go t.pump()
	t.serving.Go(t.accept)
	go func() {
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.stopped:
		}
	}()
	return t, nil
}

// proxy listens on the configured path and checks the upstream exists.
func (t *Tap) proxy() error {
	dialer, err := session.NewStreamDialer(t.cfg.Upstream)
	if err != nil {
		return err
	}
	target := dialer.Target()
	if target.Network == "unix" && !target.Abstract {
		// Dialing to check would show up in some daemons' logs as a client
		// that said nothing; the file's existence is checked instead.
		if fi, err := os.Stat(target.Address); err != nil {
			return fmt.Errorf("upstream %s: %w", target.Address, err)
		} else if fi.Mode().Type() != fs.ModeSocket {
			return fmt.Errorf("upstream %s is not a socket", target.Address)
		}
	}
	path := t.cfg.Listen
	if path == "" {
		path = DefaultListenPath()
	}
	mode := t.cfg.Mode
	if mode == 0 {
		mode = 0o600
	}
	ln, err := listenSocket(path, mode)
	if err != nil {
		return err
	}
	t.dialer, t.ln, t.listen, t.upstream, t.warning = dialer, ln, path, target.Address, ln.warning
	t.cleanup = ln.remove
	return nil
}

// Listen is the socket clients connect to.
func (t *Tap) Listen() string { return t.listen }

// Upstream is where the tap forwards: the address given, or in interpose
// mode the renamed socket.
func (t *Tap) Upstream() string { return t.upstream }

// Warning says why the listening socket's directory lets other users
// replace the socket; "" when it does not.
func (t *Tap) Warning() string { return t.warning }

// Events delivers what the tap sees, in order per connection. It is closed
// once the tap stopped and every event was delivered. A consumer that
// falls far behind costs the decoding of busy connections (see
// Report.Incomplete), never their forwarding.
func (t *Tap) Events() <-chan Event { return t.events }

// Done is closed once the tap has stopped and put the sockets back.
func (t *Tap) Done() <-chan struct{} { return t.stopped }

func (t *Tap) accept() {
	for {
		c, err := t.ln.Accept()
		if err != nil {
			if t.stopping.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors, most likely: wait rather than spin.
			time.Sleep(50 * time.Millisecond)
			continue
		}
		t.serving.Go(func() { t.serve(c) })
	}
}

// track adds a connection to those Stop cuts; false once stopping.
func (t *Tap) track(tc *tapConn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopping.Load() {
		return false
	}
	t.conns[tc] = struct{}{}
	return true
}

func (t *Tap) untrack(tc *tapConn) {
	t.mu.Lock()
	delete(t.conns, tc)
	t.mu.Unlock()
}

// firstFailure tells whether key fails for the first time, so that a
// notice is given once per method.
func (t *Tap) firstFailure(key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.failures[key] {
		return false
	}
	t.failures[key] = true
	return true
}

func (t *Tap) maxMessage() int { return t.cfg.MaxMessageBytes }

// maxHeld bounds the partial messages one connection holds at once.
func (t *Tap) maxHeld() int { return 8 * t.cfg.MaxMessageBytes }

// Stop puts the sockets back first (interpose), so that new clients reach
// the server directly, then stops listening and cuts the connections still
// open (their calls end with "the tap stopped"). The parsers finish what
// was forwarded, and Events closes once its last events are taken; a
// consumer that takes nothing for flushTimeout loses the rest (counted in
// Report.Dropped), so Stop returns within a few seconds whatever the
// consumer does. It is safe to call more than once and from any
// goroutine; each call returns the same Report.
func (t *Tap) Stop() Report {
	t.stopOnce.Do(func() {
		defer close(t.stopped)
		t.mu.Lock()
		t.stopping.Store(true)
		conns := make([]*tapConn, 0, len(t.conns))
		for tc := range t.conns {
			conns = append(conns, tc)
		}
		t.mu.Unlock()
		note, err := t.cleanup()
		if note != "" {
			t.report.Notes = append(t.report.Notes, note)
		}
		t.report.Err = err
		if t.cfg.Interpose && err == nil && t.dec != nil {
			t.dec.retarget(t.listen)
		}
		t.ln.Close()
		for _, tc := range conns {
			tc.close()
		}
		// The parsers finish what was forwarded, schema look-ups included,
		// unless that takes longer than flushTimeout.
		served := make(chan struct{})
		go func() {
			t.serving.Wait()
			close(served)
		}()
		select {
		case <-served:
		case <-time.After(flushTimeout):
			t.giveUpOnConsumer()
			<-served
		}
		t.cancel()
		if t.dec != nil {
			t.dec.close()
		}
		close(t.queue)
		select {
		case <-t.pumped:
		case <-time.After(flushTimeout):
			t.giveUpOnConsumer()
			<-t.pumped
		}
		t.report.Incomplete = int(t.incomplete.Load())
		t.report.Dropped = int(t.dropped.Load())
	})
	<-t.stopped
	return t.report
}
