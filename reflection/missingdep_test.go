package reflection

import (
	"errors"
	"io"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

// partialReflection is a reflection service that, like some real servers,
// names a dependency it never serves.
type partialReflection struct {
	refv1.UnimplementedServerReflectionServer
	file *descriptorpb.FileDescriptorProto
}

func (p partialReflection) ServerReflectionInfo(stream refv1.ServerReflection_ServerReflectionInfoServer) error {
	raw, err := proto.Marshal(p.file)
	if err != nil {
		return err
	}
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		resp := &refv1.ServerReflectionResponse{OriginalRequest: req}
		switch r := req.MessageRequest.(type) {
		case *refv1.ServerReflectionRequest_ListServices:
			resp.MessageResponse = &refv1.ServerReflectionResponse_ListServicesResponse{ListServicesResponse: &refv1.ListServiceResponse{
				Service: []*refv1.ServiceResponse{{Name: "partial.v1.Svc"}}}}
		case *refv1.ServerReflectionRequest_FileContainingSymbol, *refv1.ServerReflectionRequest_FileByFilename:
			if fr, ok := r.(*refv1.ServerReflectionRequest_FileByFilename); ok && fr.FileByFilename != p.file.GetName() {
				resp.MessageResponse = &refv1.ServerReflectionResponse_ErrorResponse{ErrorResponse: &refv1.ErrorResponse{
					ErrorCode: int32(codes.NotFound), ErrorMessage: "not served"}}
				break
			}
			resp.MessageResponse = &refv1.ServerReflectionResponse_FileDescriptorResponse{FileDescriptorResponse: &refv1.FileDescriptorResponse{
				FileDescriptorProto: [][]byte{raw}}}
		default:
			return status.Error(codes.Unimplemented, "not in this test")
		}
		if err := stream.Send(resp); err != nil {
			return err
		}
	}
}

func TestMissingDependencyTolerated(t *testing.T) {
	file := &descriptorpb.FileDescriptorProto{
		Name:       proto.String("partial/v1/svc.proto"),
		Package:    proto.String("partial.v1"),
		Syntax:     proto.String("proto3"),
		Dependency: []string{"partial/v1/options_only.proto"}, // never served, and nothing here uses it
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("Ping"),
			Field: []*descriptorpb.FieldDescriptorProto{{
				Name: proto.String("text"), Number: proto.Int32(1), JsonName: proto.String("text"),
				Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
			}},
		}},
		Service: []*descriptorpb.ServiceDescriptorProto{{
			Name:   proto.String("Svc"),
			Method: []*descriptorpb.MethodDescriptorProto{{Name: proto.String("Ping"), InputType: proto.String(".partial.v1.Ping"), OutputType: proto.String(".partial.v1.Ping")}},
		}},
	}
	srv := grpc.NewServer()
	refv1.RegisterServerReflectionServer(srv, partialReflection{file: file})
	ctx, src := openSource(t, dialSocket(t, serveOn(t, srv, "p.sock")), Options{})
	md, err := src.FindMethod(ctx, "partial.v1.Svc/Ping")
	if err != nil {
		t.Fatalf("a missing, unused dependency broke the look-up: %v", err)
	}
	if md.Input().Fields().ByName("text") == nil {
		t.Errorf("the method's input lost its field")
	}
}
