package main

import (
	"path/filepath"
	"strings"
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

	"sockscope/sample"
	"sockscope/sockets/socketstest"
)

// evil is what a hostile peer puts in every text it controls: an OSC 52
// clipboard write, a window title and a screen clear.
const evil = "\x1b]52;c;cHduZWQ=\x07\x1b]2;pwned\x07\x1b[2J"

// hostileFile is a schema whose comments carry escape sequences.
func hostileFile(t *testing.T) *protoregistry.Files {
	t.Helper()
	fdp := &descriptorpb.FileDescriptorProto{
		Name:        proto.String("evil/v1/evil.proto"),
		Package:     proto.String("evil.v1"),
		Syntax:      proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("Empty")}},
		Service: []*descriptorpb.ServiceDescriptorProto{{
			Name:   proto.String("Evil"),
			Method: []*descriptorpb.MethodDescriptorProto{{Name: proto.String("Do"), InputType: proto.String(".evil.v1.Empty"), OutputType: proto.String(".evil.v1.Empty")}},
		}},
		SourceCodeInfo: &descriptorpb.SourceCodeInfo{Location: []*descriptorpb.SourceCodeInfo_Location{
			{Path: []int32{6, 0}, Span: []int32{1, 0, 1}, LeadingComments: proto.String(" The evil service." + evil + "\n")},
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
	return files
}

type hostileServices struct{}

func (hostileServices) GetServiceInfo() map[string]grpc.ServiceInfo {
	return map[string]grpc.ServiceInfo{"evil.v1.Evil": {}}
}

// serveHostile serves evil.v1.Evil with reflection; every call answers
// with escape sequences in a header, a binary header, and the status
// message.
func serveHostile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(shortDir(t), "evil.sock")
	srv := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		stream.SetHeader(metadata.Pairs("x-evil-bin", evil))
		return status.Error(codes.Internal, "failed"+evil)
	}))
	refv1.RegisterServerReflectionServer(srv, reflection.NewServerV1(reflection.ServerOptions{
		Services: hostileServices{}, DescriptorResolver: hostileFile(t),
	}))
	go srv.Serve(socketstest.Listen(t, path))
	t.Cleanup(srv.Stop)
	return path
}

func TestHostilePeerEscaped(t *testing.T) {
	sock := serveHostile(t)
	check := func(what, out string) {
		t.Helper()
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("%s let an escape sequence through:\n%q", what, out)
		}
		if !strings.Contains(out, `\x1b]52;c;`) && !strings.Contains(out, "G101MjtjO2NI") {
			t.Errorf("%s does not show the escaped text:\n%q", what, out)
		}
	}
	r := runCLI(t, nil, "--describe", "evil.v1.Evil", sock).want(t, exitOK)
	check("--describe", r.stdout)
	r = runCLI(t, nil, "-v", "--call", "evil.v1.Evil/Do", sock).want(t, exitRPCBase+int(codes.Internal))
	check("-v and the status", r.stderr)
	if !strings.Contains(r.stderr, "x-evil-bin: G101MjtjO2NIZHVaV1E9BxtdMjtwd25lZAcbWzJK") {
		t.Errorf("a binary header is not shown as base64:\n%s", r.stderr)
	}
	r = runCLI(t, nil, "--call", "evil.v1.Evil/Nope", sock).want(t, exitUsage)
	if strings.ContainsAny(r.stderr, "\x1b\x07") {
		t.Errorf("an error message let an escape sequence through: %q", r.stderr)
	}
}

// TestExtraInputIsUsageError: a unary or server-streaming call given more
// than one message, or trailing data, sends nothing and exits 2 naming the
// position, where it used to send the first and exit 0.
func TestExtraInputIsUsageError(t *testing.T) {
	sock := startSample(t, sample.ReflectionV1)
	for method, input := range map[string]string{
		"sample.v1.Echo/Echo":  `{"message":"a"} {"message":"b"}`,
		"sample.v1.Echo/Count": `{"count":1} oops`,
	} {
		r := runCLI(t, nil, "--call", method, "-d", input, sock).want(t, exitUsage)
		if !strings.Contains(r.stderr, "request 2: line 1, column ") || r.stdout != "" {
			t.Errorf("%s with %q: stdout %q, stderr %q", method, input, r.stdout, r.stderr)
		}
	}
	r := runCLI(t, nil, "--call", "sample.v1.Echo/Echo", "-d", `{"message":"\ud800"}`, sock).want(t, exitUsage)
	if !strings.Contains(r.stderr, "the escape of U+D800 is half of a UTF-16 surrogate pair") {
		t.Errorf("a lone surrogate: %s", r.stderr)
	}
}
