package client

import (
	"errors"
	"io"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// testRequestDescriptor builds a small message type at run time, the way
// descriptors arrive from reflection:
//
//	message Req { string message = 1; int32 count = 2; repeated string tags = 3; google.protobuf.Any any = 4; }
func testRequestDescriptor(t testing.TB) protoreflect.MessageDescriptor {
	t.Helper()
	field := func(name string, number int32, typ descriptorpb.FieldDescriptorProto_Type, label descriptorpb.FieldDescriptorProto_Label, typeName string) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{
			Name:     proto.String(name),
			JsonName: proto.String(name),
			Number:   proto.Int32(number),
			Type:     typ.Enum(),
			Label:    label.Enum(),
		}
		if typeName != "" {
			f.TypeName = proto.String(typeName)
		}
		return f
	}
	optional := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL
	file := &descriptorpb.FileDescriptorProto{
		Name:       proto.String("clienttest/req.proto"),
		Package:    proto.String("clienttest"),
		Syntax:     proto.String("proto3"),
		Dependency: []string{"google/protobuf/any.proto"},
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("Req"),
			Field: []*descriptorpb.FieldDescriptorProto{
				field("message", 1, descriptorpb.FieldDescriptorProto_TYPE_STRING, optional, ""),
				field("count", 2, descriptorpb.FieldDescriptorProto_TYPE_INT32, optional, ""),
				field("tags", 3, descriptorpb.FieldDescriptorProto_TYPE_STRING, descriptorpb.FieldDescriptorProto_LABEL_REPEATED, ""),
				field("any", 4, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, optional, ".google.protobuf.Any"),
			},
		}},
	}
	fd, err := protodesc.NewFile(file, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	return fd.Messages().ByName("Req")
}

func readAll(t *testing.T, input string) ([]proto.Message, error) {
	t.Helper()
	rr := NewReader(InputJSON, strings.NewReader(input), testRequestDescriptor(t), nil, ReaderOptions{})
	var msgs []proto.Message
	for {
		msg, err := rr.Next()
		if err == io.EOF {
			return msgs, nil
		}
		if err != nil {
			return msgs, err
		}
		msgs = append(msgs, msg)
	}
}

func fieldString(m proto.Message, name string) string {
	r := m.ProtoReflect()
	return r.Get(r.Descriptor().Fields().ByName(protoreflect.Name(name))).String()
}

func TestRequestReaderSequence(t *testing.T) {
	input := `{"message":"one","count":1}
{"message":"two"}   {"tags":["a","b"]}

{}
{"any":{"@type":"type.googleapis.com/google.protobuf.StringValue","value":"inner"}}`
	msgs, err := readAll(t, input)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 5 {
		t.Fatalf("got %d messages, want 5", len(msgs))
	}
	if got := fieldString(msgs[0], "message"); got != "one" {
		t.Errorf("first message = %q", got)
	}
	if got := fieldString(msgs[0], "count"); got != "1" {
		t.Errorf("first count = %q", got)
	}
	if got := fieldString(msgs[1], "message"); got != "two" {
		t.Errorf("second message = %q", got)
	}
	if got := msgs[2].ProtoReflect().Get(msgs[2].ProtoReflect().Descriptor().Fields().ByName("tags")).List().Len(); got != 2 {
		t.Errorf("third message has %d tags", got)
	}
	if proto.Size(msgs[3]) != 0 {
		t.Errorf("fourth message not empty: %v", msgs[3])
	}
	anyField := msgs[4].ProtoReflect().Descriptor().Fields().ByName("any")
	anyBytes, err := proto.Marshal(msgs[4].ProtoReflect().Get(anyField).Message().Interface())
	if err != nil {
		t.Fatal(err)
	}
	var decoded anypb.Any
	if err := proto.Unmarshal(anyBytes, &decoded); err != nil {
		t.Fatal(err)
	}
	var inner wrapperspb.StringValue
	if err := decoded.UnmarshalTo(&inner); err != nil || inner.GetValue() != "inner" {
		t.Errorf("Any content = %v (%v), want StringValue inner", &inner, err)
	}
}

func TestRequestReaderEmptyInput(t *testing.T) {
	msgs, err := readAll(t, " \n\t\n")
	if err != nil || len(msgs) != 0 {
		t.Fatalf("got %d messages, err %v; want none and EOF", len(msgs), err)
	}
}

func TestRequestReaderErrors(t *testing.T) {
	tests := []struct {
		name      string
		input     string
		wantGood  int
		request   int
		line, col int
		wantSub   string
	}{
		{"invalid character", "{\"message\":\"a\"}\n\n{\"message\":\n  \"b\" x}", 1, 2, 4, 7, "invalid character 'x'"},
		{"unknown field first line", `{"message":"a"} {"nope":1}`, 1, 2, 1, 18, `unknown field "nope"`},
		{"unknown field later line", "{}\n  {\n  \"message\": \"a\",\n     \"nope\": 1}", 1, 2, 4, 6, `unknown field "nope"`},
		{"wrong type", "\n\n   {\"count\": \"many\"}", 0, 1, 3, 14, "count"},
		{"top-level array", "{}\n[1]", 1, 2, 2, 1, "expected a JSON object, got an array"},
		{"top-level number", "7", 0, 1, 1, 1, "got a number"},
		{"truncated", "{}\n{\"message\": \"a\"", 1, 2, 2, 16, "unexpected end of input"},
		{"stray brace", "{}\n}", 1, 2, 2, 1, "invalid character '}'"},
		{"unicode column", "{\"message\":\"\u00e9\u00e9\u00e9\", \"nope\":1}", 0, 1, 1, 19, `unknown field "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, err := readAll(t, tt.input)
			if len(msgs) != tt.wantGood {
				t.Errorf("read %d good messages before the error, want %d", len(msgs), tt.wantGood)
			}
			var inputErr *InputError
			if !errors.As(err, &inputErr) {
				t.Fatalf("error %v (%T) is not an *InputError", err, err)
			}
			if inputErr.Request != tt.request || inputErr.Line != tt.line || inputErr.Column != tt.col {
				t.Errorf("error %q at request %d line %d column %d, want request %d line %d column %d",
					err, inputErr.Request, inputErr.Line, inputErr.Column, tt.request, tt.line, tt.col)
			}
			if !strings.Contains(err.Error(), tt.wantSub) {
				t.Errorf("error %q does not contain %q", err, tt.wantSub)
			}
		})
	}
}

// TestRequestReaderAllowUnknownFields: with the option, a field the schema
// does not know is skipped and the rest of the object is kept.
func TestRequestReaderAllowUnknownFields(t *testing.T) {
	md := testRequestDescriptor(t)
	msg, err := NewReader(InputJSON, strings.NewReader(`{"message":"kept","addedLater":1}`), md, nil, ReaderOptions{AllowUnknownFields: true}).Next()
	if err != nil || fieldString(msg, "message") != "kept" {
		t.Errorf("with unknown fields allowed: %v, %v", msg, err)
	}
}

// TestRequestReaderStreams proves each object is returned once complete, with
// the rest of the input not yet written: the reader must not wait for EOF.
func TestRequestReaderStreams(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	rr := NewReader(InputJSON, pr, testRequestDescriptor(t), nil, ReaderOptions{})
	go func() {
		_, _ = io.WriteString(pw, "{\"message\":\"first\"}\n")
	}()
	msg, err := rr.Next()
	if err != nil {
		t.Fatal(err)
	}
	if got := fieldString(msg, "message"); got != "first" {
		t.Fatalf("message = %q", got)
	}
	go func() {
		_, _ = io.WriteString(pw, "{\"message\":\"second\"}")
		pw.Close()
	}()
	msg, err = rr.Next()
	if err != nil || fieldString(msg, "message") != "second" {
		t.Fatalf("second = %v, %v", msg, err)
	}
	if _, err := rr.Next(); err != io.EOF {
		t.Fatalf("after the last object: %v, want io.EOF", err)
	}
}

func TestRequestReaderReadErrorIsNotInputError(t *testing.T) {
	boom := errors.New("disk on fire")
	rr := NewReader(InputJSON, io.MultiReader(strings.NewReader(`{"message":`), errReader{boom}), testRequestDescriptor(t), nil, ReaderOptions{})
	_, err := rr.Next()
	var inputErr *InputError
	if !errors.Is(err, boom) || errors.As(err, &inputErr) {
		t.Fatalf("got %v, want the read error and no InputError", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func FuzzRequestReader(f *testing.F) {
	for _, seed := range []string{
		`{"message":"a","count":3}`, "{}\n{}", `[1]`, `{"nope":1}`, `{"count":"x"}`, "{\n\"tags\":[\"a\",1]}",
		`{"any":{"@type":"type.googleapis.com/google.protobuf.Int32Value","value":3}}`, `{"any":{"@type":"x"}}`,
		"", "{", "}", "\u00e9{", `{"message":"\ud800"}`,
	} {
		f.Add(seed)
	}
	md := testRequestDescriptor(f)
	f.Fuzz(func(t *testing.T, input string) {
		drainFuzzed(t, NewReader(InputJSON, strings.NewReader(input), md, nil, ReaderOptions{}).Next)
	})
}

// drainFuzzed reads requests until the end or an error, failing on what no
// input may cause: an error that is not an *InputError, a position that
// cannot be, or a nil message without an error.
func drainFuzzed(t *testing.T, next func() (proto.Message, error)) {
	for range 1000 {
		msg, err := next()
		if err == io.EOF {
			return
		}
		if err != nil {
			var inputErr *InputError
			if !errors.As(err, &inputErr) {
				t.Fatalf("error %v (%T) is not an *InputError", err, err)
			}
			if inputErr.Request < 1 || inputErr.Line < 0 || inputErr.Column < 0 || (inputErr.Line > 0) != (inputErr.Column > 0) {
				t.Fatalf("bad position in %+v", inputErr)
			}
			return
		}
		if msg == nil {
			t.Fatal("nil message without error")
		}
	}
}

// TestSingleRequestRejectsMore: for a method that takes one request, a
// second object or trailing garbage is an error naming where it starts,
// never input silently dropped.
func TestSingleRequestRejectsMore(t *testing.T) {
	md := testRequestDescriptor(t)
	for in, want := range map[string]string{
		`{"message":"a"}`: "",
		"{\"message\":\"a\"}\n  {\"message\":\"b\"}": "request 2: line 2, column 3: a second request",
		`{"message":"a"} trailing`:                   "request 2: line 1, column 19: invalid character 'a' in literal true",
	} {
		for _, format := range []InputFormat{InputJSON} {
			r := NewReader(format, strings.NewReader(in), md, nil, ReaderOptions{Single: true})
			_, err := r.Next()
			switch {
			case want == "" && err != nil:
				t.Errorf("%q: %v", in, err)
			case want != "" && (err == nil || !strings.HasPrefix(err.Error(), want)):
				t.Errorf("%q: %v, want %q…", in, err, want)
			}
			if want == "" {
				if _, err := r.Next(); err != io.EOF {
					t.Errorf("%q: the second Next gave %v, want io.EOF", in, err)
				}
			}
		}
	}
	text := NewReader(InputText, strings.NewReader("message: \"a\"\x1e\nmessage: \"b\""), md, nil, ReaderOptions{Single: true})
	if _, err := text.Next(); err == nil || !strings.HasPrefix(err.Error(), "request 2: line 1, column 14: a second request") {
		t.Errorf("text format: %v", err)
	}
}

// TestLoneSurrogateNamed: a string holding half of a surrogate pair is
// reported as such, where it is, not as an "unexpected EOF" at column 1.
func TestLoneSurrogateNamed(t *testing.T) {
	md := testRequestDescriptor(t)
	for in, want := range map[string]string{
		`{"message":"\ud800"}`:    "request 1: line 1, column 13: the escape of U+D800 is half of a UTF-16 surrogate pair",
		`{"message":"ab\udc00c"}`: "request 1: line 1, column 15: the escape of U+DC00 is half",
	} {
		_, err := NewReader(InputJSON, strings.NewReader(in), md, nil, ReaderOptions{}).Next()
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %v, want %q…", in, err, want)
		}
	}
	if _, err := NewReader(InputJSON, strings.NewReader(`{"message":"\ud83d\ude00"}`), md, nil, ReaderOptions{}).Next(); err != nil {
		t.Errorf("a proper pair: %v", err)
	}
}
