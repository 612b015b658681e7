package tap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Limits of what one direction of an HTTP/2 connection may hold while
// waiting for the rest of a frame: HTTP/2's largest frame, and a header
// block of several.
const (
	h2MaxFrame       = 1<<24 - 1
	h2MaxHeaderBlock = 16 << 20
	h2FrameHeaderLen = 9
	// h2MaxHeaderTable caps the HPACK table a peer may ask the other side
	// to keep; real peers ask for a few KiB.
	h2MaxHeaderTable = 1 << 20
)

// h2Dir is one direction of an HTTP/2 connection: the bytes not yet parsed
// and the Framer and HPACK decoder that parse them. HPACK is stateful, so
// every header block of a direction must pass through its decoder in order.
type h2Dir struct {
	buf     []byte
	src     frameSource
	framer  *http2.Framer
	hpack   *hpack.Decoder
	preface int // bytes of the client preface still to skip
}

// frameSource hands the Framer exactly the frames known to be complete,
// so that it never waits for bytes that have not passed yet.
type frameSource struct{ data []byte }

func (s *frameSource) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, errors.New("read past a complete frame")
	}
	n := copy(p, s.data)
	s.data = s.data[n:]
	return n, nil
}

// h2Parser follows the streams of an HTTP/2 connection: gRPC calls (or
// other HTTP/2 requests) from their headers to their trailers or reset.
type h2Parser struct {
	p       *connParser
	dirs    [2]*h2Dir
	streams map[uint32]*h2Stream
}

// h2Stream is a call on one stream.
type h2Stream struct {
	*call
	grpc       bool
	gotHeaders bool // the response's headers came; the next HEADERS are trailers
	httpStatus string
}

func newH2Parser(p *connParser) *h2Parser {
	h := &h2Parser{p: p, streams: map[uint32]*h2Stream{}}
	for dir := range h.dirs {
		d := &h2Dir{hpack: hpack.NewDecoder(4096, nil)}
		d.framer = http2.NewFramer(nil, &d.src)
		d.framer.SetMaxReadFrameSize(h2MaxFrame)
		d.framer.ReadMetaHeaders = d.hpack
		d.framer.MaxHeaderListSize = h2MaxHeaderBlock
		h.dirs[dir] = d
	}
	h.dirs[fromClient].preface = len(http2.ClientPreface)
	return h
}

func (h *h2Parser) feed(dir int, b []byte, at time.Time) error {
	d := h.dirs[dir]
	if d.preface > 0 {
		n := min(d.preface, len(b))
		d.preface -= n
		b = b[n:]
	}
	d.buf = append(d.buf, b...)
	off := 0
	for {
		n, err := completeFrames(d.buf[off:])
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		d.src.data = d.buf[off : off+n]
		f, err := d.framer.ReadFrame()
		if err != nil {
			if detail := d.framer.ErrorDetail(); detail != nil {
				err = fmt.Errorf("%w: %v", err, detail)
			}
			return fmt.Errorf("HTTP/2 from the %s: %w", sideName(dir), err)
		}
		off += n
		h.handle(dir, f, at)
	}
	// Keep what is left; let go of a large buffer once it is drained.
	rest := copy(d.buf, d.buf[off:])
	d.buf = d.buf[:rest]
	if cap(d.buf) > 1<<20 && rest < 64<<10 {
		d.buf = append([]byte(nil), d.buf...)
	}
	return nil
}

// The notes of a call that ended with a stream reset instead of a status;
// a client that has what it wanted may reset (grpc-go does with its
// reflection streams), so frontends tell the two apart.
const (
	NoteClientReset = "the client reset the stream"
	NoteServerReset = "the server reset the stream"
)

func resetNote(dir int) string {
	if dir == fromClient {
		return NoteClientReset
	}
	return NoteServerReset
}

func sideName(dir int) string {
	if dir == fromClient {
		return "client"
	}
	return "server"
}

// completeFrames is the length of the frame at the start of b when all of
// it is there, a header block's HEADERS and CONTINUATION frames counting
// as one (the Framer reads them together); 0 when more bytes are needed.
func completeFrames(b []byte) (int, error) {
	off := 0
	for {
		if len(b)-off < h2FrameHeaderLen {
			return 0, nil
		}
		length := int(b[off])<<16 | int(binary.BigEndian.Uint16(b[off+1:]))
		typ, flags := http2.FrameType(b[off+3]), http2.Flags(b[off+4])
		end := off + h2FrameHeaderLen + length
		if end > h2MaxHeaderBlock+h2MaxFrame {
			return 0, fmt.Errorf("a header block larger than %d bytes", h2MaxHeaderBlock)
		}
		if len(b) < end {
			return 0, nil
		}
		continued := (typ == http2.FrameHeaders || typ == http2.FrameContinuation) && !flags.Has(http2.FlagHeadersEndHeaders)
		if off > 0 && typ != http2.FrameContinuation {
			// Not a continuation: the Framer reports the broken block.
			return end, nil
		}
		if !continued {
			return end, nil
		}
		off = end
	}
}

func (h *h2Parser) handle(dir int, f http2.Frame, at time.Time) {
	switch f := f.(type) {
	case *http2.SettingsFrame:
		// A peer's table size is what the other side's encoder may use.
		if v, ok := f.Value(http2.SettingHeaderTableSize); ok && !f.IsAck() {
			h.dirs[1-dir].hpack.SetAllowedMaxDynamicTableSize(min(v, h2MaxHeaderTable))
		}
	case *http2.MetaHeadersFrame:
		if dir == fromClient {
			h.requestHeaders(f, at)
		} else {
			h.responseHeaders(f, at)
		}
	case *http2.DataFrame:
		h.data(dir, f, at)
	case *http2.RSTStreamFrame:
		if s := h.streams[f.StreamID]; s != nil {
			h.end(s, nil, fmt.Sprintf("%s (%s)", resetNote(dir), f.ErrCode), at)
		}
	}
}
