package client

import (
	"fmt"
	"io"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// InputFormat is the syntax a call's requests are written in.
type InputFormat int

const (
	// InputJSON is a sequence of JSON objects separated by whitespace, each
	// read as protojson reads one message.
	InputJSON InputFormat = iota
	// InputText is protobuf text format, each message ended by
	// RecordSeparator (or the end of input), as grpcurl's -format text.
	InputText
)

// ReaderOptions tunes NewReader. The zero value rejects every field the
// schema does not know.
type ReaderOptions struct {
	// AllowUnknownFields skips fields the schema does not know instead of
	// rejecting them, as grpcurl's -allow-unknown-fields does: for a request
	// written against a newer schema than the server's.
	AllowUnknownFields bool
	// Single says the method takes one request (unary and server-streaming
	// methods): anything but white space after it is an error naming where
	// the second request starts, rather than input silently dropped.
	Single bool
}

// Reader reads the requests of a call one at a time.
type Reader interface {
	// Next returns the next request, io.EOF after the last one, or an
	// *InputError that says where the input is wrong. An error of the
	// underlying reader is returned wrapped and is no *InputError. After an
	// error every later call returns the same error.
	Next() (proto.Message, error)
}

// NewReader returns a reader of md messages written in format from r; a
// format other than InputText is read as InputJSON. A nil resolver means
// protoregistry.GlobalTypes. Each message is returned as soon as it is
// complete, so requests typed at a terminal are sent one by one.
//
// Everything that reads requests goes through it, the command line's data
// and the TUI's editor alike, so a mistake is reported in the same words at
// the same line and column wherever it was typed.
func NewReader(format InputFormat, r io.Reader, md protoreflect.MessageDescriptor, resolver TypeResolver, opts ReaderOptions) Reader {
	var reader positionedReader
	if format == InputText {
		tr := newTextReader(r, md, resolver)
		tr.unmarsh.DiscardUnknown = opts.AllowUnknownFields
		reader = tr
	} else {
		rr := newJSONReader(r, md, resolver)
		rr.unmarsh.DiscardUnknown = opts.AllowUnknownFields
		reader = rr
	}
	if opts.Single {
		return &singleReader{r: reader}
	}
	return reader
}

// positionedReader is a Reader that can tell where its last message began.
type positionedReader interface {
	Reader
	lastStart() (line, col int)
}

func (rr *jsonReader) lastStart() (int, int) { return rr.startLine, rr.startCol }
func (tr *textReader) lastStart() (int, int) { return tr.startLine, tr.startCol }

// singleReader gives one request and makes sure the input holds no other.
type singleReader struct {
	r    positionedReader
	done bool
}

func (s *singleReader) Next() (proto.Message, error) {
	if s.done {
		return nil, io.EOF
	}
	s.done = true
	msg, err := s.r.Next()
	if err != nil {
		return msg, err
	}
	switch _, err := s.r.Next(); {
	case err == io.EOF:
		return msg, nil
	case err != nil:
		return nil, err
	}
	line, col := s.r.lastStart()
	return nil, &InputError{Request: 2, Line: line, Column: col,
		Problem: "a second request, but the method takes one (only client and bidi streams take more)"}
}

// InputError reports a request that could not be read: malformed input or a
// message that does not fit the request type. Callers treat it as a usage
// error (bad input) rather than a failure of the call.
type InputError struct {
	Request int    // 1-based number of the request in the input
	Line    int    // 1-based line in the whole input; 0 when unknown
	Column  int    // 1-based column (in characters) in the whole input; 0 when unknown
	Problem string // what is wrong, e.g. `unknown field "foo"`
	Err     error  // underlying decoder error, if any
}

// Error formats the error as "request N: line L, column C: problem".
func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("request %d: line %d, column %d: %s", e.Request, e.Line, e.Column, e.Problem)
	}
	return fmt.Sprintf("request %d: %s", e.Request, e.Problem)
}

// Unwrap returns the underlying decoder error.
func (e *InputError) Unwrap() error { return e.Err }
