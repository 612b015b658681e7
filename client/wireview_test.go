package client

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"sockscope/sample/samplepb"
)

// viewTypes are the messages the wire view is checked on: the sample's
// (maps, oneofs, enums, nested and well-known fields), a proto2 schema
// with closed enums, and well-known types protojson writes in forms of
// their own.
func viewTypes() []protoreflect.MessageDescriptor {
	var out []protoreflect.MessageDescriptor
	for _, fd := range []protoreflect.FileDescriptor{samplepb.File_sample_v1_workloads_proto, samplepb.File_sample_v1_echo_proto} {
		for i := range fd.Messages().Len() {
			out = append(out, fd.Messages().Get(i))
		}
	}
	return append(out,
		(&descriptorpb.FileDescriptorProto{}).ProtoReflect().Descriptor(),
		(&structpb.Struct{}).ProtoReflect().Descriptor(),
		(&structpb.Value{}).ProtoReflect().Descriptor(),
		(&timestamppb.Timestamp{}).ProtoReflect().Descriptor(),
		(&durationpb.Duration{}).ProtoReflect().Descriptor(),
		(&wrapperspb.Int64Value{}).ProtoReflect().Descriptor(),
		(&fieldmaskpb.FieldMask{}).ProtoReflect().Descriptor())
}

// fillRandom sets random fields of m, to depth levels of messages.
func fillRandom(rng *rand.Rand, m protoreflect.Message, depth int) {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if rng.IntN(3) == 0 || (fd.Message() != nil && depth <= 0) {
			continue
		}
		switch {
		case fd.IsMap():
			mm := m.Mutable(fd).Map()
			for range rng.IntN(12) {
				k := randomScalar(rng, fd.MapKey()).MapKey()
				if fd.MapValue().Message() != nil {
					v := mm.NewValue()
					fillRandom(rng, v.Message(), depth-1)
					mm.Set(k, v)
				} else {
					mm.Set(k, randomScalar(rng, fd.MapValue()))
				}
			}
		case fd.IsList():
			l := m.Mutable(fd).List()
			for range rng.IntN(5) {
				if fd.Message() != nil {
					fillRandom(rng, l.AppendMutable().Message(), depth-1)
				} else {
					l.Append(randomScalar(rng, fd))
				}
			}
		case fd.Message() != nil:
			fillRandom(rng, m.Mutable(fd).Message(), depth-1)
		default:
			m.Set(fd, randomScalar(rng, fd))
		}
	}
}

func randomScalar(rng *rand.Rand, fd protoreflect.FieldDescriptor) protoreflect.Value {
	small := func() int64 { return []int64{0, 1, -1, 300, -70000, 1 << 40, -1 << 62}[rng.IntN(7)] }
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(rng.IntN(2) == 0)
	case protoreflect.EnumKind:
		vals := fd.Enum().Values()
		return protoreflect.ValueOfEnum(vals.Get(rng.IntN(vals.Len())).Number())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(small()))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(small())
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(small()))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(uint64(small()))
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32([]float32{0, 1.5, -2.25, 1e30}[rng.IntN(4)])
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64([]float64{0, 0.1, -3, 1e300}[rng.IntN(4)])
	case protoreflect.StringKind:
		return protoreflect.ValueOfString([]string{"", "a", "héllo", "日本", "x y\n\"z\""}[rng.IntN(5)])
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([]byte("\x00\xffab")[:rng.IntN(5)])
	}
	panic("kind " + fd.Kind().String())
}

// jsonBoth writes wire as protojson does from the decoded message and from
// a wire view; the view's error wraps errNotViewable where it declines.
func jsonBoth(desc protoreflect.MessageDescriptor, wire []byte) (want, got []byte, wantErr, gotErr error) {
	opts := protojson.MarshalOptions{Indent: "  ", AllowPartial: true}
	decoded := dynamicpb.NewMessage(desc)
	if wantErr = wireUnmarshal.Unmarshal(wire, decoded); wantErr == nil {
		want, wantErr = opts.Marshal(decoded)
	}
	got, gotErr = marshalView(opts, nil, newWireView(desc, wire).Interface())
	return want, got, wantErr, gotErr
}

// TestWireViewWritesAsDecoded checks that protojson writes every message
// the view reads exactly as it writes the decoded message: random messages
// of every type, and pairs of them sent one after the other, whose records
// repeat fields (the last scalar wins, messages and lists merge, a map
// key's last value wins, another member of a oneof replaces the first).
func TestWireViewWritesAsDecoded(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	viewed := 0
	for _, desc := range viewTypes() {
		for round := range 60 {
			var wire []byte
			for range 1 + round%2 {
				m := dynamicpb.NewMessage(desc)
				fillRandom(rng, m, 3)
				b, err := proto.MarshalOptions{AllowPartial: true}.Marshal(m)
				if err != nil {
					t.Fatal(err)
				}
				wire = append(wire, b...)
			}
			want, got, wantErr, gotErr := jsonBoth(desc, wire)
			if errors.Is(gotErr, errNotViewable) {
				continue
			}
			viewed++
			if (wantErr != nil) != (gotErr != nil) {
				t.Fatalf("%s round %d: decoded error %v, view error %v", desc.FullName(), round, wantErr, gotErr)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s round %d:\nview:\n%s\ndecoded:\n%s", desc.FullName(), round, got, want)
			}
		}
	}
	if viewed < 300 {
		t.Errorf("the view read only %d of the messages", viewed)
	}
}

// TestWireViewRecords covers records a marshaller does not write but a
// server may send, each against the decoder.
func TestWireViewRecords(t *testing.T) {
	desc := (&samplepb.Workload{}).ProtoReflect().Descriptor()
	field := func(name string) protowire.Number {
		return desc.Fields().ByName(protoreflect.Name(name)).Number()
	}
	str := func(name, s string) []byte {
		return protowire.AppendString(protowire.AppendTag(nil, field(name), protowire.BytesType), s)
	}
	varint := func(name string, x uint64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(nil, field(name), protowire.VarintType), x)
	}
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	cases := []struct {
		name     string
		wire     []byte
		viewable bool
	}{
		{"a zero written out", join(str("name", ""), varint("state", 0)), true},
		{"the last of a repeated scalar wins", join(str("name", "a"), str("name", "b")), true},
		{"an unknown field", protowire.AppendVarint(protowire.AppendTag(nil, 999, protowire.VarintType), 1), false},
		{"a scalar of another wire type", protowire.AppendFixed32(protowire.AppendTag(nil, field("name"), protowire.Fixed32Type), 1), false},
		{"a truncated record", str("name", "abc")[:3], false},
	}
	for _, c := range cases {
		want, got, wantErr, gotErr := jsonBoth(desc, c.wire)
		if !c.viewable {
			if gotErr == nil {
				t.Errorf("%s: the view read it", c.name)
			}
			continue
		}
		if gotErr != nil || wantErr != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: view %s (%v), decoded %s (%v)", c.name, got, gotErr, want, wantErr)
		}
	}
	// Invalid UTF-8 fails to be written from the view as it fails to decode.
	_, _, wantErr, gotErr := jsonBoth(desc, str("name", "\xff"))
	if wantErr == nil || gotErr == nil || !strings.Contains(gotErr.Error(), "UTF-8") {
		t.Errorf("invalid UTF-8: decoded error %v, view error %v", wantErr, gotErr)
	}
}
