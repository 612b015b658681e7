package ui

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
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

	"sockscope/sample/sampletest"
)

// evil is what a hostile peer puts in every text it controls: an OSC 52
// clipboard write, a window title and a screen clear.
const evil = "\x1b]52;c;cHduZWQ=\x07\x1b]2;pwned\x07\x1b[2J"

type hostileServices struct{}

func (hostileServices) GetServiceInfo() map[string]grpc.ServiceInfo {
	return map[string]grpc.ServiceInfo{"evil.v1.Evil": {}}
}

// serveHostile serves evil.v1.Evil, with reflection, on a socket whose
// file name holds an escape sequence; the method's comment holds one,
// and every call answers with one in a binary header and in the status.
func serveHostile(t *testing.T) string {
	t.Helper()
	fdp := &descriptorpb.FileDescriptorProto{
		Name: proto.String("evil/v1/evil.proto"), Package: proto.String("evil.v1"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("Empty")}},
		Service: []*descriptorpb.ServiceDescriptorProto{{Name: proto.String("Evil"), Method: []*descriptorpb.MethodDescriptorProto{
			{Name: proto.String("Do"), InputType: proto.String(".evil.v1.Empty"), OutputType: proto.String(".evil.v1.Empty")},
		}}},
		SourceCodeInfo: &descriptorpb.SourceCodeInfo{Location: []*descriptorpb.SourceCodeInfo_Location{
			{Path: []int32{6, 0, 2, 0}, Span: []int32{1, 0, 1}, LeadingComments: proto.String(" The evil method." + evil + "\n")},
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
		stream.SetHeader(metadata.Pairs("x-evil-bin", evil))
		return status.Error(codes.Internal, "failed"+evil)
	}))
	refv1.RegisterServerReflectionServer(srv, reflection.NewServerV1(reflection.ServerOptions{Services: hostileServices{}, DescriptorResolver: files}))
	path := filepath.Join(sampletest.ShortDir(t), "\x1b[2J.sock")
	lis, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return path
}

// TestGoldenHostileServer: a hostile server's escape sequences reach the
// screen escaped, visibly, never stripped: the socket's name, the status,
// the headers, the schema's comments.
func TestGoldenHostileServer(t *testing.T) {
	path := serveHostile(t)
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, New(Options{Address: path}))
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30}, nil)
	m := h.send(h.m.Init(), func(m Model) bool { return m.explorer.session != nil || m.explorer.services.err != nil })
	if m.explorer.session == nil {
		t.Fatalf("not connected: %v", m.explorer.services.err)
	}
	raw := func(what, view string) {
		t.Helper()
		if strings.ContainsAny(view, "\x07") || strings.Contains(ansi.Strip(view), "\x1b") {
			t.Errorf("%s let an escape sequence reach the screen:\n%q", what, view)
		}
	}
	if view := m.View().Content; !strings.Contains(ansi.Strip(view), `1b[2J.sock`) { // the start of the path is cut to the pane
		t.Errorf("the socket's name is not shown escaped:\n%s", ansi.Strip(view))
	}
	m = h.send(press("ctrl+s"), callDone)
	raw("the call's status", m.View().Content)
	golden.RequireEqual(t, []byte(goldenView(m)))

	h.focusResponse()
	m = h.send(press("i"), nil)
	raw("the headers", m.View().Content)
	if text := viewerText(m); !strings.Contains(text, "x-evil-bin: G101MjtjO2NIZHVaV1E9BxtdMjtwd25lZAcbWzJK") {
		t.Errorf("a binary header is not shown as base64:\n%s", text)
	}
	h.send(press("tab"), nil) // the calls
	h.send(press("tab"), nil) // the services
	m = h.send(press("d"), nil)
	raw("describe", m.View().Content)
	if !strings.Contains(m.explorer.response.describe, `The evil method.\x1b]52;c;cHduZWQ=\x07`) {
		t.Errorf("describe does not show the comment escaped:\n%s", m.explorer.response.describe)
	}
}
