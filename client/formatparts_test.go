package client

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/anypb"

	"sockscope/sample"
	"sockscope/sample/samplepb"
)

// shapesProto has a field of every shape protojson writes in a way of its
// own, declared out of number order (protojson writes declaration order),
// and an extension, which protojson orders by name.
const shapesProto = `
syntax = "proto2";
package shapes;
import "google/protobuf/any.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/field_mask.proto";
import "google/protobuf/empty.proto";
import "sample/v1/workloads.proto";

message Shapes {
  optional string late = 99;
  repeated sample.v1.Workload items = 2;
  optional string name = 1;
  repeated int64 nums = 3;
  map<string, sample.v1.Workload> by_name = 4;
  oneof choice {
    string text = 5;
    sample.v1.Workload picked = 6;
  }
  repeated google.protobuf.Any anys = 7;
  repeated google.protobuf.Value values = 8;
  repeated bytes blobs = 9;
  optional Shapes child = 10;
  repeated Shapes children = 11;
  repeated double ratios = 12;
  repeated sample.v1.State states = 13;
  optional google.protobuf.Timestamp at = 14;
  repeated google.protobuf.Int32Value wrapped = 15;
  repeated string strs = 16;
  repeated google.protobuf.Struct structs = 17;
  repeated google.protobuf.Duration durations = 18;
  optional google.protobuf.FieldMask mask = 19;
  repeated google.protobuf.Empty empties = 20;
  map<int32, string> by_number = 21;
  repeated Shapes more = 22;
  optional int32 with_default = 23 [default = 7];
  extensions 100 to 200;
}

extend Shapes {
  repeated string tags = 100;
}
`

// shapesFiles compiles shapesProto against the sample's files.
func shapesFiles(t *testing.T) protoreflect.MessageDescriptor {
	t.Helper()
	tree := sample.ProtoTree()
	compiler := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
		Accessor: func(path string) (io.ReadCloser, error) {
			if path == "shapes.proto" {
				return io.NopCloser(strings.NewReader(shapesProto)), nil
			}
			return tree.Open(path)
		},
	})}
	files, err := compiler.Compile(context.Background(), "shapes.proto")
	if err != nil {
		t.Fatal(err)
	}
	return files[0].Messages().ByName("Shapes")
}

// shapesJSON is a Shapes message of every shape, as text protojson reads.
const shapesJSON = `{
  "late": "declared first",
  "items": [ITEMS],
  "name": "shapes",
  "nums": [1, -2, 3, 9007199254740993],
  "byName": {"b": {"id": "b"}, "a": {"id": "a", "labels": {"z": "1", "y": "2"}}},
  "picked": {"id": "p", "container": {"image": "x", "command": ["a", "b"]}},
  "anys": [
    {"@type": "type.googleapis.com/sample.v1.Workload", "id": "in-any"},
    {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1.5s"},
    {"@type": "type.googleapis.com/google.protobuf.Struct", "value": {"k": [1, "two", null, {}]}}
  ],
  "values": [null, 1.5, "s", true, [], {}, {"deep": {"er": [[]]}}],
  "blobs": ["AAEC", "", "/w=="],
  "child": {"name": "child", "children": [{"name": "grandchild"}, {}]},
  "children": [{}, {"nums": []}, {"name": "x", "more": [{"name": "y"}]}],
  "ratios": ["NaN", "Infinity", "-Infinity", 0.1, -0, 1e300],
  "states": ["STATE_RUNNING", "STATE_UNSPECIFIED", 99],
  "at": "2026-12-01T12:00:00.123456789Z",
  "wrapped": [0, 1, -1],
  "strs": ["", "a \"quoted\":  value", "back\\slash", "ctl \u0001 \u001b", "é ✓ \u2028 😀", "{\n}", "\"key\":  \"v\""],
  "structs": [{}, {"a": {"b": []}}],
  "durations": ["0s", "-1.000000001s"],
  "mask": "a.b,cD",
  "empties": [{}, {}],
  "byNumber": {"10": "ten", "-1": "minus", "2": "two"},
  "withDefault": 7,
  "[shapes.tags]": ["t1", "t2"]
}`

// formatCases are replies of every shape the part formatters must print as
// Marshal does, with the type of most of them and the resolver they need.
func formatCases(t *testing.T) (protoreflect.MessageDescriptor, TypeResolver, map[string]proto.Message) {
	desc := shapesFiles(t)
	types := new(protoregistry.Types)
	for _, mt := range []protoreflect.MessageType{dynamicpb.NewMessageType(desc)} {
		if err := types.RegisterMessage(mt); err != nil {
			t.Fatal(err)
		}
	}
	if err := types.RegisterExtension(dynamicpb.NewExtensionType(desc.ParentFile().Extensions().ByName("tags"))); err != nil {
		t.Fatal(err)
	}
	resolver := WithGlobalFallback(types)
	items := make([]string, 7)
	for i := range items {
		items[i] = fmt.Sprintf(`{"id": "w%d", "ports": [{"containerPort": %d}], "annotations": {"n": %d}}`, i, i, i)
	}
	full := strings.Replace(shapesJSON, "ITEMS", strings.Join(items, ","), 1)
	noExtension := strings.Replace(full, `,
  "[shapes.tags]": ["t1", "t2"]`, "", 1)
	parse := func(text string) proto.Message {
		m := dynamicpb.NewMessage(desc)
		if err := (protojson.UnmarshalOptions{Resolver: resolver}).Unmarshal([]byte(text), m); err != nil {
			t.Fatalf("%v in %s", err, text)
		}
		return m
	}
	unknownAny := parse(noExtension)
	anys := unknownAny.ProtoReflect().Mutable(desc.Fields().ByName("anys")).List()
	anys.Append(protoreflect.ValueOfMessage((&anypb.Any{TypeUrl: "type.googleapis.com/no.Such", Value: []byte{1, 2}}).ProtoReflect()))

	many := &samplepb.ListWorkloadsResponse{}
	for i := range 50 {
		many.Workloads = append(many.Workloads, &samplepb.Workload{Id: fmt.Sprint(i), Labels: map[string]string{"i": fmt.Sprint(i)}})
	}
	return desc, resolver, map[string]proto.Message{
		"every shape":                    parse(noExtension),
		"with an extension":              parse(full),
		"an Any of an unknown type":      unknownAny,
		"empty":                          dynamicpb.NewMessage(desc),
		"one list only":                  parse(`{"items": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}`),
		"lists of scalars at both ends":  parse(`{"late": "x", "nums": [1, 2, 3], "strs": ["a", "b"]}`),
		"a list of one":                  parse(`{"items": [{"id": "a"}], "name": "n"}`),
		"lists next to each other":       parse(`{"nums": [1, 2], "anys": [{"@type": "type.googleapis.com/google.protobuf.Empty"}, {"@type": "type.googleapis.com/google.protobuf.Empty", "value": {}}], "values": [1, 2]}`),
		"generated, many elements":       many,
		"a well-known type at top level": parse(`{"values": [1, 2, 3]}`).ProtoReflect().Get(desc.Fields().ByName("values")).List().Get(0).Message().Interface(),
	}
}

func TestIndentedPartsAsMarshal(t *testing.T) {
	_, resolver, cases := formatCases(t)
	for name, m := range cases {
		for _, emitDefaults := range []bool{false, true} {
			want, err := (&ReplyFormat{Indent: true, Resolver: resolver, EmitDefaults: emitDefaults}).Marshal(m)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, workers := range []int{1, 2, 3} {
				for _, runs := range []int{2, 3, 4, 100} {
					f := &ReplyFormat{Resolver: resolver, EmitDefaults: emitDefaults}
					parts, err := f.indentedParts(context.Background(), m, workers, runs)
					if err != nil {
						t.Fatalf("%s, %d workers, %d runs: %v", name, workers, runs, err)
					}
					if got := bytes.Join(parts, nil); !bytes.Equal(got, want) {
						t.Errorf("%s, defaults %v, %d workers, %d runs:\n%s\nwant\n%s", name, emitDefaults, workers, runs, got, want)
					}
				}
			}
		}
	}
}

// TestIndentedPartsSplits: a reply with a long list is marshalled in runs
// (else the test above would prove nothing of the stitching).
func TestIndentedPartsSplits(t *testing.T) {
	m := &samplepb.ListWorkloadsResponse{Workloads: []*samplepb.Workload{{Id: "a"}, {Id: "b"}, {Id: "c"}}}
	parts, err := (&ReplyFormat{}).indentedParts(context.Background(), m, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	// "{\n", three runs and the two ",\n" between them, "\n}".
	if len(parts) != 7 {
		t.Errorf("%d parts, want 7: %q", len(parts), parts)
	}
}

// TestIndentedPartsCancelled: a cancelled context stops the work.
func TestIndentedPartsCancelled(t *testing.T) {
	m := &samplepb.ListWorkloadsResponse{Workloads: []*samplepb.Workload{{Id: "a"}, {Id: "b"}}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&ReplyFormat{}).IndentedParts(ctx, m, 2); err == nil {
		t.Error("no error from a cancelled context")
	}
}

// TestSteadyIndented: two spaces after a name's colon become one, and
// nothing inside a string changes, whichever spacing this build's
// protojson picked.
func TestSteadyIndented(t *testing.T) {
	in := "{\n  \"a\":  1,\n  \"s\\\":  \":  \"x\\\\\":  y\",\n  \"l\":  [\n    \"v\":  \n  ]\n}"
	want := "{\n  \"a\": 1,\n  \"s\\\":  \": \"x\\\\\":  y\",\n  \"l\": [\n    \"v\": \n  ]\n}"
	if !extraColonSpace() {
		want = in
	}
	if got := string(steadyIndented([]byte(in))); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
