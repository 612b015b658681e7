package reflection

import (
	"context"
	"sync"

	"google.golang.org/grpc"
	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
)

// gate runs a Source's reflection look-ups one at a time and ties its
// reflection streams to the look-up in flight.
//
// The streams outlive look-ups, because a grpcreflect client keeps its
// stream open to answer the next look-up at once, so a stream's context
// cannot be a look-up's. Instead, when the ctx of the look-up in flight
// ends, the gate cancels every stream open at that moment and refuses new
// ones until that look-up returns: grpcreflect then fails the look-up, and
// opens a fresh stream for the next one. grpcreflect's own Reset cannot cut
// a look-up short, since it waits for the request in flight to be answered.
//
// Look-ups take turns because grpcreflect opens streams without saying
// which look-up they are for, so there must be only one they can be for.
// Little is lost: grpcreflect sends one request at a time on its one
// stream anyway.
type gate struct {
	turn chan struct{} // holds a token while a look-up runs

	mu      sync.Mutex
	current context.Context // the ctx of the look-up in flight; nil between look-ups
	turnID  int             // counts turns, so a late breakOff knows its turn is over
	streams map[int]context.CancelFunc
	nextID  int
}

func newGate() *gate {
	return &gate{turn: make(chan struct{}, 1), streams: map[int]context.CancelFunc{}}
}

// run runs op as the look-up in flight once the one before it has
// returned. When ctx ends first, run returns ctx.Err() without running op.
func (g *gate) run(ctx context.Context, op func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case g.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-g.turn }()

	g.mu.Lock()
	g.turnID++
	g.current = ctx
	id := g.turnID
	g.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { g.breakOff(id) })
	defer func() {
		stop()
		g.mu.Lock()
		g.current = nil
		g.mu.Unlock()
	}()
	return op()
}

// breakOff cancels the open streams, if turn is still the one in flight.
func (g *gate) breakOff(turn int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.current == nil || g.turnID != turn {
		return
	}
	for id, cancel := range g.streams {
		cancel()
		delete(g.streams, id)
	}
}

// track derives the context of a new stream, which breakOff can cancel. It
// refuses, with the look-up's own ctx error as a gRPC status, once the ctx
// of the look-up in flight has ended.
func (g *gate) track(ctx context.Context) (context.Context, context.CancelFunc, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.current != nil {
		if err := g.current.Err(); err != nil {
			return nil, nil, status.FromContextError(err).Err()
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	id := g.nextID
	g.nextID++
	g.streams[id] = cancel
	context.AfterFunc(ctx, func() {
		g.mu.Lock()
		delete(g.streams, id)
		g.mu.Unlock()
	})
	return ctx, cancel, nil
}

// bind returns stub with its streams tracked by g.
func (g *gate) bind(stub refv1.ServerReflectionClient) refv1.ServerReflectionClient {
	return gatedStub{g: g, stub: stub}
}

type gatedStub struct {
	g    *gate
	stub refv1.ServerReflectionClient
}

func (s gatedStub) ServerReflectionInfo(ctx context.Context, opts ...grpc.CallOption) (refv1.ServerReflection_ServerReflectionInfoClient, error) {
	ctx, cancel, err := s.g.track(ctx)
	if err != nil {
		return nil, err
	}
	stream, err := s.stub.ServerReflectionInfo(ctx, opts...)
	if err != nil {
		cancel()
		return nil, err
	}
	return stream, nil
}
