package sockets

import (
	"context"
	"slices"
	"sync"
	"time"
)

// EventType says what happened to a socket.
type EventType string

// The watch events.
const (
	Appeared EventType = "appeared"
	Vanished EventType = "vanished"
	Changed  EventType = "changed"
)

// Event is one change Watch saw. Socket is the socket as it is now (as it
// was last seen, for Vanished).
type Event struct {
	Type   EventType
	Socket Socket
}

// Watch reports sockets appearing, vanishing and changing kind until ctx
// ends, then closes the channel. Every Options.WatchInterval it rereads
// /proc/net/unix and walks the roots again (no busy loop, no probes when
// nothing changed); a new socket, a socket file that was re-created or one
// whose listening state flipped is probed (unless Options.NoProbe) before
// its event is sent.
//
// baseline is what the caller already shows, typically Scan.Sockets from
// Start; sockets in it are not reported again. With a nil baseline the
// first pass reports every socket as Appeared.
func Watch(ctx context.Context, opts Options, baseline []Socket) (<-chan Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	known := make(map[string]Socket, len(baseline))
	for _, s := range baseline {
		known[s.Path] = s.clone()
	}
	events := make(chan Event)
	go func() {
		defer close(events)
		ticker := time.NewTicker(opts.WatchInterval)
		defer ticker.Stop()
		first := baseline == nil
		for {
			if !first {
				select {
				case <-ctx.Done():
					return
				case <-ticker.C:
				}
			}
			first = false
			if !watchPass(ctx, opts, known, events) {
				return
			}
		}
	}()
	return events, nil
}

// watchPass compares one fresh discovery with known, updates known and
// sends the events; false means ctx ended.
func watchPass(ctx context.Context, opts Options, known map[string]Socket, events chan<- Event) bool {
	scan, err := discover(ctx, opts, false)
	if err != nil {
		return false
	}
	seen := make(map[string]bool, len(scan.Sockets))
	var toProbe []Socket
	var changedNoProbe []Event
	for _, s := range scan.Sockets {
		seen[s.Path] = true
		old, ok := known[s.Path]
		switch {
		case !ok:
			toProbe = append(toProbe, s)
		case old.fileID != s.fileID || !sameListening(old.procListening, s.procListening):
			if s.Kind == KindPending {
				toProbe = append(toProbe, s)
			} else {
				changedNoProbe = append(changedNoProbe, Event{Type: Changed, Socket: s})
			}
		}
	}
	if opts.NoProbe {
		named := make([]Socket, 0, len(changedNoProbe)+len(toProbe))
		for _, ev := range changedNoProbe {
			named = append(named, ev.Socket)
		}
		named = append(named, toProbe...)
		fillProcessesFromFDs(named)
		for i := range changedNoProbe {
			changedNoProbe[i].Socket = named[i]
		}
		copy(toProbe, named[len(changedNoProbe):])
	}
	for _, ev := range changedNoProbe {
		known[ev.Socket.Path] = ev.Socket
		if !send(ctx, events, ev) {
			return false
		}
	}
	for path, old := range known {
		if !seen[path] {
			delete(known, path)
			if !send(ctx, events, Event{Type: Vanished, Socket: old}) {
				return false
			}
		}
	}

	probed := probeBatch(ctx, opts, toProbe)
	for _, s := range probed {
		old, ok := known[s.Path]
		known[s.Path] = s
		ev := Event{Type: Appeared, Socket: s}
		if ok {
			if old.Kind == s.Kind && sameListening(old.Listening, s.Listening) && slices.Equal(old.Services, s.Services) {
				continue
			}
			ev.Type = Changed
		}
		if !send(ctx, events, ev) {
			return false
		}
	}
	return ctx.Err() == nil
}

// probeBatch probes the pending sockets among socks with the scan's
// concurrency bound and returns them all, in order.
func probeBatch(ctx context.Context, opts Options, socks []Socket) []Socket {
	out := make([]Socket, len(socks))
	sem := make(chan struct{}, opts.Concurrency)
	var wg sync.WaitGroup
	for i, s := range socks {
		if s.Kind != KindPending {
			out[i] = s
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i] = Probe(ctx, s, opts.ProbeTimeout)
		})
	}
	wg.Wait()
	return out
}

func send(ctx context.Context, events chan<- Event, ev Event) bool {
	select {
	case events <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

func sameListening(a, b *bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
