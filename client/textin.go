package client

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// RecordSeparator (ASCII RS) ends each message of a stream in protobuf
// text format, in requests and replies, as grpcurl's -format text has it.
const RecordSeparator = '\x1e'

// textReader is the Reader of InputText: it reads requests in
// protobuf text format, separated by RecordSeparator; each is returned as
// soon as its separator (or the end of input) has been read. Blank input,
// or a blank record after the last separator, is no request.
type textReader struct {
	r         *bufio.Reader
	msgType   protoreflect.MessageType
	unmarsh   prototext.UnmarshalOptions
	count     int
	line, col int // where the next record starts
	stickErr  error
	// startLine and startCol are where the last record read began.
	startLine, startCol int
}

// newTextReader is NewReader for InputText with unknown fields rejected.
// A nil resolver means protoregistry.GlobalTypes.
func newTextReader(r io.Reader, md protoreflect.MessageDescriptor, resolver TypeResolver) *textReader {
	if resolver == nil {
		resolver = protoregistry.GlobalTypes
	}
	return &textReader{
		r:       bufio.NewReader(r),
		msgType: dynamicpb.NewMessageType(md),
		unmarsh: prototext.UnmarshalOptions{Resolver: resolver},
		line:    1, col: 1,
	}
}

// Next returns the next request, io.EOF after the last one, or an
// *InputError positioned in the whole input. After an error every later
// call returns the same error.
func (tr *textReader) Next() (proto.Message, error) {
	if tr.stickErr != nil {
		return nil, tr.stickErr
	}
	msg, err := tr.next()
	if err != nil {
		tr.stickErr = err
	}
	return msg, err
}

func (tr *textReader) next() (proto.Message, error) {
	record, err := tr.r.ReadBytes(RecordSeparator)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("reading request %d: %w", tr.count+1, err)
	}
	atEnd := err == io.EOF
	startLine, startCol := tr.line, tr.col
	tr.line, tr.col = step(tr.line, tr.col, record)
	record = bytes.TrimSuffix(record, []byte{RecordSeparator})
	if atEnd && len(bytes.TrimSpace(record)) == 0 {
		return nil, io.EOF
	}
	tr.count++
	tr.startLine, tr.startCol = startLine, startCol
	msg := tr.msgType.New().Interface()
	if err := tr.unmarsh.Unmarshal(record, msg); err != nil {
		// prototext positions its errors as protojson does, from the record's start.
		return nil, protojsonError(tr.count, startLine, startCol, err)
	}
	return msg, nil
}
