package client

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/runtime/protoiface"
	"google.golang.org/protobuf/types/dynamicpb"
)

// scalarValue is the value of one record (or one packed element) of the
// scalar field fd, as the decoder reads it.
func scalarValue(fd protoreflect.FieldDescriptor, typ protowire.Type, rec []byte) (protoreflect.Value, error) {
	if typ != wireTypeOf(fd.Kind()) {
		return protoreflect.Value{}, errNotViewable
	}
	switch typ {
	case protowire.VarintType:
		x, n := protowire.ConsumeVarint(rec)
		if n < 0 {
			return protoreflect.Value{}, protowire.ParseError(n)
		}
		switch fd.Kind() {
		case protoreflect.BoolKind:
			return protoreflect.ValueOfBool(x != 0), nil
		case protoreflect.Int32Kind:
			return protoreflect.ValueOfInt32(int32(x)), nil
		case protoreflect.Sint32Kind:
			return protoreflect.ValueOfInt32(int32(protowire.DecodeZigZag(x & math.MaxUint32))), nil
		case protoreflect.Uint32Kind:
			return protoreflect.ValueOfUint32(uint32(x)), nil
		case protoreflect.Int64Kind:
			return protoreflect.ValueOfInt64(int64(x)), nil
		case protoreflect.Sint64Kind:
			return protoreflect.ValueOfInt64(protowire.DecodeZigZag(x)), nil
		case protoreflect.Uint64Kind:
			return protoreflect.ValueOfUint64(x), nil
		case protoreflect.EnumKind:
			num := protoreflect.EnumNumber(int32(x))
			// A closed enum keeps a number it does not define among the
			// unknown fields, where the view has no place for it.
			if fd.Enum().IsClosed() && fd.Enum().Values().ByNumber(num) == nil {
				return protoreflect.Value{}, errNotViewable
			}
			return protoreflect.ValueOfEnum(num), nil
		}
	case protowire.Fixed32Type:
		x, n := protowire.ConsumeFixed32(rec)
		if n < 0 {
			return protoreflect.Value{}, protowire.ParseError(n)
		}
		switch fd.Kind() {
		case protoreflect.FloatKind:
			return protoreflect.ValueOfFloat32(math.Float32frombits(x)), nil
		case protoreflect.Sfixed32Kind:
			return protoreflect.ValueOfInt32(int32(x)), nil
		}
		return protoreflect.ValueOfUint32(x), nil
	case protowire.Fixed64Type:
		x, n := protowire.ConsumeFixed64(rec)
		if n < 0 {
			return protoreflect.Value{}, protowire.ParseError(n)
		}
		switch fd.Kind() {
		case protoreflect.DoubleKind:
			return protoreflect.ValueOfFloat64(math.Float64frombits(x)), nil
		case protoreflect.Sfixed64Kind:
			return protoreflect.ValueOfInt64(int64(x)), nil
		}
		return protoreflect.ValueOfUint64(x), nil
	case protowire.BytesType:
		b, n := protowire.ConsumeBytes(rec)
		if n < 0 {
			return protoreflect.Value{}, protowire.ParseError(n)
		}
		if fd.Kind() == protoreflect.StringKind {
			return protoreflect.ValueOfString(string(b)), nil
		}
		return protoreflect.ValueOfBytes(b), nil
	}
	return protoreflect.Value{}, errNotViewable
}

func isZeroScalar(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return !v.Bool()
	case protoreflect.EnumKind:
		return v.Enum() == 0
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return v.Int() == 0
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return v.Uint() == 0
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		// Negative zero is not the zero value: its sign bit is set.
		return math.Float64bits(v.Float()) == 0
	case protoreflect.StringKind:
		return v.String() == ""
	case protoreflect.BytesKind:
		return len(v.Bytes()) == 0
	}
	return false
}

// The read side of protoreflect.Message, which is all protojson uses.

func (v *wireView) Descriptor() protoreflect.MessageDescriptor { return v.desc }
func (v *wireView) Type() protoreflect.MessageType             { return dynamicpb.NewMessageType(v.desc) }
func (v *wireView) New() protoreflect.Message                  { return dynamicpb.NewMessage(v.desc) }
func (v *wireView) Interface() protoreflect.ProtoMessage       { return viewMessage{v} }
func (v *wireView) IsValid() bool                              { return true }
func (v *wireView) GetUnknown() protoreflect.RawFields         { return nil }
func (v *wireView) ProtoMethods() *protoiface.Methods          { return nil }

func (v *wireView) Range(f func(protoreflect.FieldDescriptor, protoreflect.Value) bool) {
	v.index()
	for _, fv := range v.fields {
		if !f(fv.fd, fv.value) {
			return
		}
	}
}

func (v *wireView) Has(fd protoreflect.FieldDescriptor) bool {
	v.index()
	return v.find(fd) >= 0
}

func (v *wireView) Get(fd protoreflect.FieldDescriptor) protoreflect.Value {
	v.index()
	if i := v.find(fd); i >= 0 {
		return v.fields[i].value
	}
	switch {
	case fd.IsMap():
		return protoreflect.ValueOfMap(&viewMap{})
	case fd.IsList():
		return protoreflect.ValueOfList(&viewList{})
	case fd.Message() != nil:
		return protoreflect.ValueOfMessage(newWireView(fd.Message()))
	}
	return fd.Default()
}

func (v *wireView) WhichOneof(od protoreflect.OneofDescriptor) protoreflect.FieldDescriptor {
	v.index()
	for _, fv := range v.fields {
		if fv.fd.ContainingOneof() == od {
			return fv.fd
		}
	}
	return nil
}

func (v *wireView) NewField(fd protoreflect.FieldDescriptor) protoreflect.Value {
	return dynamicpb.NewMessage(v.desc).NewField(fd)
}
func (v *wireView) Clear(protoreflect.FieldDescriptor)                      { panic(errReadOnly) }
func (v *wireView) Set(protoreflect.FieldDescriptor, protoreflect.Value)    { panic(errReadOnly) }
func (v *wireView) Mutable(protoreflect.FieldDescriptor) protoreflect.Value { panic(errReadOnly) }
func (v *wireView) SetUnknown(protoreflect.RawFields)                       { panic(errReadOnly) }

const errReadOnly = "client: a wire view is read-only"

// viewMessage is a wireView as a proto.Message.
type viewMessage struct{ v *wireView }

func (m viewMessage) ProtoReflect() protoreflect.Message { return m.v }

// viewList is a list field's elements, read-only.
type viewList struct{ values []protoreflect.Value }

func (l *viewList) Len() int                          { return len(l.values) }
func (l *viewList) Get(i int) protoreflect.Value      { return l.values[i] }
func (l *viewList) IsValid() bool                     { return true }
func (l *viewList) Set(int, protoreflect.Value)       { panic(errReadOnly) }
func (l *viewList) Append(protoreflect.Value)         { panic(errReadOnly) }
func (l *viewList) AppendMutable() protoreflect.Value { panic(errReadOnly) }
func (l *viewList) Truncate(int)                      { panic(errReadOnly) }
func (l *viewList) NewElement() protoreflect.Value    { panic(errReadOnly) }

// viewMap is a map field's entries, each key's last, read-only.
type viewMap struct {
	keys   []protoreflect.MapKey
	values []protoreflect.Value
	byKey  map[any]int // past mapScanMax entries, so a large map is read in linear time
}

// mapScanMax is how many entries a map is searched through one by one.
const mapScanMax = 8

func (m *viewMap) add(k protoreflect.MapKey, v protoreflect.Value) {
	m.keys = append(m.keys, k)
	m.values = append(m.values, v)
	if m.byKey != nil {
		m.byKey[k.Interface()] = len(m.keys) - 1
	} else if len(m.keys) > mapScanMax {
		m.byKey = make(map[any]int, 2*len(m.keys))
		for i, key := range m.keys {
			m.byKey[key.Interface()] = i
		}
	}
}

func (m *viewMap) index(k protoreflect.MapKey) int {
	if m.byKey != nil {
		if i, ok := m.byKey[k.Interface()]; ok {
			return i
		}
		return -1
	}
	for i := range m.keys {
		if m.keys[i].Interface() == k.Interface() {
			return i
		}
	}
	return -1
}

func (m *viewMap) Len() int      { return len(m.keys) }
func (m *viewMap) IsValid() bool { return true }
func (m *viewMap) Range(f func(protoreflect.MapKey, protoreflect.Value) bool) {
	for i := range m.keys {
		if !f(m.keys[i], m.values[i]) {
			return
		}
	}
}
func (m *viewMap) Has(k protoreflect.MapKey) bool { return m.index(k) >= 0 }
func (m *viewMap) Get(k protoreflect.MapKey) protoreflect.Value {
	if i := m.index(k); i >= 0 {
		return m.values[i]
	}
	return protoreflect.Value{}
}
func (m *viewMap) Clear(protoreflect.MapKey)                      { panic(errReadOnly) }
func (m *viewMap) Set(protoreflect.MapKey, protoreflect.Value)    { panic(errReadOnly) }
func (m *viewMap) Mutable(protoreflect.MapKey) protoreflect.Value { panic(errReadOnly) }
func (m *viewMap) NewValue() protoreflect.Value                   { panic(errReadOnly) }
