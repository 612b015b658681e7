package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// jsonReader is the Reader of InputJSON: it reads a sequence of JSON
// objects, each decoded into a new dynamicpb message with protojson (the
// resolver finds the types of Any fields). Each object is returned as soon
// as its closing brace has been read.
type jsonReader struct {
	decoder  *json.Decoder
	tracker  *positionTracker
	msgType  protoreflect.MessageType
	unmarsh  protojson.UnmarshalOptions
	count    int
	stickErr error
	// startLine and startCol are where the last message read began.
	startLine, startCol int
}

// newJSONReader is NewReader for InputJSON with unknown fields rejected. A nil resolver means
// protoregistry.GlobalTypes.
func newJSONReader(r io.Reader, md protoreflect.MessageDescriptor, resolver TypeResolver) *jsonReader {
	if resolver == nil {
		resolver = protoregistry.GlobalTypes
	}
	tracker := &positionTracker{r: r, line: 1, col: 1}
	return &jsonReader{
		decoder: json.NewDecoder(tracker),
		tracker: tracker,
		msgType: dynamicpb.NewMessageType(md),
		unmarsh: protojson.UnmarshalOptions{Resolver: resolver},
	}
}

// Next returns the next request, io.EOF after the last one, or an *InputError.
// After an error every later call returns the same error.
func (rr *jsonReader) Next() (proto.Message, error) {
	if rr.stickErr != nil {
		return nil, rr.stickErr
	}
	msg, err := rr.next()
	if err != nil {
		rr.stickErr = err
	}
	return msg, err
}

func (rr *jsonReader) next() (proto.Message, error) {
	number := rr.count + 1
	var raw json.RawMessage
	if err := rr.decoder.Decode(&raw); err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, rr.decodeError(number, err)
	}
	rr.count = number
	end := rr.decoder.InputOffset()
	start := end - int64(len(raw))
	startLine, startCol := rr.tracker.position(start)
	rr.startLine, rr.startCol = startLine, startCol
	rr.tracker.advance(end)

	if raw[0] != '{' {
		return nil, &InputError{Request: number, Line: startLine, Column: startCol,
			Problem: fmt.Sprintf("expected a JSON object, got %s", jsonKind(raw[0]))}
	}
	msg := rr.msgType.New().Interface()
	if err := rr.unmarsh.Unmarshal(raw, msg); err != nil {
		if at, esc, ok := loneSurrogate(raw); ok {
			line, col := step(startLine, startCol, raw[:at])
			return nil, &InputError{Request: number, Line: line, Column: col, Err: err,
				Problem: fmt.Sprintf("the escape of U+%s is half of a UTF-16 surrogate pair: write a character outside the BMP as itself or as both halves (U+D83D then U+DE00 for 😀)", strings.ToUpper(esc[2:]))}
		}
		return nil, protojsonError(number, startLine, startCol, err)
	}
	return msg, nil
}

func (rr *jsonReader) decodeError(number int, err error) error {
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		line, col := rr.tracker.position(syntaxErr.Offset)
		// The offset is just past the offending character.
		if col > 1 {
			col--
		}
		return &InputError{Request: number, Line: line, Column: col, Problem: syntaxErr.Error(), Err: err}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		line, col := rr.tracker.position(rr.tracker.end())
		return &InputError{Request: number, Line: line, Column: col,
			Problem: "unexpected end of input (unfinished JSON value)", Err: err}
	}
	// A read error from the underlying reader is not bad input.
	return fmt.Errorf("reading request %d: %w", number, err)
}

// loneSurrogate finds a \uXXXX escape of a UTF-16 surrogate without its
// other half in raw, which protojson rejects with a bare "unexpected EOF";
// at is its byte offset in raw.
func loneSurrogate(raw []byte) (at int, esc string, ok bool) {
	inString := false
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '"':
			inString = !inString
		case c == '\\' && inString && i+1 < len(raw):
			if raw[i+1] != 'u' || i+6 > len(raw) {
				i++
				continue
			}
			v, err := strconv.ParseUint(string(raw[i+2:i+6]), 16, 16)
			switch {
			case err != nil || v < 0xd800 || v > 0xdfff:
				i += 5
			case v <= 0xdbff && i+12 <= len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u':
				low, err := strconv.ParseUint(string(raw[i+8:i+12]), 16, 16)
				if err != nil || low < 0xdc00 || low > 0xdfff {
					return i, string(raw[i : i+6]), true
				}
				i += 11
			default:
				return i, string(raw[i : i+6]), true
			}
		}
	}
	return 0, "", false
}

func jsonKind(first byte) string {
	switch first {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// protojsonPosition matches the "(line L:C): " that protojson puts in its
// messages, with positions relative to the object being decoded. It is
// compiled on first use because only bad input needs it, and every call
// would otherwise pay for compiling it at start.
var protojsonPosition = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\(line (\d+):(\d+)\):?\s*`) })

// protojsonError turns a protojson error into an InputError positioned in the
// whole input. protojson's message prefix deliberately varies (it may use
// non-breaking spaces), so it is matched loosely.
func protojsonError(number, startLine, startCol int, err error) error {
	text := err.Error()
	text = strings.TrimPrefix(text, "proto:")
	text = strings.TrimLeft(text, " \u00a0")
	ie := &InputError{Request: number, Line: startLine, Column: startCol, Err: err}
	if m := protojsonPosition().FindStringSubmatchIndex(text); m != nil {
		line, _ := strconv.Atoi(text[m[2]:m[3]])
		col, _ := strconv.Atoi(text[m[4]:m[5]])
		if line == 1 {
			ie.Column = startCol + col - 1
		} else {
			ie.Line = startLine + line - 1
			ie.Column = col
		}
		text = strings.TrimSpace(text[:m[0]] + text[m[1]:])
	}
	ie.Problem = text
	return ie
}

// positionTracker sits between the input and the JSON decoder and remembers
// the bytes the decoder has read but the reader has not yet passed, so byte
// offsets reported by the decoder can be turned into line and column in the
// whole input without keeping all of it.
type positionTracker struct {
	r         io.Reader
	pending   []byte // bytes from offset base on
	base      int64
	line, col int // position of base
}

func (p *positionTracker) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.pending = append(p.pending, b[:n]...)
	return n, err
}

func (p *positionTracker) end() int64 { return p.base + int64(len(p.pending)) }

// position returns the 1-based line and column of offset, which must not be
// before the last advance.
func (p *positionTracker) position(offset int64) (line, col int) {
	n := min(max(offset-p.base, 0), int64(len(p.pending)))
	return step(p.line, p.col, p.pending[:n])
}

// advance forgets everything before offset.
func (p *positionTracker) advance(offset int64) {
	n := min(max(offset-p.base, 0), int64(len(p.pending)))
	p.line, p.col = step(p.line, p.col, p.pending[:n])
	p.pending = append(p.pending[:0], p.pending[n:]...)
	p.base += n
}

func step(line, col int, b []byte) (int, int) {
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		line += bytes.Count(b, []byte{'\n'})
		col = 1
		b = b[i+1:]
	}
	return line, col + utf8.RuneCount(b)
}
