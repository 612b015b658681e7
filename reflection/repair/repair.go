// Package repair owns making a server's malformed reflection answers well
// formed. Some servers' reflection is malformed in ways protobuf-go refuses:
// one synthetic file per package, empty dependency lists, type names without
// the leading dot, map entries with the wrong names, well-known types with
// other field names. Wrap puts a client between grpcreflect and the stub
// that rewrites every file descriptor the server sends before grpcreflect
// sees it, wherever the meaning is clear. Where it is not, the stream fails
// with ErrMalformed instead of handing on a file that would fail later with
// a less useful message.
package repair

import (
	"context"
	"errors"

	"google.golang.org/grpc"
	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
)

// ErrMalformed means the server's reflection describes its schema in a way
// that cannot be repaired without guessing. The error names the symbol at
// fault; the caller says what to do instead.
var ErrMalformed = errors.New("the server's reflection is malformed")

// Wrap returns a reflection client whose streams repair every file the
// server sends before handing it on. The stub may speak v1 or v1alpha with
// v1's message types, which are the same field for field. The repair keeps
// what it has handed on across the client's streams, so use one Wrap per
// grpcreflect client.
func Wrap(stub refv1.ServerReflectionClient) refv1.ServerReflectionClient {
	return repairingClient{stub: stub, r: newRepairer()}
}

// reflectionStream is the reflection stream as the stubs open it.
type reflectionStream = grpc.BidiStreamingClient[refv1.ServerReflectionRequest, refv1.ServerReflectionResponse]

type repairingClient struct {
	stub refv1.ServerReflectionClient
	r    *repairer
}

func (c repairingClient) ServerReflectionInfo(ctx context.Context, opts ...grpc.CallOption) (reflectionStream, error) {
	stream, err := c.stub.ServerReflectionInfo(ctx, opts...)
	if err != nil {
		return nil, err
	}
	return &repairingStream{reflectionStream: stream, ctx: ctx, stub: c.stub, r: c.r}, nil
}
