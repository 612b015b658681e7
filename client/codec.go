package client

import (
	"fmt"

	"google.golang.org/grpc/encoding"
	protoencoding "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"
)

// replyCodec is gRPC's proto codec with a cheaper Unmarshal for replies.
// Replies are always fresh dynamic messages, so the Reset the standard codec
// performs only allocates new field maps for nothing; and the required-field
// check walks dynamic messages reflectively on every reply. Skipping it also
// shows a proto2 reply missing required fields as it was sent, which is what a
// debugging tool should do.
type replyCodec struct {
	encoding.CodecV2
	// lastSize is the wire size of the reply Unmarshal last decoded. A codec
	// serves one call, whose replies are decoded one at a time on the
	// goroutine that reads them, so the field needs no lock.
	lastSize int
	// keepOver, when positive, makes a reply of more bytes than it is
	// kept in wire, undecoded, for a caller that formats it in parts.
	keepOver int
	wire     []byte
}

func newReplyCodec() *replyCodec {
	return &replyCodec{CodecV2: encoding.GetCodecV2(protoencoding.Name)}
}

func (c *replyCodec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("cannot unmarshal into %T: not a proto.Message", v)
	}
	c.lastSize = data.Len()
	if c.keepOver > 0 && data.Len() > c.keepOver {
		// A copy: gRPC reuses data's buffers once Unmarshal returns.
		c.wire = data.Materialize()
		return nil
	}
	buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
	defer buf.Free()
	return proto.UnmarshalOptions{Merge: true, AllowPartial: true}.Unmarshal(buf.ReadOnlyData(), m)
}
