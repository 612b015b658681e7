package socketstest

import (
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// Evil is what a hostile peer puts in every text it controls: an OSC 52
// clipboard write, a window title and a screen clear.
const Evil = "\x1b]52;c;cHduZWQ=\x07\x1b]2;pwned\x07\x1b[2J"

type hostileServices struct{}

func (hostileServices) GetServiceInfo() map[string]grpc.ServiceInfo {
	return map[string]grpc.ServiceInfo{"evil.v1.Evil": {}}
}

// ServeHostile serves evil.v1.Evil/Do at path, with reflection: the
// service's and the method's comments hold Evil, and every call answers
// with Evil in a binary header (x-evil-bin) and in its Internal status.
func ServeHostile(t testing.TB, path string) {
	t.Helper()
	fdp := &descriptorpb.FileDescriptorProto{
		Name: proto.String("evil/v1/evil.proto"), Package: proto.String("evil.v1"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("Empty")}},
		Service: []*descriptorpb.ServiceDescriptorProto{{Name: proto.String("Evil"), Method: []*descriptorpb.MethodDescriptorProto{
			{Name: proto.String("Do"), InputType: proto.String(".evil.v1.Empty"), OutputType: proto.String(".evil.v1.Empty")},
		}}},
		SourceCodeInfo: &descriptorpb.SourceCodeInfo{Location: []*descriptorpb.SourceCodeInfo_Location{
			{Path: []int32{6, 0}, Span: []int32{1, 0, 1}, LeadingComments: proto.String(" The evil service." + Evil + "\n")},
			{Path: []int32{6, 0, 2, 0}, Span: []int32{2, 0, 1}, LeadingComments: proto.String(" The evil method." + Evil + "\n")},
		}},
	}
	fd, err := protodesc.NewFile(fdp, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	files := &protoregistry.Files{}
	if err := files.RegisterFile(fd); err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		stream.SetHeader(metadata.Pairs("x-evil-bin", Evil))
		return status.Error(codes.Internal, "failed"+Evil)
	}))
	refv1.RegisterServerReflectionServer(srv, reflection.NewServerV1(reflection.ServerOptions{Services: hostileServices{}, DescriptorResolver: files}))
	go srv.Serve(Listen(t, path))
	t.Cleanup(srv.Stop)
}
