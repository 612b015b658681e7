package reflection

import (
	"context"

	"google.golang.org/grpc"
	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
)

// v1AlphaMethod is the pre-standard reflection service's one method.
const v1AlphaMethod = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"

// v1AlphaStub speaks the v1alpha reflection service with v1's message
// types, so that grpcreflect's v1 client and one repairing wrapper serve
// servers that only know v1alpha too.
type v1AlphaStub struct{ conn grpc.ClientConnInterface }

func (s v1AlphaStub) ServerReflectionInfo(ctx context.Context, opts ...grpc.CallOption) (refv1.ServerReflection_ServerReflectionInfoClient, error) {
	stream, err := s.conn.NewStream(ctx, &refv1.ServerReflection_ServiceDesc.Streams[0], v1AlphaMethod, opts...)
	if err != nil {
		return nil, err
	}
	return &grpc.GenericClientStream[refv1.ServerReflectionRequest, refv1.ServerReflectionResponse]{ClientStream: stream}, nil
}
