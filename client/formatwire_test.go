package client

import (
	"bytes"
	"context"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/structpb"
)

// wireCases are the replies of formatCases as wire bytes, and wire that
// only a hand can write: what decodes differently in parts than whole if
// the rules that keep it whole were missing.
func wireCases(t *testing.T) (protoreflect.MessageDescriptor, TypeResolver, map[string][]byte, map[string]bool) {
	t.Helper()
	desc, resolver, cases := formatCases(t)
	wires := map[string][]byte{}
	for name, m := range cases {
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if m.ProtoReflect().Descriptor() == desc {
			wires[name] = b
		}
	}
	field := func(name string) protoreflect.FieldDescriptor { return desc.Fields().ByName(protoreflect.Name(name)) }
	msg := func(text string) []byte {
		return protowire.AppendString(nil, text)
	}
	// record is one field of desc holding bytes: a message or a string.
	record := func(name string, value []byte) []byte {
		b := protowire.AppendTag(nil, field(name).Number(), protowire.BytesType)
		return protowire.AppendBytes(b, value)
	}
	item := func(id string) []byte {
		return record("items", append(protowire.AppendTag(nil, 1, protowire.BytesType), msg(id)...))
	}
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	items := cat(item("a"), item("b"), item("c"))
	childName := func(s string) []byte { return record("child", record("name", []byte(s))) }
	childKids := record("child", record("children", record("name", []byte("kid"))))
	unknown := protowire.AppendVarint(protowire.AppendTag(nil, 50, protowire.VarintType), 7)
	listValue, err := proto.Marshal(&structpb.ListValue{Values: []*structpb.Value{structpb.NewNumberValue(1), structpb.NewStringValue("x")}})
	if err != nil {
		t.Fatal(err)
	}
	picked := record("picked", append(protowire.AppendTag(nil, 1, protowire.BytesType), msg("p")...))
	text := record("text", []byte("t"))

	// whole: cases that must not be cut into parts.
	whole := map[string]bool{}
	add := func(name string, b []byte, keepWhole bool) {
		wires[name] = b
		whole[name] = keepWhole
	}
	add("a message field given twice", cat(childName("first"), items, childKids, childName("second")), false)
	add("one oneof member twice", cat(text, items, record("text", []byte("again"))), false)
	add("two members of one oneof, the first declared last", cat(picked, items, text), true)
	add("two members of one oneof, the last declared last", cat(text, items, picked), true)
	add("an unknown field", cat(items, unknown, record("name", []byte("n"))), true)
	add("fields out of number order", cat(record("name", []byte("n")), items, record("late", []byte("l")), item("d")), false)
	add("list elements between other fields", cat(item("a"), record("name", []byte("n")), item("b"), record("late", []byte("l")), item("c")), false)
	add("an empty list and a list of one", cat(record("name", []byte("n")), item("only"), record("child", nil)), true)
	add("no list", cat(record("name", []byte("n")), record("late", []byte("l"))), true)
	add("packed and unpacked scalars with a list", cat(
		protowire.AppendVarint(protowire.AppendTag(nil, 3, protowire.VarintType), 5),
		items,
		record("nums", cat(protowire.AppendVarint(nil, 1), protowire.AppendVarint(nil, 2))),
		protowire.AppendVarint(protowire.AppendTag(nil, 3, protowire.VarintType), 6),
	), false)
	add("a list element of another wire type", cat(items, protowire.AppendVarint(protowire.AppendTag(nil, 2, protowire.VarintType), 1)), true)
	add("bytes that do not parse", cat(items, []byte{0x12, 0x7f}), true)
	// Inside a list's element, where only the part's wire view meets them:
	// the part is decoded instead, or fails as the decoder fails.
	add("an unknown field in a list element", cat(items, record("items", cat(append(protowire.AppendTag(nil, 1, protowire.BytesType), msg("u")...), unknown)), item("d")), false)
	add("bytes that do not parse in a list element", cat(items, record("items", []byte{0x0a, 0x7f}), item("d")), false)
	whole["with an extension"] = true
	wires["a well-known type at top level"] = listValue
	whole["a well-known type at top level"] = true
	return desc, resolver, wires, whole
}

func TestIndentedWirePartsAsMarshal(t *testing.T) {
	desc, resolver, wires, _ := wireCases(t)
	for name, wire := range wires {
		d := desc
		if name == "a well-known type at top level" {
			d = (&structpb.ListValue{}).ProtoReflect().Descriptor()
		}
		m, decodeErr := DecodeWire(d, wire)
		for _, emitDefaults := range []bool{false, true} {
			var want []byte
			if decodeErr == nil {
				var err error
				if want, err = (&ReplyFormat{Indent: true, Resolver: resolver, EmitDefaults: emitDefaults}).Marshal(m); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			for _, workers := range []int{1, 2, 3} {
				for _, runs := range []int{2, 3, 100} {
					f := &ReplyFormat{Resolver: resolver, EmitDefaults: emitDefaults}
					parts, err := f.indentedWireParts(context.Background(), d, wire, workers, runs)
					if decodeErr != nil {
						if err == nil {
							t.Errorf("%s: no error for wire that does not decode", name)
						}
						continue
					}
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

// TestSplitWireKeepsWhole: what could read differently in parts is never
// cut, and the rest is (else the test above would prove nothing of parts).
func TestSplitWireKeepsWhole(t *testing.T) {
	desc, _, wires, whole := wireCases(t)
	for name, keep := range whole {
		d := desc
		if name == "a well-known type at top level" {
			d = (&structpb.ListValue{}).ProtoReflect().Descriptor()
		}
		parts := splitWire(d, wires[name], 3)
		if keep && parts != nil {
			t.Errorf("%s: cut into %d parts, want it whole", name, len(parts))
		}
		if !keep && len(parts) < 2 {
			t.Errorf("%s: not cut into parts", name)
		}
	}
	if parts := splitWire(desc, wires["every shape"], 3); len(parts) < 2 {
		t.Errorf("every shape: not cut into parts")
	}
}

// TestIndentedWirePartsDefaults: with defaults, each part would print
// every field it does not hold; here, where the list is the last field,
// nothing else would notice.
func TestIndentedWirePartsDefaults(t *testing.T) {
	file, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name:    proto.String("tail.proto"),
		Package: proto.String("tail"),
		Syntax:  proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("Tail"),
			Field: []*descriptorpb.FieldDescriptorProto{
				{Name: proto.String("name"), JsonName: proto.String("name"), Number: proto.Int32(1), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()},
				{Name: proto.String("kids"), JsonName: proto.String("kids"), Number: proto.Int32(2), Type: descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum(), TypeName: proto.String(".tail.Tail")},
			},
		}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	desc := file.Messages().Get(0)
	kid := func(name string) []byte {
		return protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), name))
	}
	wire := bytes.Join([][]byte{protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "n"), kid("a"), kid("b"), kid("c")}, nil)
	m, err := DecodeWire(desc, wire)
	if err != nil {
		t.Fatal(err)
	}
	want, err := (&ReplyFormat{Indent: true, EmitDefaults: true}).Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := (&ReplyFormat{EmitDefaults: true}).indentedWireParts(context.Background(), desc, wire, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := bytes.Join(parts, nil); !bytes.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestIndentedWirePartsRunSize: a reply of many wire parts' worth is cut
// into runs of about wirePartBytes each, more than the workers' default,
// and still reads as Marshal's text.
func TestIndentedWirePartsRunSize(t *testing.T) {
	desc, resolver, _ := formatCases(t)
	items := desc.Fields().ByName("items")
	id := bytes.Repeat([]byte("x"), 100)
	var wire []byte
	for len(wire) < 80*wirePartBytes {
		element := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), id)
		wire = protowire.AppendBytes(protowire.AppendTag(wire, items.Number(), protowire.BytesType), element)
	}
	m, err := DecodeWire(desc, wire)
	if err != nil {
		t.Fatal(err)
	}
	want, err := (&ReplyFormat{Indent: true, Resolver: resolver}).Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	const workers = 2
	parts, err := (&ReplyFormat{Resolver: resolver}).IndentedWireParts(context.Background(), desc, wire, workers)
	if err != nil {
		t.Fatal(err)
	}
	// Each run is a piece, and a separator follows all but the last.
	if runs := (len(parts) - 1) / 2; runs < 80 || runs <= 16*workers {
		t.Errorf("cut into %d runs, want about %d", runs, len(wire)/wirePartBytes)
	}
	if got := bytes.Join(parts, nil); !bytes.Equal(got, want) {
		t.Errorf("the text of %d parts differs from Marshal's", len(parts))
	}
}
