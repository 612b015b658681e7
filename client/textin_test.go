package client

import (
	"errors"
	"io"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

func readAllText(t *testing.T, input string, allowUnknown bool) ([]proto.Message, error) {
	t.Helper()
	tr := NewReader(InputText, strings.NewReader(input), testRequestDescriptor(t), nil, ReaderOptions{AllowUnknownFields: allowUnknown})
	var msgs []proto.Message
	for {
		msg, err := tr.Next()
		if err == io.EOF {
			return msgs, nil
		}
		if err != nil {
			return msgs, err
		}
		msgs = append(msgs, msg)
	}
}

func TestTextRequestReader(t *testing.T) {
	msgs, err := readAllText(t, "message: \"one\"\ncount: 1\n\x1e\nmessage: 'two' tags: ['a', 'b']\x1e\x1e"+
		`any { [type.googleapis.com/google.protobuf.StringValue] { value: "inner" } }`+"\x1e\n", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 4 {
		t.Fatalf("got %d messages, want 4 (a blank record between separators is an empty message; a blank end is none)", len(msgs))
	}
	if fieldString(msgs[0], "message") != "one" || fieldString(msgs[0], "count") != "1" || fieldString(msgs[1], "message") != "two" {
		t.Errorf("messages %v", msgs)
	}
	if proto.Size(msgs[2]) != 0 {
		t.Errorf("third message not empty: %v", msgs[2])
	}
	if proto.Size(msgs[3]) == 0 {
		t.Error("the Any in the fourth message was lost")
	}

	for _, blank := range []string{"", " \n", "\n\x1e"} {
		got, err := readAllText(t, blank, false)
		if err != nil || len(got) > 1 || len(got) == 1 && proto.Size(got[0]) != 0 {
			t.Errorf("input %q: %d messages, %v", blank, len(got), err)
		}
	}
}

func TestTextRequestReaderErrors(t *testing.T) {
	for _, tc := range []struct {
		input      string
		wantGood   int
		line, col  int
		wantInText string
	}{
		{"count: 1\x1e\ncount: 2\nnope: 3", 1, 3, 1, "unknown field: nope"},
		{"message: \"a\"\x1e  count: x", 1, 1, 23, "invalid value for int32"},
		{"count: 1\ncount: 2", 0, 2, 1, "is repeated"},
	} {
		msgs, err := readAllText(t, tc.input, false)
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Errorf("%q: err %v, want an *InputError", tc.input, err)
			continue
		}
		if len(msgs) != tc.wantGood || ie.Request != tc.wantGood+1 || ie.Line != tc.line || ie.Column != tc.col || !strings.Contains(ie.Problem, tc.wantInText) {
			t.Errorf("%q: %d good, error %q at request %d line %d column %d; want %d good, line %d column %d, %q",
				tc.input, len(msgs), ie.Problem, ie.Request, ie.Line, ie.Column, tc.wantGood, tc.line, tc.col, tc.wantInText)
		}
	}
	msgs, err := readAllText(t, "message: \"kept\" added_later: 1", true)
	if err != nil || len(msgs) != 1 || fieldString(msgs[0], "message") != "kept" {
		t.Errorf("with unknown fields allowed: %v, %v", msgs, err)
	}
}

func TestReplyFormatText(t *testing.T) {
	md := testRequestDescriptor(t)
	f := &ReplyFormat{Text: true}
	var out []string
	for _, text := range []string{"one", "two"} {
		m := dynamicpb.NewMessage(md)
		m.Set(md.Fields().ByName("message"), protoreflect.ValueOfString(text))
		b, err := f.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	if out[0] != `message: "one"` || out[1] != "\x1e"+`message: "two"` {
		t.Errorf("text replies %q, want the second preceded by the record separator", out)
	}
}

func FuzzTextRequestReader(f *testing.F) {
	for _, seed := range []string{"message: \"a\" count: 3", "count: 1\x1ecount: 2", "nope: 1", "count: \"x\"", "{", "\x1e\x1e", ""} {
		f.Add(seed)
	}
	md := testRequestDescriptor(f)
	f.Fuzz(func(t *testing.T, input string) {
		drainFuzzed(t, NewReader(InputText, strings.NewReader(input), md, nil, ReaderOptions{}).Next)
	})
}

func TestSteadyText(t *testing.T) {
	in := "name:  \"a:  b\"\nnested:  {\n  [type.googleapis.com/x.Y]:  {\n    v:  1\n  }\n}\n\x1eok: 2"
	want := "name: \"a:  b\"\nnested: {\n  [type.googleapis.com/x.Y]: {\n    v: 1\n  }\n}\n\x1eok: 2"
	if got := string(steadyText([]byte(in))); got != want {
		t.Errorf("steadyText:\n%q\nwant\n%q", got, want)
	}
	if got := string(steadyText([]byte(want))); got != want {
		t.Errorf("steadyText changed steady text:\n%q", got)
	}
}
