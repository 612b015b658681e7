package sockets

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/proto"

	"sockscope/client"
)

// http2Preface is the client connection preface followed by an empty
// SETTINGS frame: all the probe ever sends before the peer proves it speaks
// HTTP/2.
var http2Preface = []byte(http2.ClientPreface + "\x00\x00\x00\x04\x00\x00\x00\x00\x00")

// HTTP1Hint is the hint given to sockets that answer in HTTP/1.x: Kestrel's
// default for a unix socket endpoint is HTTP/1.1, the usual reason a
// would-be gRPC server lands here.
const HTTP1Hint = "server speaks HTTP/1.1 only; for gRPC over a socket, Kestrel needs Protocols = Http2"

// healthCheckPath is the one request that tells gRPC from other HTTP/2.
const healthCheckPath = "/grpc.health.v1.Health/Check"

// Probe classifies one socket: it connects, sends the HTTP/2 preface and a
// SETTINGS frame and judges the answer. A peer that answers in HTTP/2 gets
// one grpc.health.v1 check (for the server as a whole) on the same
// connection. A gRPC server is then asked, on one gRPC connection, for its
// service names over reflection; without reflection, a built-in schema is
// chosen for it by the socket's name or by calling each candidate API's
// one cheap, read-only probe method (reflection.ChooseSchema); and, when it
// serves health, for the health of each service (see Socket.Health).
// Nothing else is ever written. Datagram sockets are returned unchanged.
// Sockets whose name tells the daemon behind them (containerd's ttrpc
// socket, docker.sock) get a hint saying what it speaks. timeout bounds each
// stage of the probe (0 means DefaultProbeTimeout); failures land in the
// result, never as an error.
func Probe(ctx context.Context, s Socket, timeout time.Duration) Socket {
	s = s.clone()
	if s.Kind == KindNotStream {
		return s
	}
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	start := time.Now()
	healthServed := probeRaw(ctx, &s, timeout)
	if s.Kind == KindGRPC {
		addGRPCDetails(ctx, &s, timeout, healthServed)
	}
	applyNameHint(&s)
	s.ProbeTime = Millis(time.Since(start))
	return s
}

// probeRaw connects and classifies the socket by its answer to the preface.
// healthServed tells that a gRPC server answered the health check with a
// status (even NotFound), so checking its services' health is worthwhile.
func probeRaw(ctx context.Context, s *Socket, timeout time.Duration) (healthServed bool) {
	s.Kind, s.Hint, s.Err = KindPending, "", ""
	s.Reflection, s.Services, s.Schema, s.Health, s.Process = "", nil, nil, nil, nil
	dialer := net.Dialer{Timeout: timeout}
	conn, err := dialer.DialContext(ctx, "unix", s.Path)
	if err != nil {
		judgeConnectError(ctx, s, timeout, err)
		return
	}
	defer conn.Close()
	listening := true
	s.Listening = &listening
	if p := peerProcess(conn); p != nil {
		s.Process = p
	}
	// The context ends the probe early by expiring the connection's deadline.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	conn.SetDeadline(time.Now().Add(timeout))
	if _, err := conn.Write(http2Preface); err != nil {
		if ctx.Err() != nil {
			s.Kind, s.Err = KindPending, ctx.Err().Error()
			return
		}
		s.Kind, s.Hint = KindOther, "closed the connection before the probe was sent"
		return
	}
	answer, readErr := readAnswer(conn)
	if ctx.Err() != nil {
		s.Kind, s.Err = KindPending, ctx.Err().Error()
		return
	}
	switch judgeAnswer(answer, readErr) {
	case KindHTTP1:
		s.Kind, s.Hint = KindHTTP1, HTTP1Hint
		if !bytes.HasPrefix(answer, []byte("HTTP/")) {
			s.Hint = "answered with HTML and no status line; " + HTTP1Hint
		}
	case KindHTTP2:
		conn.SetDeadline(time.Now().Add(timeout))
		return checkGRPC(s, conn, answer)
	case KindSilent:
		s.Kind, s.Hint = KindSilent, fmt.Sprintf("accepted the connection but said nothing in %s", timeout)
	default:
		s.Kind, s.Hint = KindOther, describeOther(answer)
	}
	return false
}

// judgeConnectError turns a failed connect into the socket's kind and hint,
// in client.ClassifyConnectError's words so that --scan, the TUI and a
// failed call describe a socket alike; a scan that ends leaves the socket
// pending.
func judgeConnectError(ctx context.Context, s *Socket, timeout time.Duration, err error) {
	if ctx.Err() != nil {
		s.Kind, s.Err = KindPending, ctx.Err().Error()
		return
	}
	ce := client.ClassifyConnectError(ctx, client.Target{Network: "unix", Address: s.Path, Abstract: s.Abstract}, timeout, err)
	reason := ce.Reason()
	switch ce.Kind {
	case client.ErrRefused:
		notListening := false
		s.Listening = &notListening
		s.Kind, s.Hint = KindStale, reason+"; the file can be removed"
	case client.ErrNotSocket:
		// Replaced since discovery; what is there now is not for a scan to remove.
		notListening := false
		s.Listening = &notListening
		s.Kind, s.Hint = KindStale, reason
	case client.ErrNoSuchSocket:
		s.Kind, s.Hint = KindStale, reason+"; it vanished during the scan"
	case client.ErrPermission:
		s.Kind, s.Hint = KindDenied, reason
	case client.ErrNotStream:
		s.Kind, s.Hint = KindNotStream, reason
	case client.ErrBusy, client.ErrConnectTimeout:
		s.Kind, s.Hint = KindSilent, reason
	case client.ErrPathTooLong:
		s.Kind, s.Hint = KindUnprobed, reason
	default:
		s.Kind, s.Err = KindOther, "connect: "+reason
	}
}

// readAnswer reads until the first bytes tell what the peer speaks, the
// peer closes, or the deadline passes.
func readAnswer(conn net.Conn) ([]byte, error) {
	buf := make([]byte, 0, 256)
	chunk := make([]byte, 256)
	for {
		n, err := conn.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if judgeAnswer(buf, nil) != KindPending || len(buf) >= 256 {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// judgeAnswer decides from the first bytes of the answer; KindPending asks
// for more. readErr is the error that ended reading, if any.
func judgeAnswer(b []byte, readErr error) Kind {
	const http1Prefix = "HTTP/1."
	switch {
	case bytes.HasPrefix(b, []byte(http1Prefix)):
		return KindHTTP1
	case looksLikeHTML(b):
		// Some HTTP/1 servers (Python's http.server) take the preface for
		// an HTTP/0.9-style request and answer with a bare error page.
		return KindHTTP1
	case len(b) >= 9 && isSettingsFrameHeader(b):
		return KindHTTP2
	case len(b) < len(http1Prefix) && bytes.HasPrefix([]byte(http1Prefix), b) && readErr == nil,
		len(b) < len(htmlDoctype) && bytes.EqualFold(b, []byte(htmlDoctype[:len(b)])) && readErr == nil,
		len(b) < 9 && readErr == nil:
		return KindPending
	case len(b) == 0 && isTimeout(readErr):
		return KindSilent
	}
	return KindOther
}

const htmlDoctype = "<!doctype html"

func looksLikeHTML(b []byte) bool {
	for _, prefix := range []string{htmlDoctype, "<html"} {
		if len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], []byte(prefix)) {
			return true
		}
	}
	return false
}

// isSettingsFrameHeader reports whether b starts with the header of a
// SETTINGS frame on stream 0, the first frame every HTTP/2 server sends.
func isSettingsFrameHeader(b []byte) bool {
	length := int(b[0])<<16 | int(b[1])<<8 | int(b[2])
	stream := uint32(b[5])<<24 | uint32(b[6])<<16 | uint32(b[7])<<8 | uint32(b[8])
	return b[3] == byte(http2.FrameSettings) && b[4]&^byte(http2.FlagSettingsAck) == 0 &&
		stream == 0 && length%6 == 0
}

func isTimeout(err error) bool {
	var netErr net.Error
	return err != nil && errors.As(err, &netErr) && netErr.Timeout()
}

// describeOther says what a non-HTTP answer looked like.
func describeOther(answer []byte) string {
	switch {
	case len(answer) == 0:
		return "closed the connection without answering"
	case bytes.HasPrefix(http2Preface, answer) || bytes.HasPrefix(answer, []byte("PRI * HTTP/2.0")):
		return "echoed the probe back: not HTTP"
	}
	shown := answer
	if len(shown) > 24 {
		shown = shown[:24]
	}
	return fmt.Sprintf("answered with bytes that are not HTTP: %q", shown)
}

// checkGRPC sends one grpc.health.v1 Check for the whole server on the
// HTTP/2 connection the probe opened and reads the reply: a grpc-status,
// even Unimplemented, proves a gRPC server. It reports whether the server
// has the health service.
func checkGRPC(s *Socket, conn net.Conn, alreadyRead []byte) (healthServed bool) {
	s.Kind = KindHTTP2
	r := bufio.NewReader(io.MultiReader(bytes.NewReader(alreadyRead), conn))
	fr := http2.NewFramer(conn, r)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)

	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	for _, f := range [][2]string{
		{":method", "POST"}, {":scheme", "http"}, {":path", healthCheckPath},
		{":authority", "localhost"}, {"content-type", "application/grpc"}, {"te", "trailers"},
		{"user-agent", "sockscope-probe"},
	} {
		enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	// An empty HealthCheckRequest (service "") in gRPC's 5-byte framing.
	err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block.Bytes(), EndHeaders: true})
	if err == nil {
		err = fr.WriteData(1, true, []byte{0, 0, 0, 0, 0})
	}
	if err != nil {
		s.Hint = "HTTP/2 server closed the connection before the gRPC health check"
		return false
	}

	reply := readStream1(fr)
	grpcStatus := reply.header("grpc-status")
	switch {
	case grpcStatus == "":
		s.Hint = reply.describeNonGRPC()
		return false
	case grpcStatus == "0":
		s.Kind = KindGRPC
		s.Health = map[string]string{"": decodeHealth(reply.body)}
		return true
	case grpcStatus == "5":
		// NotFound: a health server that keeps no status for the server as a
		// whole may still keep one per service.
		s.Kind = KindGRPC
		s.Health = map[string]string{"": client.ServiceUnknown}
		return true
	case grpcStatus == "12": // Unimplemented: no health service, still gRPC
		s.Kind = KindGRPC
	case grpcStatus == "16" || grpcStatus == "7":
		// Unauthenticated, PermissionDenied: said by the reflection step,
		// which a refusal of credentials ends too.
		s.Kind = KindGRPC
	default:
		s.Kind = KindGRPC
		s.Hint = fmt.Sprintf("health check failed: grpc-status %s %s", grpcStatus, reply.header("grpc-message"))
	}
	return false
}

// stream1Reply is what came back on the probe's one stream.
type stream1Reply struct {
	fields []hpack.HeaderField // headers then trailers
	body   []byte
	reset  string // RST_STREAM or GOAWAY, when that ended it
	err    error  // a read error, when that ended it
}

func (r stream1Reply) header(name string) string {
	for i := len(r.fields) - 1; i >= 0; i-- {
		if r.fields[i].Name == name {
			return r.fields[i].Value
		}
	}
	return ""
}

func (r stream1Reply) describeNonGRPC() string {
	switch {
	case r.header(":status") != "":
		return fmt.Sprintf("HTTP/2 server, not gRPC: %s answered :status %s, content-type %q",
			healthCheckPath, r.header(":status"), r.header("content-type"))
	case r.reset != "":
		return "HTTP/2 server, not gRPC: it " + r.reset + " the gRPC health check"
	case isTimeout(r.err):
		return "HTTP/2 server, not gRPC: no answer to the gRPC health check"
	}
	return "HTTP/2 server, not gRPC: it closed the connection on the gRPC health check"
}

// readStream1 reads frames until stream 1 ends, answering the SETTINGS and
// PING frames HTTP/2 obliges a client to acknowledge.
func readStream1(fr *http2.Framer) stream1Reply {
	var reply stream1Reply
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			reply.err = err
			return reply
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				fr.WriteSettingsAck()
			}
		case *http2.PingFrame:
			if !f.IsAck() {
				fr.WritePing(true, f.Data)
			}
		case *http2.MetaHeadersFrame:
			if f.StreamID == 1 {
				reply.fields = append(reply.fields, f.Fields...)
				if f.StreamEnded() {
					return reply
				}
			}
		case *http2.DataFrame:
			if f.StreamID == 1 {
				if len(reply.body) < 1<<16 {
					reply.body = append(reply.body, f.Data()...)
				}
				if f.StreamEnded() {
					return reply
				}
			}
		case *http2.RSTStreamFrame:
			if f.StreamID == 1 {
				reply.reset = "reset (" + f.ErrCode.String() + ")"
				return reply
			}
		case *http2.GoAwayFrame:
			reply.reset = "sent GOAWAY (" + f.ErrCode.String() + ") on"
			return reply
		}
	}
}

// decodeHealth reads the serving status from a framed HealthCheckResponse.
func decodeHealth(body []byte) string {
	if len(body) < 5 || body[0] != 0 {
		return grpc_health_v1.HealthCheckResponse_UNKNOWN.String()
	}
	var resp grpc_health_v1.HealthCheckResponse
	if err := proto.Unmarshal(body[5:], &resp); err != nil {
		return grpc_health_v1.HealthCheckResponse_UNKNOWN.String()
	}
	return resp.GetStatus().String()
}
