package client

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/structpb"
)

// IndentedParts renders m as Marshal does with Indent set, as pieces whose
// concatenation is that text, byte for byte. A reply of many megabytes is
// mostly one or more top-level repeated fields; their elements are cut into
// runs, each run marshalled with protojson on its own among workers
// goroutines and the runs stitched, so that formatting uses every core.
// protojson writes the indented text itself: no compact text is re-parsed
// and re-emitted, and no piece grows to the size of the whole.
//
// Text is ignored: the pieces are always JSON. ctx stops the work between
// pieces. An Any that Resolver cannot decode is printed as Marshal prints
// it; the error is for what that fallback does not cover, or ctx's.
func (f *ReplyFormat) IndentedParts(ctx context.Context, m proto.Message, workers int) ([][]byte, error) {
	return f.indentedParts(ctx, m, workers, 16*workers)
}

// jsonPart is one message of the same type as the reply, holding some of
// its top-level fields, whose text is cut to the piece it contributes.
type jsonPart struct {
	msg  proto.Message
	kind partKind
	// size is the longest text of the runs of this part's list so far: the
	// runs hold as many elements each, so a run's text is sized from it
	// rather than grown, a copy of the whole each time, as protojson grows it.
	size *atomic.Int64
	// redecode decodes the part's records when the message decode gave
	// cannot be written (a wire view that meets what it cannot read).
	redecode func() (proto.Message, error)
	// decode gives msg of a part kept as wire records until a worker
	// marshals it (IndentedWireParts).
	decode func() (proto.Message, error)
	text   []byte
	err    error
}

type partKind uint8

const (
	partFields    partKind = iota // whole fields: the text inside the braces
	partListFirst                 // the first run of a list: its name, "[" and elements
	partListMid                   // a run of elements
	partListLast                  // the last run: elements and "]"
)

// listRunKind is the kind of run r of a list cut into k runs.
func listRunKind(r, k int) partKind {
	switch r {
	case 0:
		return partListFirst
	case k - 1:
		return partListLast
	}
	return partListMid
}

// listClose is how a run of a top-level list ends, as protojson indents it.
const listClose = "\n  ]\n}"

// indentedParts is IndentedParts with each list cut into at most runs runs.
func (f *ReplyFormat) indentedParts(ctx context.Context, m proto.Message, workers, runs int) ([][]byte, error) {
	var parts []jsonPart
	// EmitDefaults prints every unset field of each part's message, which
	// would repeat the fields other parts hold.
	if workers > 1 && !f.EmitDefaults {
		parts = splitMessage(m, runs)
	}
	if len(parts) < 2 {
		b, err := f.indented(m)
		return [][]byte{b}, err
	}
	return f.marshalParts(ctx, m.ProtoReflect().Descriptor(), parts, workers, func() ([][]byte, error) {
		b, err := f.indented(m)
		return [][]byte{b}, err
	})
}

// marshalParts marshals parts among workers goroutines and stitches their
// texts; whole is the reply's text the slow way, for a part that fails.
func (f *ReplyFormat) marshalParts(ctx context.Context, desc protoreflect.MessageDescriptor, parts []jsonPart, workers int, whole func() ([][]byte, error)) ([][]byte, error) {
	opts := f.jsonOptions(true)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, len(parts)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(parts); i = int(next.Add(1) - 1) {
				p := &parts[i]
				if p.err = ctx.Err(); p.err != nil {
					return
				}
				if p.msg == nil {
					// A part of wire records is decoded only now and
					// dropped once marshalled, so that the whole reply is
					// never held decoded.
					if p.msg, p.err = p.decode(); p.err != nil {
						continue
					}
				}
				var b []byte
				if p.size != nil {
					b = make([]byte, 0, p.size.Load()+p.size.Load()/8)
				}
				if b, p.err = marshalView(opts, b, p.msg); p.err != nil && p.redecode != nil {
					if p.msg, p.err = p.redecode(); p.err == nil {
						b, p.err = opts.MarshalAppend(b[:0], p.msg)
					}
				}
				if p.err == nil {
					if p.size != nil && int64(len(b)) > p.size.Load() {
						p.size.Store(int64(len(b)))
					}
					p.text, p.err = cutPart(steadyIndented(b), p.kind)
				}
				p.msg = nil
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("format %s as JSON: %w", desc.FullName(), err)
	}
	out := make([][]byte, 0, 2*len(parts)+1)
	out = append(out, []byte("{\n"))
	for i, p := range parts {
		if p.err != nil {
			// An Any of an unknown type, say: the whole reply takes the
			// path that knows how to print it.
			return whole()
		}
		if i > 0 {
			out = append(out, []byte(",\n"))
		}
		out = append(out, p.text)
	}
	return append(out, []byte("\n}")), nil
}

// indented is m's indented text in one piece.
func (f *ReplyFormat) indented(m proto.Message) ([]byte, error) {
	b, err := f.protoJSON(m, f.jsonOptions(true))
	if err != nil {
		return nil, err
	}
	return steadyIndented(b), nil
}

// splitMessage cuts m's top-level fields, in the order protojson writes
// them, into parts: each list of two or more elements into up to runs runs,
// the fields between them into one part each. A message protojson writes
// in a form of its own (the well-known types) or that holds extensions,
// whose order protojson decides by name, is left whole: no parts.
func splitMessage(m proto.Message, runs int) []jsonPart {
	pm := m.ProtoReflect()
	if pm.Descriptor().FullName().Parent() == "google.protobuf" || runs < 2 {
		return nil
	}
	type field struct {
		fd protoreflect.FieldDescriptor
		v  protoreflect.Value
	}
	var fields []field
	extension := false
	pm.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		extension = extension || fd.IsExtension()
		fields = append(fields, field{fd, v})
		return true
	})
	if extension {
		return nil
	}
	sort.Slice(fields, func(i, j int) bool { return fields[i].fd.Index() < fields[j].fd.Index() })
	var parts []jsonPart
	var run protoreflect.Message
	split := false
	for _, fl := range fields {
		n := 0
		if fl.fd.IsList() {
			n = fl.v.List().Len()
		}
		if n < 2 {
			if run == nil {
				run = pm.New()
				parts = append(parts, jsonPart{msg: run.Interface(), kind: partFields})
			}
			run.Set(fl.fd, fl.v)
			continue
		}
		run, split = nil, true
		k := min(n, runs)
		size := new(atomic.Int64)
		for r := range k {
			part := pm.New()
			list := part.NewField(fl.fd).List()
			for i := r * n / k; i < (r+1)*n/k; i++ {
				list.Append(fl.v.List().Get(i))
			}
			part.Set(fl.fd, protoreflect.ValueOfList(list))
			parts = append(parts, jsonPart{msg: part.Interface(), kind: listRunKind(r, k), size: size})
		}
	}
	if !split {
		return nil
	}
	return parts
}

// cutPart is the piece of a part's text that goes into the whole: its
// fields without the braces around them, or its run of a list without
// what another run writes.
func cutPart(b []byte, kind partKind) ([]byte, error) {
	if !bytes.HasPrefix(b, []byte("{\n")) || !bytes.HasSuffix(b, []byte("\n}")) {
		return nil, fmt.Errorf("unexpected JSON text of a part: %.40q", b)
	}
	if kind == partFields {
		return b[2 : len(b)-2], nil
	}
	if !bytes.HasSuffix(b, []byte(listClose)) {
		return nil, fmt.Errorf("unexpected JSON text of a list: %.40q", b)
	}
	// The second line holds the list's name and its "[".
	elements := bytes.IndexByte(b[2:], '\n') + 3
	switch kind {
	case partListFirst:
		return b[2 : len(b)-len(listClose)], nil
	case partListMid:
		return b[elements : len(b)-len(listClose)], nil
	}
	return b[elements : len(b)-2], nil
}

// extraColonSpace says whether protojson, in this build, writes two spaces
// after a name's colon in indented text instead of one: it picks one of the
// two per build, on purpose, so that no one depends on its spacing.
var extraColonSpace = sync.OnceValue(func() bool {
	probe := &structpb.Struct{Fields: map[string]*structpb.Value{"a": structpb.NewNullValue()}}
	b, _ := protojson.MarshalOptions{Indent: "  "}.Marshal(probe)
	return bytes.Contains(b, []byte(`":  `))
})

// steadyIndented gives protojson's indented text, in place, the spacing
// json.Indent gives: one space after each name's colon. In indented text
// every name starts its line, after the indentation, so only the first
// string of a line is looked at.
func steadyIndented(b []byte) []byte {
	if !extraColonSpace() {
		return b
	}
	w := 0
	for r := 0; r < len(b); {
		end := len(b)
		if i := bytes.IndexByte(b[r:], '\n'); i >= 0 {
			end = r + i + 1
		}
		line := b[r:end]
		cut := -1
		s := len(line) - len(bytes.TrimLeft(line, " "))
		if s < len(line) && line[s] == '"' {
			if q := closingQuote(line, s); q >= 0 && bytes.HasPrefix(line[q+1:], []byte(":  ")) {
				cut = q + 2
			}
		}
		if cut < 0 {
			w += copyDown(b, w, line)
		} else {
			w += copyDown(b, w, line[:cut])
			w += copyDown(b, w, line[cut+1:])
		}
		r = end
	}
	return b[:w]
}

// copyDown copies src, which lies in b at or after w, to b[w:]; text not
// yet moved is left where it is.
func copyDown(b []byte, w int, src []byte) int {
	if len(src) > 0 && &b[w] != &src[0] {
		copy(b[w:], src)
	}
	return len(src)
}

// closingQuote is the index of the quote that ends the string opening at
// line[open], or -1.
func closingQuote(line []byte, open int) int {
	for i := open + 1; i < len(line); {
		j := bytes.IndexAny(line[i:], `"\`)
		if j < 0 {
			return -1
		}
		i += j
		if line[i] == '"' {
			return i
		}
		i += 2
	}
	return -1
}
