package client

import (
	"testing"

	"google.golang.org/protobuf/types/known/structpb"
)

func TestReplyFormatStableSpacing(t *testing.T) {
	msg, err := structpb.NewStruct(map[string]any{"text": `a "quoted" \ value, with: spaces`, "n": 1})
	if err != nil {
		t.Fatal(err)
	}
	compact := &ReplyFormat{}
	got, err := compact.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"n":1,"text":"a \"quoted\" \\ value, with: spaces"}`
	if string(got) != want {
		t.Errorf("compact:\n got %s\nwant %s", got, want)
	}
	indented := &ReplyFormat{Indent: true}
	got, err = indented.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	want = "{\n  \"n\": 1,\n  \"text\": \"a \\\"quoted\\\" \\\\ value, with: spaces\"\n}"
	if string(got) != want {
		t.Errorf("indented:\n got %s\nwant %s", got, want)
	}
}
