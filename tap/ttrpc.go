package tap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// ttrpc's framing, from its protocol description: a 10-byte header (data
// length, stream id, message type, flags), then the data.
const (
	ttrpcHeaderLen = 10
	ttrpcMaxData   = 4 << 20

	ttrpcRequest  = 1
	ttrpcResponse = 2
	ttrpcData     = 3

	ttrpcRemoteClosed = 0x1
	ttrpcRemoteOpen   = 0x2
	ttrpcNoData       = 0x4
)

// ttrpcParser follows the calls of a ttrpc connection. A request names its
// service and method and carries the first request message; data frames
// carry stream messages; a response ends the call with a status.
type ttrpcParser struct {
	p       *connParser
	bufs    [2][]byte
	streams map[uint32]*ttrpcStream
}

type ttrpcStream struct {
	*call
	unary bool
}

func newTTRPCParser(p *connParser) *ttrpcParser {
	return &ttrpcParser{p: p, streams: map[uint32]*ttrpcStream{}}
}

func (t *ttrpcParser) feed(dir int, b []byte, at time.Time) error {
	t.bufs[dir] = append(t.bufs[dir], b...)
	buf := t.bufs[dir]
	off := 0
	for len(buf)-off >= ttrpcHeaderLen {
		h := buf[off : off+ttrpcHeaderLen]
		length := int(binary.BigEndian.Uint32(h[:4]))
		if length > ttrpcMaxData {
			return fmt.Errorf("ttrpc from the %s: a message of %d bytes, more than ttrpc allows (%d)", sideName(dir), length, ttrpcMaxData)
		}
		end := off + ttrpcHeaderLen + length
		if len(buf) < end {
			break
		}
		stream := binary.BigEndian.Uint32(h[4:8])
		if err := t.frame(dir, stream, h[8], h[9], buf[off+ttrpcHeaderLen:end], at); err != nil {
			return fmt.Errorf("ttrpc from the %s: %w", sideName(dir), err)
		}
		off = end
	}
	rest := copy(buf, buf[off:])
	t.bufs[dir] = buf[:rest]
	return nil
}

func (t *ttrpcParser) frame(dir int, stream uint32, typ, flags byte, data []byte, at time.Time) error {
	switch {
	case dir == fromClient && typ == ttrpcRequest:
		return t.request(stream, flags, data, at)
	case typ == ttrpcData:
		s := t.streams[stream]
		if s != nil && flags&ttrpcNoData == 0 {
			t.p.message(s.call, dir, t.wire(data), at)
		}
		if s != nil && dir == fromServer && flags&ttrpcRemoteClosed != 0 {
			t.end(s, &Status{Code: codes.OK}, at)
		}
	case dir == fromServer && typ == ttrpcResponse:
		if s := t.streams[stream]; s != nil {
			return t.response(s, data, at)
		}
	default:
		return fmt.Errorf("message type %d on stream %d", typ, stream)
	}
	return nil
}

// wire is a ttrpc message as the common message path takes it: ttrpc
// frames one message per frame, never compressed.
func (t *ttrpcParser) wire(data []byte) wireMessage {
	m := wireMessage{size: len(data)}
	switch limit := t.p.t.maxMessage(); {
	case !t.p.t.cfg.Messages:
	case len(data) > limit:
		m.dropped = fmt.Sprintf("%d bytes, more than the tap decodes (%d)", len(data), limit)
	default:
		// An empty message is a message too; the body is decoded before
		// the buffer it points into is reused.
		m.body = data
		if m.body == nil {
			m.body = []byte{}
		}
	}
	return m
}

func (t *ttrpcParser) request(stream uint32, flags byte, data []byte, at time.Time) error {
	req, err := parseTTRPCRequest(data)
	if err != nil {
		return err
	}
	start := callStart{stream: stream, protocol: ProtocolTTRPC, method: req.service + "/" + req.method, md: req.md}
	if req.timeout > 0 {
		start.timeout = time.Duration(req.timeout).String()
	}
	s := &ttrpcStream{call: t.p.startCall(start, at), unary: flags&(ttrpcRemoteClosed|ttrpcRemoteOpen) == 0}
	t.streams[stream] = s
	// A client stream's request carries its first message only when it
	// has a payload; any other call's request is its one message, empty
	// or not (as ttrpc's server reads it).
	if req.hasPayload || flags&ttrpcRemoteOpen == 0 {
		t.p.message(s.call, fromClient, t.wire(req.payload), at)
	}
	return nil
}

func (t *ttrpcParser) response(s *ttrpcStream, data []byte, at time.Time) error {
	var status, payload []byte
	var hasStatus bool
	err := eachField(data, func(num protowire.Number, v []byte) {
		switch num {
		case 1:
			status, hasStatus = v, true
		case 2:
			payload = v
		}
	})
	if err != nil {
		return fmt.Errorf("a ttrpc Response that does not parse: %w", err)
	}
	st := &Status{Code: codes.OK}
	if hasStatus {
		var sp spb.Status
		if err := proto.Unmarshal(status, &sp); err != nil {
			return fmt.Errorf("a ttrpc Response whose status does not parse: %w", err)
		}
		st = &Status{Code: codes.Code(sp.GetCode()), Message: sp.GetMessage()}
	}
	// A unary call's reply is the response's payload, empty or not; a
	// stream's replies came as data, and a payload here is one more.
	if (s.unary && st.Code == codes.OK) || len(payload) > 0 {
		t.p.message(s.call, fromServer, t.wire(payload), at)
	}
	t.end(s, st, at)
	return nil
}

func (t *ttrpcParser) end(s *ttrpcStream, st *Status, at time.Time) {
	delete(t.streams, s.stream)
	t.p.endCall(s.call, st, "", at)
}

func (t *ttrpcParser) finish(at time.Time, note string) {
	if note == "" {
		note = "the connection closed before the call ended"
	}
	for _, id := range slices.Sorted(maps.Keys(t.streams)) {
		s := t.streams[id]
		delete(t.streams, id)
		t.p.endCall(s.call, nil, note, at)
	}
}

// ttrpcRequestMsg is ttrpc's Request message: service = 1, method = 2,
// payload = 3, timeout_nano = 4, metadata = 5 (KeyValue: key = 1, value = 2).
type ttrpcRequestMsg struct {
	service, method string
	payload         []byte
	hasPayload      bool
	timeout         int64
	md              metadata.MD
}

func parseTTRPCRequest(data []byte) (ttrpcRequestMsg, error) {
	req := ttrpcRequestMsg{md: metadata.MD{}}
	var kvErr error
	err := eachField(data, func(num protowire.Number, v []byte) {
		switch num {
		case 1:
			req.service = string(v)
		case 2:
			req.method = string(v)
		case 3:
			req.payload, req.hasPayload = v, true
		case 4:
			n, _ := protowire.ConsumeVarint(v)
			req.timeout = int64(n)
		case 5:
			var key, value string
			if err := eachField(v, func(num protowire.Number, b []byte) {
				switch num {
				case 1:
					key = string(b)
				case 2:
					value = string(b)
				}
			}); err != nil {
				kvErr = err
			}
			req.md[key] = append(req.md[key], value)
		}
	})
	if err == nil {
		err = kvErr
	}
	if err == nil && (req.service == "" || req.method == "") {
		err = errors.New("names no service or method")
	}
	if err != nil {
		return req, fmt.Errorf("a ttrpc Request that does not parse: %w", err)
	}
	return req, nil
}

// eachField calls fn with each field's number and value: the bytes of a
// length-delimited field, the varint's own bytes for a varint.
func eachField(b []byte, fn func(protowire.Number, []byte)) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return protowire.ParseError(m)
		}
		switch typ {
		case protowire.BytesType:
			v, _ := protowire.ConsumeBytes(b)
			fn(num, v)
		case protowire.VarintType:
			fn(num, b[:m])
		}
		b = b[m:]
	}
	return nil
}
