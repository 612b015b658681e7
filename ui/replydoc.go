package ui

import (
	"bytes"
	"context"
	"runtime"
	"slices"
	"sync"
	"unsafe"

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

// newPartsDocument is the JSON document whose text is parts joined. The
// text is copied into place and its lines found in the same pass, on
// workers goroutines, each a stretch of the text whatever the pieces' sizes.
func newPartsDocument(parts [][]byte, workers int) *document {
	const minSpan = 1 << 20
	parts = slices.Clone(parts)
	ends := make([]int, len(parts))
	total := 0
	for i, p := range parts {
		parts[i] = p[:min(len(p), maxDocumentBytes-total)]
		total += len(parts[i])
		ends[i] = total
	}
	buf := make([]byte, total)
	spans := max(1, min(workers, total/minSpan))
	found := make([][]uint32, spans)
	var wg sync.WaitGroup
	for s := range spans {
		lo, hi := s*total/spans, (s+1)*total/spans
		wg.Add(1)
		go func() {
			defer wg.Done()
			starts := make([]uint32, 0, (hi-lo)/32)
			i, _ := slices.BinarySearch(ends, lo+1)
			for at := lo; at < hi; i++ {
				from := ends[i] - len(parts[i])
				p := parts[i][at-from : min(ends[i], hi)-from]
				copy(buf[at:], p)
				for j := 0; ; {
					n := bytes.IndexByte(p[j:], '\n')
					if n < 0 {
						break
					}
					j += n + 1
					starts = append(starts, uint32(at+j))
				}
				at += len(p)
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
	if total > 0 && buf[total-1] == '\n' {
		// As newDocument, the one newline that ends the text ends no line.
		total--
		starts = starts[:len(starts)-1]
	}
	text := ""
	if total > 0 {
		// buf is written by no one from here on, so the text can be it
		// rather than a copy of all of it.
		text = unsafe.String(unsafe.SliceData(buf), total)
	}
	d := &document{text: text, json: true, starts: starts}
	d.markLongLines()
	return d
}
