package tap

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/http2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding/gzip"

	"sockscope/sample"
	"sockscope/sample/samplepb"
	"sockscope/sample/sampletest"
	"sockscope/session"
	"sockscope/sockets/socketstest"
)

// serveEcho sends back every byte it gets and half-closes at the end of
// its input, as a line protocol or a plain byte pipe does.
func serveEcho(t *testing.T) string {
	path := filepath.Join(sampletest.ShortDir(t), "echo.sock")
	socketstest.ServeConns(t, socketstest.Listen(t, path), func(c net.Conn) {
		io.Copy(c, c)
		c.(*net.UnixConn).CloseWrite()
	})
	return path
}

func roundTrip(t *testing.T, path string, payload []byte) []byte {
	t.Helper()
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go func() {
		conn.Write(payload)
		conn.(*net.UnixConn).CloseWrite()
	}()
	back, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

func TestOtherProtocolForwardedUntouched(t *testing.T) {
	r := proxyOn(t, serveEcho(t), true)
	payload := make([]byte, 300<<10)
	for i := range payload {
		payload[i] = byte(rand.IntN(256))
	}
	if back := roundTrip(t, r.Listen(), payload); !bytes.Equal(back, payload) {
		t.Fatalf("%d bytes came back of %d, or different ones", len(back), len(payload))
	}
	events, _ := r.stop(t)
	closes := ofKind(events, ConnClose)
	if len(closes) != 1 || closes[0].Protocol != ProtocolOther || closes[0].BytesFromClient != int64(len(payload)) || closes[0].BytesFromServer != int64(len(payload)) {
		t.Errorf("conn_close %+v", closes)
	}
	if calls := ofKind(events, CallStart); len(calls) != 0 {
		t.Errorf("calls on a connection that is not HTTP/2: %+v", calls)
	}
}

// TestBrokenHTTP2StillForwarded: a peer whose HTTP/2 goes wrong after the
// preface is still carried byte for byte; only its decoding stops.
func TestBrokenHTTP2StillForwarded(t *testing.T) {
	r := proxyOn(t, serveEcho(t), true)
	payload := append([]byte(http2.ClientPreface), 0, 0, 4, byte(http2.FrameData), 0, 0, 0, 0, 0, 'a', 'b', 'c', 'd')
	payload = append(payload, strings.Repeat("junk", 1000)...)
	if back := roundTrip(t, r.Listen(), payload); !bytes.Equal(back, payload) {
		t.Fatal("the bytes came back changed")
	}
	events, _ := r.stop(t)
	closes := ofKind(events, ConnClose)
	if len(closes) != 1 || closes[0].Protocol != ProtocolHTTP2 || !strings.Contains(closes[0].Note, "stopped decoding this connection: HTTP/2 from the client") {
		t.Errorf("conn_close %+v", closes)
	}
}

func TestGzipAndOversizedMessages(t *testing.T) {
	sock := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1})
	r := startTap(t, Config{Upstream: session.Config{Address: sock}, Listen: filepath.Join(sampletest.ShortDir(t), "t.sock"),
		Messages: true, MaxMessageBytes: 1 << 10})
	echo := samplepb.NewEchoClient(dialGRPC(t, r.Listen()))
	text := strings.Repeat("squeeze me ", 50)
	if _, err := echo.Echo(context.Background(), &samplepb.EchoRequest{Message: text}, grpc.UseCompressor(gzip.Name)); err != nil {
		t.Fatal(err)
	}
	if _, err := echo.Big(context.Background(), &samplepb.BigRequest{Bytes: 5000}); err != nil {
		t.Fatal(err)
	}
	events, _ := r.stop(t)
	msgs := ofKind(events, MessageSeen)
	if len(msgs) != 4 {
		t.Fatalf("%d messages: %+v", len(msgs), msgs)
	}
	if !msgs[0].Compressed || string(msgs[0].JSON) != `{"message":"`+text+`"}` {
		t.Errorf("a gzip request: compressed %v, %s %s", msgs[0].Compressed, msgs[0].JSON, msgs[0].Undecoded)
	}
	big := msgs[3]
	if big.JSON != nil || big.Size < 5000 || !strings.Contains(big.Undecoded, "more than the tap decodes (1024)") {
		t.Errorf("a message over the limit: size %d, %q", big.Size, big.Undecoded)
	}
}

func TestDecodeRaw(t *testing.T) {
	for _, c := range []struct {
		wire []byte
		want string
	}{
		{[]byte{0x08, 0x96, 0x01}, "1: 150\n"},
		{[]byte{0x12, 0x02, 'h', 'i'}, "2: \"hi\"\n"},
		{[]byte{0x1a, 0x03, 0x08, 0x96, 0x01}, "3 {\n  1: 150\n}\n"},
		{[]byte{0x25, 1, 0, 0, 0}, "4: 0x00000001\n"},
		{[]byte{0x29, 1, 0, 0, 0, 0, 0, 0, 0}, "5: 0x0000000000000001\n"},
		{[]byte{0x33, 0x08, 0x01, 0x34}, "6 {\n  1: 1\n}\n"},
		{[]byte{0x12, 0x02, 0x1b, '['}, "2: \"\\x1b[\"\n"},
		{[]byte{0x08, 0x01, 0xff}, "1: 1\n(bytes from offset 2 do not parse as protobuf: \"\\xff\")\n"},
	} {
		if got := DecodeRaw(c.wire); got != c.want {
			t.Errorf("DecodeRaw(% x) = %q, want %q", c.wire, got, c.want)
		}
	}
}

// TestTCPUpstream: a tap in front of a server on loopback TCP forwards and
// decodes as it does for a unix socket.
func TestTCPUpstream(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback TCP here: %v", err)
	}
	srv := sample.NewServer(sample.Options{Reflection: sample.ReflectionV1})
	go srv.Serve(ln)
	t.Cleanup(srv.Stop)
	r := proxyOn(t, ln.Addr().String(), true)
	echo := samplepb.NewEchoClient(dialGRPC(t, r.Listen()))
	reply, err := echo.Echo(context.Background(), &samplepb.EchoRequest{Message: "over tcp"})
	if err != nil || reply.GetMessage() != "over tcp" {
		t.Fatalf("through the tap: %v, %v", reply, err)
	}
	events, _ := r.stop(t)
	msgs := ofKind(events, MessageSeen)
	if len(msgs) != 2 || !strings.Contains(string(msgs[0].JSON), "over tcp") || !strings.Contains(string(msgs[1].JSON), "over tcp") {
		t.Fatalf("messages seen: %+v", msgs)
	}
}
