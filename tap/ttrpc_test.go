package tap

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ctrversion "github.com/containerd/containerd/api/services/version/v1"
	"github.com/containerd/ttrpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/emptypb"

	"sockscope/reflection"
	"sockscope/sample"
	"sockscope/sample/samplepb"
	"sockscope/sample/sampletest"
	"sockscope/session"
	"sockscope/sockets/socketstest"
)

func ttrpcClient(t *testing.T, path string) *ttrpc.Client {
	t.Helper()
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	c := ttrpc.NewClient(conn)
	t.Cleanup(func() { c.Close() })
	return c
}

// TestTTRPCUnary taps containerd's Version API over ttrpc, as containerd
// serves it beside its gRPC socket, decoded with the built-in schema that
// defines the service.
func TestTTRPCUnary(t *testing.T) {
	upstream := filepath.Join(sampletest.ShortDir(t), "c.sock.ttrpc")
	socketstest.ServeTTRPCVersion(t, upstream)
	r := proxyOn(t, upstream, true)

	version := ctrversion.NewTTRPCVersionClient(ttrpcClient(t, r.Listen()))
	ctx := ttrpc.WithMetadata(context.Background(), ttrpc.MD{"containerd-namespace": {"default"}, "x-api-key": {"k"}})
	reply, err := version.Version(ctx, &emptypb.Empty{})
	if err != nil || reply.GetVersion() != "v0.0.0-test" {
		t.Fatalf("Version over ttrpc through the tap: %v, %v", reply, err)
	}
	events, _ := r.stop(t)
	starts := ofKind(events, CallStart)
	if len(starts) != 1 || starts[0].Protocol != ProtocolTTRPC || starts[0].Method != "containerd.services.version.v1.Version/Version" {
		t.Fatalf("call_start %+v", starts)
	}
	if md := starts[0].Metadata; md["containerd-namespace"][0] != "default" || md["x-api-key"][0] != "(masked, 1 bytes)" {
		t.Errorf("ttrpc metadata %v", md)
	}
	msgs := ofKind(events, MessageSeen)
	if len(msgs) != 2 || string(msgs[0].JSON) != "{}" || string(msgs[1].JSON) != `{"version":"v0.0.0-test"}` {
		t.Errorf("messages %+v", msgs)
	}
	ends := ofKind(events, CallEnd)
	if len(ends) != 1 || ends[0].Status == nil || ends[0].Status.Code != codes.OK || ends[0].Requests != 1 || ends[0].Responses != 1 {
		t.Errorf("call_end %+v", ends)
	}
	if closes := ofKind(events, ConnClose); len(closes) != 1 || closes[0].Protocol != ProtocolTTRPC {
		t.Errorf("conn_close %+v", closes)
	}
}

// serveTTRPCChat serves sample.v1.Echo/Chat over ttrpc: every message
// comes back as it arrives.
func serveTTRPCChat(t *testing.T, path string) {
	srv, err := ttrpc.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	srv.RegisterService("sample.v1.Echo", &ttrpc.ServiceDesc{Streams: map[string]ttrpc.Stream{
		"Chat": {StreamingClient: true, StreamingServer: true, Handler: func(_ context.Context, ss ttrpc.StreamServer) (any, error) {
			for {
				var m samplepb.ChatMessage
				if err := ss.RecvMsg(&m); err != nil {
					if errors.Is(err, io.EOF) {
						return nil, nil
					}
					return nil, err
				}
				if err := ss.SendMsg(&m); err != nil {
					return nil, err
				}
			}
		}},
	}})
	l := socketstest.Listen(t, path)
	go srv.Serve(context.Background(), l)
	t.Cleanup(func() { srv.Close() })
}

// TestTTRPCStream taps a bidi stream over ttrpc, decoded with the schema
// files the user gives.
func TestTTRPCStream(t *testing.T) {
	dir := sampletest.ShortDir(t)
	upstream := filepath.Join(dir, "chat.sock")
	serveTTRPCChat(t, upstream)
	protos := filepath.Join(dir, "protos")
	if err := os.CopyFS(protos, sample.ProtoTree()); err != nil {
		t.Fatal(err)
	}
	schema := reflection.Options{ProtoFiles: []string{"sample/v1/echo.proto"}, ImportPaths: []string{protos}}
	r := startTap(t, Config{Upstream: session.Config{Address: upstream, Schema: schema}, Listen: filepath.Join(dir, "t.sock"), Messages: true})

	stream, err := ttrpcClient(t, r.Listen()).NewStream(context.Background(), &ttrpc.StreamDesc{StreamingClient: true, StreamingServer: true},
		"sample.v1.Echo", "Chat", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"one", "two"} {
		if err := stream.SendMsg(&samplepb.ChatMessage{Text: text}); err != nil {
			t.Fatal(err)
		}
		var back samplepb.ChatMessage
		if err := stream.RecvMsg(&back); err != nil || back.GetText() != text {
			t.Fatalf("chat over ttrpc: %v, %v", back.GetText(), err)
		}
	}
	stream.CloseSend()
	var m samplepb.ChatMessage
	if err := stream.RecvMsg(&m); !errors.Is(err, io.EOF) {
		t.Fatalf("the stream's end: %v", err)
	}
	events, _ := r.stop(t)
	var seen []string
	for _, ev := range ofKind(events, MessageSeen) {
		seen = append(seen, string(ev.Direction)+" "+string(ev.JSON)+ev.Raw)
	}
	want := `request {"text":"one"}|response {"text":"one"}|request {"text":"two"}|response {"text":"two"}`
	if got := strings.Join(seen, "|"); got != want {
		t.Errorf("messages\n%s\nwant\n%s", got, want)
	}
	ends := ofKind(events, CallEnd)
	if len(ends) != 1 || ends[0].Status == nil || ends[0].Status.Code != codes.OK || ends[0].Requests != 2 || ends[0].Responses != 2 {
		t.Errorf("call_end %+v", ends)
	}
}
