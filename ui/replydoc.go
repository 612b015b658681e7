package ui

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/client"
)

// newReplyDocument formats a reply for the viewer, off the update loop:
// indented by protojson itself, in pieces marshalled on every core
// (client.IndentedParts), copied once into the document's text and its
// lines found on every core too. ctx ends the work of a call given up.
func newReplyDocument(ctx context.Context, format *client.ReplyFormat, m proto.Message) (*document, error) {
	workers := runtime.GOMAXPROCS(0)
	parts, err := format.IndentedParts(ctx, m, workers)
	if err != nil {
		return nil, err
	}
	return newPartsDocument(parts, workers), nil
}

// newWireReplyDocument is newReplyDocument of the reply whose wire bytes
// are wire, never decoded whole; with line, also its compact JSON, which
// a client stream's list shows.
func newWireReplyDocument(ctx context.Context, format *client.ReplyFormat, desc protoreflect.MessageDescriptor, wire []byte, line bool) (*document, string, error) {
	workers := runtime.GOMAXPROCS(0)
	parts, err := format.IndentedWireParts(ctx, desc, wire, workers)
	if err != nil {
		return nil, "", err
	}
	text := ""
	if line {
		// Dropping the whitespace outside strings from the indented text
		// gives Marshal's compact text, without a second formatting.
		text = string(client.CompactJSON(bytes.Join(parts, nil)))
	}
	return newPartsDocument(parts, workers), text, nil
}

// newPartsDocument is the JSON document whose text is parts joined.
func newPartsDocument(parts [][]byte, workers int) *document {
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	var b strings.Builder
	b.Grow(min(total, maxDocumentBytes))
	for _, p := range parts {
		if b.Len()+len(p) > maxDocumentBytes {
			b.Write(p[:maxDocumentBytes-b.Len()])
			break
		}
		b.Write(p)
	}
	d := &document{text: strings.TrimSuffix(b.String(), "\n"), json: true}
	d.starts = lineStarts(d.text, workers)
	for i := range d.starts {
		end := len(d.text)
		if i+1 < len(d.starts) {
			end = int(d.starts[i+1]) - 1
		}
		if end-int(d.starts[i]) >= longLineBytes {
			if d.long == nil {
				d.long = map[int]*longLine{}
			}
			d.long[i] = markLine(d.text[d.starts[i]:end], true)
		}
	}
	return d
}

// lineStarts is the offset of each line of text, the text cut into
// workers spans searched at once.
func lineStarts(text string, workers int) []uint32 {
	const minSpan = 1 << 20
	spans := max(1, min(workers, len(text)/minSpan))
	found := make([][]uint32, spans)
	var wg sync.WaitGroup
	for s := range spans {
		lo, hi := s*len(text)/spans, (s+1)*len(text)/spans
		wg.Add(1)
		go func() {
			defer wg.Done()
			starts := make([]uint32, 0, (hi-lo)/32)
			for i := lo; i < hi; {
				n := strings.IndexByte(text[i:hi], '\n')
				if n < 0 {
					break
				}
				i += n + 1
				starts = append(starts, uint32(i))
			}
			found[s] = starts
		}()
	}
	wg.Wait()
	n := 1
	for _, f := range found {
		n += len(f)
	}
	starts := make([]uint32, 1, n)
	for _, f := range found {
		starts = append(starts, f...)
	}
	return starts
}
