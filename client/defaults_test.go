package client

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// proto2Device is a proto2 message with declared defaults and a nested
// message of the same kind, as a proto2 daemon's reply is.
func proto2Device(t *testing.T) protoreflect.MessageDescriptor {
	t.Helper()
	optional := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	repeated := descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
	fdp := &descriptorpb.FileDescriptorProto{
		Name: proto.String("d.proto"), Package: proto.String("d"), Syntax: proto.String("proto2"),
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("Device"),
			Field: []*descriptorpb.FieldDescriptorProto{
				{Name: proto.String("id"), JsonName: proto.String("id"), Number: proto.Int32(1), Label: descriptorpb.FieldDescriptorProto_LABEL_REQUIRED.Enum(), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()},
				{Name: proto.String("name"), JsonName: proto.String("name"), Number: proto.Int32(2), Label: optional, Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), DefaultValue: proto.String("unnamed")},
				{Name: proto.String("retries"), JsonName: proto.String("retries"), Number: proto.Int32(3), Label: optional, Type: descriptorpb.FieldDescriptorProto_TYPE_INT32.Enum(), DefaultValue: proto.String("3")},
				{Name: proto.String("parts"), JsonName: proto.String("parts"), Number: proto.Int32(4), Label: repeated, Type: descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(), TypeName: proto.String(".d.Device")},
			},
		}},
	}
	fd, err := protodesc.NewFile(fdp, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fd.Messages().Get(0)
}

func TestEmitDefaultsPrintsDeclaredDefaults(t *testing.T) {
	md := proto2Device(t)
	m := dynamicpb.NewMessage(md)
	m.Set(md.Fields().ByName("id"), protoreflect.ValueOfString("d1"))
	part := dynamicpb.NewMessage(md)
	part.Set(md.Fields().ByName("id"), protoreflect.ValueOfString("p1"))
	m.Mutable(md.Fields().ByName("parts")).List().Append(protoreflect.ValueOfMessage(part))

	f := &ReplyFormat{EmitDefaults: true}
	b, err := f.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	if strings.Count(got, `"name":"unnamed"`) != 2 || strings.Count(got, `"retries":3`) != 2 || strings.Contains(got, "null") {
		t.Errorf("--emit-defaults on a proto2 reply: %s, want the declared defaults, in the nested message too", got)
	}
	if m.Has(md.Fields().ByName("name")) {
		t.Error("printing with defaults changed the reply itself")
	}
	plain, _ := (&ReplyFormat{}).Marshal(m)
	if strings.Contains(string(plain), "unnamed") {
		t.Errorf("without --emit-defaults the unset fields print: %s", plain)
	}
}
