package sockets

import (
	"context"
	"sync"
)

// Start discovers sockets and returns them at once (stream sockets still
// KindPending), then probes the pending ones concurrently, at most
// Options.Concurrency at a time, each under its own deadline. Every probed
// socket is sent on the returned channel, which is closed when all probes
// are done or ctx ends; apply them with Scan.Update. With Options.NoProbe
// the channel is closed at once.
//
// The error is non-nil only when ctx ended before discovery finished; a
// scan that could read no root is reported by Scan.RootsRead.
func Start(ctx context.Context, opts Options) (*Scan, <-chan Socket, error) {
	opts = opts.withDefaults()
	scan, err := Discover(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	var pending []Socket
	for _, s := range scan.Sockets {
		if s.Kind == KindPending {
			pending = append(pending, s.clone())
		}
	}
	updates := make(chan Socket, opts.Concurrency)
	if len(pending) == 0 {
		close(updates)
		return scan, updates, nil
	}
	go probeAll(ctx, opts, pending, updates)
	return scan, updates, nil
}

// probeAll runs the probes with bounded concurrency and closes updates.
func probeAll(ctx context.Context, opts Options, pending []Socket, updates chan<- Socket) {
	defer close(updates)
	work := make(chan Socket)
	fdOwners := &fdOwnerLookup{socks: pending}
	var wg sync.WaitGroup
	workers := min(opts.Concurrency, len(pending))
	for range workers {
		wg.Go(func() {
			for s := range work {
				s = Probe(ctx, s, opts.ProbeTimeout)
				if s.Process == nil && s.Kind != KindStale && len(s.inodes) > 0 {
					s.Process = fdOwners.process(s)
				}
				select {
				case updates <- s:
				case <-ctx.Done():
				}
			}
		})
	}
feed:
	for _, s := range pending {
		select {
		case work <- s:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
}

// fdOwnerLookup scans the /proc fd tables at most once per scan, and only
// when some probe could not learn its server from the connection.
type fdOwnerLookup struct {
	socks []Socket
	once  sync.Once
	byIno map[uint64]*Process
}

func (l *fdOwnerLookup) process(s Socket) *Process {
	l.once.Do(func() {
		withProcs := make([]Socket, len(l.socks))
		copy(withProcs, l.socks)
		fillProcessesFromFDs(withProcs)
		l.byIno = make(map[uint64]*Process)
		for _, ws := range withProcs {
			for _, ino := range ws.inodes {
				if ws.Process != nil {
					l.byIno[ino] = ws.Process
				}
			}
		}
	})
	for _, ino := range s.inodes {
		if p, ok := l.byIno[ino]; ok {
			cp := *p
			return &cp
		}
	}
	return nil
}

// Update replaces the socket with the same Path by s and reports whether
// there was one.
// It is not safe for concurrent use.
func (sc *Scan) Update(s Socket) bool {
	i, ok := sc.index[s.Path]
	if !ok || i >= len(sc.Sockets) || sc.Sockets[i].Path != s.Path {
		// Built lazily, and rebuilt if the caller reordered Sockets.
		sc.index = make(map[string]int, len(sc.Sockets))
		for j, old := range sc.Sockets {
			sc.index[old.Path] = j
		}
		if i, ok = sc.index[s.Path]; !ok {
			return false
		}
	}
	sc.Sockets[i] = s
	return true
}
