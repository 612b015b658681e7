package tap

import (
	"encoding/base64"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
)

// headerFields splits a header block into its pseudo-headers and its
// metadata; -bin values are decoded from base64, as gRPC's own metadata
// holds them.
func headerFields(fields []hpack.HeaderField) (pseudo map[string]string, md metadata.MD) {
	pseudo, md = map[string]string{}, metadata.MD{}
	for _, f := range fields {
		if strings.HasPrefix(f.Name, ":") {
			pseudo[f.Name] = f.Value
			continue
		}
		v := f.Value
		if strings.HasSuffix(f.Name, "-bin") {
			if b, err := decodeBinaryHeader(v); err == nil {
				v = string(b)
			}
		}
		md[f.Name] = append(md[f.Name], v)
	}
	return pseudo, md
}

// decodeBinaryHeader accepts padded and unpadded base64: gRPC sends
// unpadded and accepts both.
func decodeBinaryHeader(v string) ([]byte, error) {
	if b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(v, "=")); err == nil {
		return b, nil
	}
	return base64.StdEncoding.DecodeString(v)
}

func first(md metadata.MD, key string) string {
	if vs := md[key]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

func (h *h2Parser) requestHeaders(f *http2.MetaHeadersFrame, at time.Time) {
	id := f.StreamID
	if h.streams[id] != nil {
		// Trailers from the client, which gRPC never sends.
		return
	}
	pseudo, md := headerFields(f.Fields)
	contentType := first(md, "content-type")
	grpc := strings.HasPrefix(contentType, "application/grpc")
	start := callStart{stream: id, authority: pseudo[":authority"], md: md}
	if grpc {
		start.protocol = ProtocolGRPC
		start.method = strings.TrimPrefix(pseudo[":path"], "/")
		start.timeout = first(md, "grpc-timeout")
	} else {
		start.protocol = ProtocolHTTP2
		start.method = pseudo[":method"] + " " + pseudo[":path"]
	}
	s := &h2Stream{call: h.p.startCall(start, at), grpc: grpc}
	s.encoding[fromClient] = first(md, "grpc-encoding")
	h.streams[id] = s
}

func (h *h2Parser) responseHeaders(f *http2.MetaHeadersFrame, at time.Time) {
	s := h.streams[f.StreamID]
	if s == nil {
		return
	}
	pseudo, md := headerFields(f.Fields)
	if !s.gotHeaders {
		s.gotHeaders = true
		s.httpStatus = pseudo[":status"]
		if !f.StreamEnded() {
			s.header = md
			s.encoding[fromServer] = first(md, "grpc-encoding")
			return
		}
		// Trailers-only: the one block is headers and trailers at once.
	}
	status := statusFromTrailers(md, s)
	delete(md, "grpc-status")
	delete(md, "grpc-message")
	s.trailer = md
	h.end(s, status, endNote(s, status), at)
}

// endNote says how a call without a status ended: with its HTTP status,
// for HTTP/2 that is not gRPC.
func endNote(s *h2Stream, status *Status) string {
	switch {
	case status != nil:
		return ""
	case !s.grpc:
		return "HTTP status " + s.httpStatus
	}
	return "the server ended the call without a grpc-status"
}

// statusFromTrailers is a gRPC call's status from grpc-status and
// grpc-message; nil when there is none, and always for other HTTP/2.
func statusFromTrailers(md metadata.MD, s *h2Stream) *Status {
	if !s.grpc {
		return nil
	}
	raw := first(md, "grpc-status")
	code, err := strconv.ParseUint(raw, 10, 32)
	if err != nil {
		return nil
	}
	return &Status{Code: codes.Code(code), Message: decodeGRPCMessage(first(md, "grpc-message"))}
}

// decodeGRPCMessage undoes grpc-message's percent-encoding; a malformed
// escape is kept as it came.
func decodeGRPCMessage(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func (h *h2Parser) data(dir int, f *http2.DataFrame, at time.Time) {
	s := h.streams[f.StreamID]
	if s == nil {
		return
	}
	if s.grpc {
		limit := h.p.t.maxMessage()
		if !h.p.t.cfg.Messages {
			limit = -1
		}
		s.asm[dir].write(f.Data(), limit, &h.p.held, func(m wireMessage) { h.p.message(s.call, dir, m, at) })
	}
	if !f.StreamEnded() || dir == fromClient {
		// The client's end of stream is its last message; the call
		// goes on until the server ends it.
		return
	}
	note := "the server ended the stream without trailers"
	if !s.grpc {
		note = endNote(s, nil)
	}
	h.end(s, nil, note, at)
}

func (h *h2Parser) end(s *h2Stream, status *Status, note string, at time.Time) {
	delete(h.streams, s.stream)
	h.p.endCall(s.call, status, note, at)
}

func (h *h2Parser) finish(at time.Time, note string) {
	if note == "" {
		note = "the connection closed before the call ended"
	}
	ids := slices.Sorted(maps.Keys(h.streams))
	for _, id := range ids {
		h.end(h.streams[id], nil, note, at)
	}
}
