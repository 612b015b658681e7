package reflection

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
)

// apis are the reflection services in the order they are tried: v1 is the
// standard one, v1alpha what servers built before it have. v1alpha's
// messages are v1's field for field, so both are spoken with v1's types and
// one grpcreflect client and one repair serve either.
var apis = []struct{ name, method string }{
	{ReflectionV1, refv1.ServerReflection_ServerReflectionInfo_FullMethodName},
	{ReflectionV1Alpha, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"},
}

// stub opens streams to the reflection service whose method is method.
type stub struct {
	conn   grpc.ClientConnInterface
	method string
}

func (s stub) ServerReflectionInfo(ctx context.Context, opts ...grpc.CallOption) (refv1.ServerReflection_ServerReflectionInfoClient, error) {
	stream, err := s.conn.NewStream(ctx, &refv1.ServerReflection_ServiceDesc.Streams[0], s.method, opts...)
	if err != nil {
		return nil, err
	}
	return &grpc.GenericClientStream[refv1.ServerReflectionRequest, refv1.ServerReflectionResponse]{ClientStream: stream}, nil
}

// eachAPI is the one place that falls back from v1 to v1alpha: it calls try
// with a stub for each API in turn while the server answers Unimplemented,
// and returns the API that answered otherwise with what try returned. When
// the server has neither, api is ReflectionNone and err the last
// Unimplemented. try does the caller's real work, so learning the API costs
// no round trip of its own.
func eachAPI(conn grpc.ClientConnInterface, try func(refv1.ServerReflectionClient) error) (api string, err error) {
	for _, a := range apis {
		if err = try(stub{conn: conn, method: a.method}); status.Code(err) != codes.Unimplemented {
			return a.name, err
		}
	}
	return ReflectionNone, err
}

// ListServiceNames asks the server's reflection for the names of its
// services (reflection's own among them), sorted, without fetching any
// descriptor: over v1, or over v1alpha when v1 answers Unimplemented. api
// is the API that answered, ReflectionV1 or ReflectionV1Alpha. ctx bounds
// the asking and carries the request's metadata. Errors keep the gRPC
// status the server or the connection gave, so status.Code works on them;
// when the server has neither API, the code is Unimplemented and api is
// ReflectionNone.
func ListServiceNames(ctx context.Context, conn grpc.ClientConnInterface) (names []string, api string, err error) {
	api, err = eachAPI(conn, func(st refv1.ServerReflectionClient) error {
		var err error
		names, err = listServiceNames(ctx, st)
		return err
	})
	switch {
	case api == ReflectionNone:
		return nil, api, fmt.Errorf("list services: the server has neither reflection API: %w", err)
	case err != nil:
		return nil, api, fmt.Errorf("list services over reflection %s: %w", api, err)
	}
	sort.Strings(names)
	return names, api, nil
}

// listServiceNames asks for the service list on a stream of its own.
func listServiceNames(ctx context.Context, st refv1.ServerReflectionClient) ([]string, error) {
	// Cancelling ends the stream, which the server would otherwise keep
	// open waiting for more requests.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := st.ServerReflectionInfo(ctx)
	if err != nil {
		return nil, err
	}
	req := &refv1.ServerReflectionRequest{MessageRequest: &refv1.ServerReflectionRequest_ListServices{ListServices: "*"}}
	if err := stream.Send(req); err != nil {
		if errors.Is(err, io.EOF) {
			// The stream ended before the request went out; Recv tells why.
			if _, recvErr := stream.Recv(); recvErr != nil {
				err = recvErr
			}
		}
		return nil, err
	}
	resp, err := stream.Recv()
	if err != nil {
		return nil, err
	}
	if e := resp.GetErrorResponse(); e != nil {
		return nil, status.Error(codes.Code(e.GetErrorCode()), e.GetErrorMessage())
	}
	list := resp.GetListServicesResponse()
	if list == nil {
		return nil, status.Errorf(codes.Internal, "the server answered a service list request with %T", resp.GetMessageResponse())
	}
	names := make([]string, 0, len(list.GetService()))
	for _, svc := range list.GetService() {
		names = append(names, svc.GetName())
	}
	return names, nil
}
