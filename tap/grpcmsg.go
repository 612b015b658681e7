package tap

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
)

// wireMessage is one length-prefixed gRPC message as it crossed the wire.
type wireMessage struct {
	size       int // the length its prefix declared
	compressed bool
	// body is the message's bytes; nil when it was not kept (larger than
	// the tap holds, see dropped).
	body    []byte
	dropped string
}

// heldBytes bounds the bytes a connection's partial messages hold at once,
// so many large messages in flight on many streams stay within a limit.
type heldBytes struct{ left int }

// msgAssembler reassembles one direction of one stream: gRPC frames every
// message with a 5-byte prefix (a compressed flag and a big-endian length),
// and HTTP/2 splits the result across DATA frames at any byte.
type msgAssembler struct {
	head    [5]byte
	headLen int
	size    int
	got     int
	body    []byte
	keeping bool
	dropped string
}

// write takes the next DATA payload and calls emit for each message it
// completes. A message over limit, or over what held has left, is counted
// and not kept.
func (a *msgAssembler) write(p []byte, limit int, held *heldBytes, emit func(wireMessage)) {
	for len(p) > 0 {
		if a.headLen < len(a.head) {
			n := copy(a.head[a.headLen:], p)
			a.headLen += n
			p = p[n:]
			if a.headLen < len(a.head) {
				return
			}
			a.start(limit, held)
			if a.size == 0 {
				a.finish(held, emit)
			}
			continue
		}
		n := min(len(p), a.size-a.got)
		if a.keeping {
			a.body = append(a.body, p[:n]...)
		}
		a.got += n
		p = p[n:]
		if a.got == a.size {
			a.finish(held, emit)
		}
	}
}

func (a *msgAssembler) start(limit int, held *heldBytes) {
	a.size = int(binary.BigEndian.Uint32(a.head[1:]))
	a.got = 0
	a.dropped = ""
	switch {
	case limit < 0:
		// Counting only.
		a.keeping = false
		return
	case a.size > limit:
		a.dropped = fmt.Sprintf("%d bytes, more than the tap decodes (%d)", a.size, limit)
	case a.size > held.left:
		a.dropped = fmt.Sprintf("%d bytes, more than the tap holds while other messages on this connection are incomplete", a.size)
	}
	a.keeping = a.dropped == ""
	if a.keeping {
		held.left -= a.size
		a.body = make([]byte, 0, a.size)
	}
}

func (a *msgAssembler) finish(held *heldBytes, emit func(wireMessage)) {
	m := wireMessage{size: a.size, compressed: a.head[0]&1 != 0, dropped: a.dropped}
	if a.keeping {
		m.body = a.body
		held.left += a.size
	}
	a.body, a.keeping, a.headLen = nil, false, 0
	emit(m)
}

// partial says how much of a message the stream ended in the middle of;
// "" when it ended between messages. It releases what the message held.
func (a *msgAssembler) partial(held *heldBytes) string {
	if a.headLen == 0 {
		return ""
	}
	if a.keeping {
		held.left += a.size
		a.body, a.keeping = nil, false
	}
	if a.headLen < len(a.head) {
		return fmt.Sprintf("%d bytes of a message's 5-byte prefix", a.headLen)
	}
	return fmt.Sprintf("%d of a message's %d bytes", a.got, a.size)
}

// decompress undoes a message's compression. gzip is what gRPC
// implementations offer by default; others are reported, not guessed at.
func decompress(encoding string, body []byte, limit int) ([]byte, error) {
	switch encoding {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		out, err := io.ReadAll(io.LimitReader(zr, int64(limit)+1))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		if len(out) > limit {
			return nil, fmt.Errorf("more than %d bytes once decompressed", limit)
		}
		return out, nil
	case "", "identity":
		return nil, fmt.Errorf("compressed, but the call names no grpc-encoding")
	}
	return nil, fmt.Errorf("compressed with %q, which the tap does not decompress", encoding)
}
