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
	if format == InputText {
		tr := newTextReader(r, md, resolver)
		tr.unmarsh.DiscardUnknown = opts.AllowUnknownFields
		return tr
	}
	rr := newJSONReader(r, md, resolver)
	rr.unmarsh.DiscardUnknown = opts.AllowUnknownFields
	return rr
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
