package client

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
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

// TestReplyMissingRequiredFieldsShown: a proto2 reply without its required
// fields is printed as it came, as the codec accepts it, not refused.
func TestReplyMissingRequiredFieldsShown(t *testing.T) {
	var f ReplyFormat
	// NamePart's name_part and is_extension are both required.
	b, err := f.Marshal(&descriptorpb.UninterpretedOption_NamePart{NamePart: proto.String("x")})
	if err != nil {
		t.Fatalf("a reply missing a required field: %v", err)
	}
	if string(b) != `{"namePart":"x"}` {
		t.Errorf("reply %s", b)
	}
}

func TestCompactJSON(t *testing.T) {
	in := "{\n  \"message\": \"it's \\\"here\\\"  \\\\\",\r\n\t\"n\": [1, 2]\n}"
	want := `{"message":"it's \"here\"  \\","n":[1,2]}`
	if got := string(CompactJSON([]byte(in))); got != want {
		t.Errorf("CompactJSON:\n got %s\nwant %s", got, want)
	}
}
