package client

import (
	"context"
	"fmt"
	"sort"
	"sync/atomic"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// wireUnmarshal decodes replies as the reply codec does, so that a reply
// formatted from its wire bytes reads as a decoded one would.
var wireUnmarshal = proto.UnmarshalOptions{Merge: true, AllowPartial: true}

// DecodeWire decodes wire, a reply of type desc, into a fresh message, as
// the reply codec would have.
func DecodeWire(desc protoreflect.MessageDescriptor, wire []byte) (proto.Message, error) {
	m := dynamicpb.NewMessage(desc)
	if err := wireUnmarshal.Unmarshal(wire, m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", desc.FullName(), err)
	}
	return m, nil
}

// IndentedWireParts is IndentedParts of the reply whose wire bytes are
// wire, without ever decoding the whole of it: the top-level records are
// grouped by field and each part, a run of a list's elements or the fields
// between lists, is decoded by the worker that marshals it and dropped
// right after. A reply whose wire could read differently in parts than
// whole (unknown fields or extensions, two members of one oneof, a
// well-known type, EmitDefaults, bytes that do not parse) is decoded whole
// and given to IndentedParts.
func (f *ReplyFormat) IndentedWireParts(ctx context.Context, desc protoreflect.MessageDescriptor, wire []byte, workers int) ([][]byte, error) {
	return f.indentedWireParts(ctx, desc, wire, workers, wireRuns(len(wire), workers))
}

// wirePartBytes is about how much of a reply's wire one run of a list
// holds. A decoded message takes many times its wire size, and every
// garbage collection during the format marks the parts in flight: small
// runs keep that little, and the heap of a huge reply near its text's size.
const wirePartBytes = 64 << 10

// wireRuns is how many runs a list is cut into, at most, in a reply of n
// wire bytes: enough for every worker to be busy to the end, and enough
// that no run holds much more than wirePartBytes.
func wireRuns(n, workers int) int {
	return max(16*workers, n/wirePartBytes)
}

func (f *ReplyFormat) indentedWireParts(ctx context.Context, desc protoreflect.MessageDescriptor, wire []byte, workers, runs int) ([][]byte, error) {
	var parts []jsonPart
	if workers > 1 && !f.EmitDefaults {
		parts = splitWire(desc, wire, runs)
	}
	if len(parts) < 2 {
		m, err := DecodeWire(desc, wire)
		if err != nil {
			return nil, err
		}
		return f.indentedParts(ctx, m, workers, runs)
	}
	return f.marshalParts(ctx, desc, parts, workers, func() ([][]byte, error) {
		m, err := DecodeWire(desc, wire)
		if err != nil {
			return nil, err
		}
		b, err := f.indented(m)
		return [][]byte{b}, err
	})
}

// span is one record, or several adjacent ones, of a reply's wire bytes.
type span struct{ start, end int }

// splitWire is splitMessage for a reply still in wire bytes: the same parts,
// each holding the records of its fields instead of their values. No parts
// when the records could decode differently apart than together.
func splitWire(desc protoreflect.MessageDescriptor, wire []byte, runs int) []jsonPart {
	if desc.FullName().Parent() == "google.protobuf" || runs < 2 {
		return nil
	}
	records := map[protoreflect.FieldDescriptor][]span{}
	oneofs := map[protoreflect.OneofDescriptor]protoreflect.FieldDescriptor{}
	for at := 0; at < len(wire); {
		num, typ, n := protowire.ConsumeTag(wire[at:])
		if n < 0 {
			return nil
		}
		v := protowire.ConsumeFieldValue(num, typ, wire[at+n:])
		if v < 0 {
			return nil
		}
		fd := desc.Fields().ByNumber(num)
		// Unknown numbers and extensions: kept or resolved by the whole
		// message alone.
		if fd == nil {
			return nil
		}
		// The last member of a oneof given wins over the others, across
		// parts as well: only the whole message knows which came last.
		if od := fd.ContainingOneof(); od != nil {
			if seen, ok := oneofs[od]; ok && seen != fd {
				return nil
			}
			oneofs[od] = fd
		}
		records[fd] = append(records[fd], span{at, at + n + v})
		at += n + v
	}
	fields := make([]protoreflect.FieldDescriptor, 0, len(records))
	for fd := range records {
		fields = append(fields, fd)
	}
	sort.Slice(fields, func(i, j int) bool { return fields[i].Index() < fields[j].Index() })

	// Each part is read through a wire view; one the view cannot read as
	// the decoder would is decoded after all (newDecodedPart).
	newPart := func(spans []span) func() (proto.Message, error) {
		return func() (proto.Message, error) {
			records := make([][]byte, len(spans))
			for i, s := range spans {
				records[i] = wire[s.start:s.end]
			}
			return newWireView(desc, records...).Interface(), nil
		}
	}
	newDecodedPart := func(spans []span) func() (proto.Message, error) {
		return func() (proto.Message, error) {
			m := dynamicpb.NewMessage(desc)
			for _, s := range spans {
				if err := wireUnmarshal.Unmarshal(wire[s.start:s.end], m); err != nil {
					return nil, fmt.Errorf("decode part of %s: %w", desc.FullName(), err)
				}
			}
			return m, nil
		}
	}
	var parts []jsonPart
	var run []span // the records of the fields part being built
	flush := func() {
		if run != nil {
			parts = append(parts, jsonPart{decode: newPart(run), redecode: newDecodedPart(run), kind: partFields})
			run = nil
		}
	}
	split := false
	for _, fd := range fields {
		recs := records[fd]
		// Only a list of messages has one record per element; scalar lists
		// may be packed, several elements to a record, and stay whole.
		n := 0
		if fd.IsList() && fd.Kind() == protoreflect.MessageKind {
			n = len(recs)
			for _, s := range recs {
				// An element of another wire type is an unknown field
				// to the decoder, not an element.
				if _, typ, _ := protowire.ConsumeTag(wire[s.start:s.end]); typ != protowire.BytesType {
					return nil
				}
			}
		}
		if n < 2 {
			run = append(run, recs...)
			continue
		}
		flush()
		split = true
		k := min(n, runs)
		size := new(atomic.Int64)
		for r := range k {
			spans := joinAdjacent(recs[r*n/k : (r+1)*n/k])
			parts = append(parts, jsonPart{decode: newPart(spans), redecode: newDecodedPart(spans), kind: listRunKind(r, k), size: size})
		}
	}
	flush()
	if !split {
		return nil
	}
	return parts
}

// joinAdjacent merges spans that follow each other on the wire, so that a
// run of a list sent in one stretch decodes in one call.
func joinAdjacent(spans []span) []span {
	out := make([]span, 0, 1)
	for _, s := range spans {
		if len(out) > 0 && out[len(out)-1].end == s.start {
			out[len(out)-1].end = s.end
			continue
		}
		out = append(out, s)
	}
	return out
}
