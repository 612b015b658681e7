//lint:file-ignore SA1019 v1alpha is deprecated, but many servers (older grpc-go, grpc-dotnet) still only serve it

package reflection

import (
	"context"

	"google.golang.org/grpc"
	refv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
)

// repairingV1Alpha wraps a reflection v1alpha stub so that every file the
// server sends is repaired first, as repairingV1 does for v1.
func repairingV1Alpha(stub refv1alpha.ServerReflectionClient) refv1alpha.ServerReflectionClient {
	return v1AlphaRepairingClient{stub: stub, r: newRepairer()}
}

type v1AlphaRepairingClient struct {
	stub refv1alpha.ServerReflectionClient
	r    *repairer
}

func (c v1AlphaRepairingClient) ServerReflectionInfo(ctx context.Context, opts ...grpc.CallOption) (grpc.BidiStreamingClient[refv1alpha.ServerReflectionRequest, refv1alpha.ServerReflectionResponse], error) {
	return openRepairing(ctx, c.stub.ServerReflectionInfo, v1AlphaProtocol{}, c.r, opts)
}

type v1AlphaProtocol struct{}

func (v1AlphaProtocol) request(r *refv1alpha.ServerReflectionRequest) reflectionRequest {
	switch m := r.GetMessageRequest().(type) {
	case *refv1alpha.ServerReflectionRequest_FileByFilename:
		return reflectionRequest{kind: askFile, name: m.FileByFilename}
	case *refv1alpha.ServerReflectionRequest_FileContainingSymbol:
		return reflectionRequest{kind: askSymbol, name: m.FileContainingSymbol}
	case *refv1alpha.ServerReflectionRequest_FileContainingExtension:
		return reflectionRequest{kind: askExtension, name: m.FileContainingExtension.GetContainingType(),
			number: m.FileContainingExtension.GetExtensionNumber()}
	}
	return reflectionRequest{}
}

func (v1AlphaProtocol) newRequest(q reflectionRequest) *refv1alpha.ServerReflectionRequest {
	if q.kind == askFile {
		return &refv1alpha.ServerReflectionRequest{MessageRequest: &refv1alpha.ServerReflectionRequest_FileByFilename{FileByFilename: q.name}}
	}
	return &refv1alpha.ServerReflectionRequest{MessageRequest: &refv1alpha.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: q.name}}
}

func (v1AlphaProtocol) files(r *refv1alpha.ServerReflectionResponse) ([][]byte, bool) {
	fr := r.GetFileDescriptorResponse()
	if fr == nil {
		return nil, false
	}
	return fr.GetFileDescriptorProto(), true
}

func (v1AlphaProtocol) isError(r *refv1alpha.ServerReflectionResponse) bool {
	return r.GetErrorResponse() != nil
}

func (v1AlphaProtocol) withFiles(r *refv1alpha.ServerReflectionResponse, files [][]byte) *refv1alpha.ServerReflectionResponse {
	return &refv1alpha.ServerReflectionResponse{
		ValidHost:       r.GetValidHost(),
		OriginalRequest: r.GetOriginalRequest(),
		MessageResponse: &refv1alpha.ServerReflectionResponse_FileDescriptorResponse{
			FileDescriptorResponse: &refv1alpha.FileDescriptorResponse{FileDescriptorProto: files},
		},
	}
}
