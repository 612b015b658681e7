package reflection

import (
	"context"
	"fmt"
	"time"

	"github.com/jhump/protoreflect/v2/grpcreflect"
	"google.golang.org/grpc/codes"
	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	"sockscope/reflection/repair"
)

// reflect runs op with the reflection client. The first op also learns
// which API the server has: v1 is tried, then v1alpha when v1 answers
// Unimplemented, so detection costs no round trip of its own. used is false
// when there is no conn or the server has no reflection.
func (s *Source) reflect(op func(*grpcreflect.Client) error) (used bool, err error) {
	s.mu.Lock()
	if s.conn == nil {
		s.mu.Unlock()
		return false, nil
	}
	if s.detected {
		client, reflErr := s.client, s.reflErr
		s.mu.Unlock()
		if client == nil {
			return false, reflErr
		}
		return true, op(client)
	}
	// Detection holds the lock so concurrent first uses do not race to detect.
	defer s.mu.Unlock()
	opts := []grpcreflect.ClientOption{grpcreflect.WithAllowMissingFileDescriptors()}
	if s.files != nil {
		opts = append(opts, grpcreflect.WithFallbackResolver(s.files))
	}
	var client *grpcreflect.Client
	api, err := eachAPI(s.conn, func(stub refv1.ServerReflectionClient) error {
		client = grpcreflect.NewClientV1(s.ctx, repair.Wrap(stub), opts...)
		err := op(client)
		if status.Code(err) == codes.Unimplemented {
			client.Reset()
		}
		return err
	})
	if api != ReflectionNone {
		switch status.Code(err) {
		case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled:
			// No answer about reflection at all: report it, and detect again next time.
			client.Reset()
			return true, fmt.Errorf("server reflection: %w", err)
		}
		s.detected, s.client, s.version = true, client, api
		return true, err
	}
	s.detected, s.version = true, ReflectionNone
	if s.autoSchema {
		probeCtx, cancel := context.WithTimeout(s.ctx, schemaProbeTimeout)
		defer cancel()
		if schema, why, ok := ChooseSchema(probeCtx, s.conn, s.socketPath); ok {
			reg, err := schema.resolver()
			if err != nil {
				return false, err
			}
			s.files, s.schemaName, s.schemaReason, s.schemaOrigin = reg, schema.Name, why, schema.Origin
		}
	}
	if s.files == nil {
		s.reflErr = ErrNoReflection
	}
	return false, s.reflErr
}

// schemaProbeTimeout bounds asking a server without reflection which
// built-in API it speaks.
const schemaProbeTimeout = 3 * time.Second

// detectedClient is the reflection client once the API is known, else nil.
func (s *Source) detectedClient() *grpcreflect.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client
}
