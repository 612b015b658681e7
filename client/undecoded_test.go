package client

import (
	"strings"
	"testing"

	ctrevents "github.com/containerd/containerd/api/events"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/typepb"

	"sockscope/sample/samplepb"
)

func mustAny(t *testing.T, url string, m proto.Message) *anypb.Any {
	t.Helper()
	raw, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return &anypb.Any{TypeUrl: url, Value: raw}
}

// asDynamic is m as a reply arrives: a dynamic message of m's type.
func asDynamic(t *testing.T, m proto.Message) proto.Message {
	t.Helper()
	raw, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	d := dynamicpb.NewMessage(m.ProtoReflect().Descriptor())
	if err := proto.Unmarshal(raw, d); err != nil {
		t.Fatal(err)
	}
	return d
}

// dynamicTypes knows the types of files the way a reflection source does:
// as dynamic types, not the generated ones.
func dynamicTypes(t *testing.T, files ...protoreflect.FileDescriptor) *protoregistry.Types {
	t.Helper()
	types := &protoregistry.Types{}
	for _, fd := range files {
		for i := 0; i < fd.Messages().Len(); i++ {
			if err := types.RegisterMessage(dynamicpb.NewMessageType(fd.Messages().Get(i))); err != nil {
				t.Fatal(err)
			}
		}
	}
	return types
}

func TestTypeURLWithoutPrefix(t *testing.T) {
	exit := &ctrevents.TaskExit{ContainerID: "c1", ID: "c1", Pid: 42, ExitStatus: 137}
	event := &samplepb.Event{WorkloadId: "w1", Payload: mustAny(t, "containerd.events.TaskExit", exit)}
	for _, c := range []struct {
		name     string
		resolver TypeResolver
	}{
		{"global registry", nil},
		{"dynamic types", WithGlobalFallback(dynamicTypes(t, ctrevents.File_events_task_proto))},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &ReplyFormat{Resolver: c.resolver}
			got, err := f.Marshal(asDynamic(t, event))
			if err != nil {
				t.Fatal(err)
			}
			want := `{"workloadId":"w1","payload":{"@type":"containerd.events.TaskExit","containerId":"c1","id":"c1","pid":42,"exitStatus":137}}`
			if string(got) != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func TestUnknownAnyPrintsURLAndValue(t *testing.T) {
	unknown := &anypb.Any{TypeUrl: "type.example.com/acme.v1.Secret", Value: []byte{0x0a, 0x03, 'k', 'e', 'y'}}
	stateChange := &samplepb.StateChange{From: samplepb.State_STATE_CREATED, To: samplepb.State_STATE_RUNNING, Reason: "started"}
	nested := &samplepb.Event{WorkloadId: "inner", Payload: unknown}
	at := &timestamppb.Timestamp{Seconds: 1700000000}

	for _, c := range []struct {
		name string
		msg  proto.Message
		want string
	}{
		{"a field", &samplepb.Event{WorkloadId: "w1", At: at, Payload: unknown},
			`{"workloadId":"w1","at":"2023-11-14T22:13:20Z","payload":{"@type":"type.example.com/acme.v1.Secret","value":"CgNrZXk="}}`},
		{"the whole reply", unknown,
			`{"@type":"type.example.com/acme.v1.Secret","value":"CgNrZXk="}`},
		{"inside a known Any", mustAny(t, "type.googleapis.com/sample.v1.Event", nested),
			`{"@type":"type.googleapis.com/sample.v1.Event","workloadId":"inner","payload":{"@type":"type.example.com/acme.v1.Secret","value":"CgNrZXk="}}`},
		{"a list, beside a known Any", &typepb.Type{Name: "t", Options: []*typepb.Option{
			{Name: "unknown", Value: unknown},
			{Name: "known", Value: mustAny(t, "sample.v1.StateChange", stateChange)},
		}},
			`{"name":"t","options":[{"name":"unknown","value":{"@type":"type.example.com/acme.v1.Secret","value":"CgNrZXk="}},` +
				`{"name":"known","value":{"@type":"sample.v1.StateChange","from":"STATE_CREATED","to":"STATE_RUNNING","reason":"started"}}]}`},
		{"a value that does not decode as its known type", &samplepb.Event{WorkloadId: "w2", Payload: &anypb.Any{TypeUrl: "sample.v1.StateChange", Value: []byte{0xff}}},
			`{"workloadId":"w2","payload":{"@type":"sample.v1.StateChange","value":"/w=="}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, form := range []struct {
				name string
				msg  proto.Message
			}{{"generated", c.msg}, {"dynamic", asDynamic(t, c.msg)}} {
				before := proto.Clone(form.msg)
				got, err := (&ReplyFormat{}).Marshal(form.msg)
				if err != nil {
					t.Fatalf("%s: %v", form.name, err)
				}
				if string(got) != c.want {
					t.Errorf("%s:\n got %s\nwant %s", form.name, got, c.want)
				}
				if !proto.Equal(before, form.msg) {
					t.Errorf("%s: the caller's message was changed", form.name)
				}
			}
		})
	}
}

func TestUnknownAnyInAMap(t *testing.T) {
	fdp := &descriptorpb.FileDescriptorProto{
		Name: proto.String("bag.proto"), Package: proto.String("bag.v1"), Syntax: proto.String("proto3"),
		Dependency: []string{"google/protobuf/any.proto"},
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("Bag"),
			Field: []*descriptorpb.FieldDescriptorProto{{
				Name: proto.String("items"), JsonName: proto.String("items"), Number: proto.Int32(1),
				Label: descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum(), Type: descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(),
				TypeName: proto.String(".bag.v1.Bag.ItemsEntry"),
			}},
			NestedType: []*descriptorpb.DescriptorProto{{
				Name:    proto.String("ItemsEntry"),
				Options: &descriptorpb.MessageOptions{MapEntry: proto.Bool(true)},
				Field: []*descriptorpb.FieldDescriptorProto{
					{Name: proto.String("key"), JsonName: proto.String("key"), Number: proto.Int32(1),
						Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()},
					{Name: proto.String("value"), JsonName: proto.String("value"), Number: proto.Int32(2),
						Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), Type: descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(),
						TypeName: proto.String(".google.protobuf.Any")},
				},
			}},
		}},
	}
	fd, err := protodesc.NewFile(fdp, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	bag := dynamicpb.NewMessage(fd.Messages().ByName("Bag"))
	items := bag.Mutable(fd.Messages().ByName("Bag").Fields().ByName("items")).Map()
	for key, a := range map[string]*anypb.Any{
		"odd":  {TypeUrl: "acme.v1.Odd", Value: []byte{1, 2, 3}},
		"even": mustAny(t, "type.googleapis.com/google.protobuf.Timestamp", &timestamppb.Timestamp{}),
	} {
		items.Set(protoreflect.ValueOfString(key).MapKey(), protoreflect.ValueOfMessage(a.ProtoReflect()))
	}
	got, err := (&ReplyFormat{}).Marshal(bag)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"odd":{"@type":"acme.v1.Odd","value":"AQID"}`,
		`"even":{"@type":"type.googleapis.com/google.protobuf.Timestamp","value":"1970-01-01T00:00:00Z"}`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("%s lacks %s", got, want)
		}
	}
}

func TestReplyFormatStillFailsForOtherReasons(t *testing.T) {
	// An Any with a value but no type URL is malformed in itself: no URL
	// to print, so the error stands.
	_, err := (&ReplyFormat{}).Marshal(&samplepb.Event{Payload: &anypb.Any{Value: []byte{1}}})
	if err == nil || !strings.Contains(err.Error(), "sample.v1.Event") {
		t.Errorf("err %v, want a failure naming the message", err)
	}
}
