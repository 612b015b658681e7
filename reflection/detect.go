package reflection

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jhump/protoreflect/v2/grpcreflect"
	"google.golang.org/grpc/codes"
	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	"sockscope/reflection/repair"
)

// errClosed is a look-up after Close.
var errClosed = errors.New("server reflection: the source is closed")

// reflect runs op with the reflection client, in its turn and within ctx
// (see Source). The first op also learns which API the server has. used is
// false when there is no conn or the server has no reflection. When ctx
// ends before op is done, the error wraps ctx.Err(), whatever op made of
// its broken stream.
func (s *Source) reflect(ctx context.Context, op func(*grpcreflect.Client) error) (used bool, err error) {
	if s.conn == nil {
		return false, nil
	}
	if s.streamCtx.Err() != nil {
		return false, errClosed
	}
	err = s.gate.run(ctx, func() error {
		var err error
		used, err = s.reflectInTurn(ctx, op)
		return err
	})
	if err != nil && ctx.Err() != nil {
		return used, fmt.Errorf("server reflection: %w", ctx.Err())
	}
	return used, err
}

// reflectInTurn is reflect once the look-up has its turn, which also keeps
// two first look-ups from both detecting.
func (s *Source) reflectInTurn(ctx context.Context, op func(*grpcreflect.Client) error) (used bool, err error) {
	s.mu.Lock()
	detected, client, reflErr := s.detected, s.client, s.reflErr
	s.mu.Unlock()
	if !detected {
		return s.detect(ctx, op)
	}
	if client == nil {
		return false, reflErr
	}
	return true, op(client)
}

// detect runs the first op while learning which reflection API the server
// has (see eachAPI), and records the answer. A look-up that got no answer
// about reflection at all, because the server could not be reached or ctx
// ended, records nothing: the next look-up detects again.
func (s *Source) detect(ctx context.Context, op func(*grpcreflect.Client) error) (used bool, err error) {
	opts := []grpcreflect.ClientOption{grpcreflect.WithAllowMissingFileDescriptors()}
	if files := s.registry(); files != nil {
		opts = append(opts, grpcreflect.WithFallbackResolver(files))
	}
	var client *grpcreflect.Client
	api, err := eachAPI(s.conn, func(stub refv1.ServerReflectionClient) error {
		client = grpcreflect.NewClientV1(s.streamCtx, repair.Wrap(s.gate.bind(stub)), opts...)
		err := op(client)
		if status.Code(err) == codes.Unimplemented {
			client.Reset()
		}
		return err
	})
	if api == ReflectionNone {
		return false, s.noReflection(ctx)
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled:
		client.Reset()
		return true, fmt.Errorf("server reflection: %w", err)
	}
	if ctx.Err() != nil {
		client.Reset()
		return true, err
	}
	s.mu.Lock()
	s.detected, s.client, s.version = true, client, api
	s.mu.Unlock()
	return true, err
}

// schemaProbeTimeout bounds asking a server without reflection which
// built-in API it speaks, within the look-up's own ctx.
const schemaProbeTimeout = 3 * time.Second

// noReflection records that the server has no reflection and, when no
// files were given, chooses a schema for it by its socket's name or by
// probing within ctx. A probe that ctx cut short proves nothing, so then
// nothing is recorded; one that schemaProbeTimeout cut short counts as a
// no, so that a server that never answers is probed only once.
func (s *Source) noReflection(ctx context.Context) error {
	var schema Schema
	var why string
	chosen := false
	if s.autoSchema {
		probeCtx, cancel := context.WithTimeout(s.withHeader(ctx), schemaProbeTimeout)
		// Whether the look-up's deadline, not the probe's own, bounds the
		// probing: the server may report that deadline before ctx does.
		lookupBound := false
		if lookupDeadline, ok := ctx.Deadline(); ok {
			probeDeadline, _ := probeCtx.Deadline()
			lookupBound = probeDeadline.Equal(lookupDeadline)
		}
		var unanswered bool
		schema, why, chosen, unanswered = chooseSchema(probeCtx, s.conn, s.socketPath)
		cancel()
		if !chosen && unanswered && (lookupBound || ctx.Err() != nil) {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("choose a schema: %w", err)
			}
			return fmt.Errorf("choose a schema: %w", context.DeadlineExceeded)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.detected, s.version = true, ReflectionNone
	if chosen {
		reg, err := schema.resolver()
		if err != nil {
			s.reflErr = err
			return err
		}
		s.files, s.schemaName, s.schemaReason, s.schemaOrigin = reg, schema.Name, why, schema.Origin
		s.schema = &schema
	}
	if s.files == nil {
		s.reflErr = ErrNoReflection
	}
	return s.reflErr
}

// detectedClient is the reflection client once the API is known, else nil.
func (s *Source) detectedClient() *grpcreflect.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client
}
