package client

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// errNotViewable is a record the wire view does not read as the decoder
// would (an unknown or extension field, a group, a closed enum's unknown
// number, a record of another wire type than its field's).
var errNotViewable = errors.New("the wire view cannot read it as the decoder would")

// wireView is a read-only protoreflect.Message over a message's wire
// records, for protojson to write a large reply's part without decoding
// it into a dynamic message first: building dynamicpb's maps and values,
// only to read each once, is about half of such a format's time, and the
// decoded part is live, for every collection to mark, until it is written.
// A view reads its records only when protojson first asks for a field,
// and its nested messages' only when protojson reaches them, so what is
// live is the path being written.
//
// It holds each populated field as the decoder would leave it: the last
// value of a singular field (a message field's records merged, which for
// wire records is their concatenation), every element of a list, the last
// value of each map key, the last member given of a oneof, and nothing for
// a field without presence that holds its zero value. What it cannot read
// so panics with a viewError, which marshalView turns back into an error.
type wireView struct {
	desc    protoreflect.MessageDescriptor
	records [][]byte // the message's wire, in pieces
	fields  []viewField
	indexed bool
}

type viewField struct {
	fd    protoreflect.FieldDescriptor
	value protoreflect.Value
}

// viewError carries a view's failure out of protojson, which has no way
// to take an error from a message's accessors.
type viewError struct{ err error }

func newWireView(desc protoreflect.MessageDescriptor, records ...[]byte) *wireView {
	return &wireView{desc: desc, records: records}
}

// marshalView is opts.MarshalAppend of a wire view, with what the view
// could not read returned as an error.
func marshalView(opts protojson.MarshalOptions, b []byte, m proto.Message) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			ve, ok := r.(viewError)
			if !ok {
				panic(r)
			}
			out, err = nil, ve.err
		}
	}()
	return opts.MarshalAppend(b, m)
}

func (v *wireView) index() {
	if v.indexed {
		return
	}
	v.indexed = true
	if err := v.read(); err != nil {
		panic(viewError{fmt.Errorf("decode %s: %w", v.desc.FullName(), err)})
	}
	v.records = nil
}

func (v *wireView) read() error {
	fields := v.desc.Fields()
	for _, b := range v.records {
		for len(b) > 0 {
			num, typ, rec, rest, err := nextRecord(b)
			if err != nil {
				return err
			}
			b = rest
			fd := fields.ByNumber(num)
			if fd == nil || typ == protowire.StartGroupType {
				return errNotViewable
			}
			if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
				v.clearOneof(od, fd)
			}
			switch {
			case fd.IsMap():
				err = v.addMapEntry(fd, typ, rec)
			case fd.IsList():
				err = v.addListRecord(fd, typ, rec)
			case fd.Kind() == protoreflect.MessageKind:
				err = v.addMessageRecord(fd, typ, rec)
			default:
				var val protoreflect.Value
				if val, err = scalarValue(fd, typ, rec); err == nil {
					v.set(fd, val)
				}
			}
			if err != nil {
				return err
			}
		}
	}
	// A field without presence that holds its zero value is not populated.
	kept := v.fields[:0]
	for _, f := range v.fields {
		if f.fd.HasPresence() || f.fd.IsList() || f.fd.IsMap() || !isZeroScalar(f.fd, f.value) {
			kept = append(kept, f)
		}
	}
	v.fields = kept
	return nil
}

// nextRecord splits the first record off b: its field number, wire type
// and value, and what follows it.
func nextRecord(b []byte) (num protowire.Number, typ protowire.Type, value, rest []byte, err error) {
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 {
		return 0, 0, nil, nil, protowire.ParseError(n)
	}
	m := protowire.ConsumeFieldValue(num, typ, b[n:])
	if m < 0 {
		return 0, 0, nil, nil, protowire.ParseError(m)
	}
	return num, typ, b[n : n+m], b[n+m:], nil
}

func (v *wireView) find(fd protoreflect.FieldDescriptor) int {
	for i := range v.fields {
		if v.fields[i].fd == fd {
			return i
		}
	}
	return -1
}

func (v *wireView) set(fd protoreflect.FieldDescriptor, val protoreflect.Value) {
	if i := v.find(fd); i >= 0 {
		v.fields[i].value = val
		return
	}
	if v.fields == nil {
		// Room for about as many fields as the records can hold, and no
		// more than can be populated at once: one member of each oneof.
		size := 0
		for _, r := range v.records {
			size += len(r)
		}
		v.fields = make([]viewField, 0, min(populatable(v.desc), 1+size/16, 16))
	}
	v.fields = append(v.fields, viewField{fd: fd, value: val})
}

// populatable is how many of desc's fields can be populated at once.
func populatable(desc protoreflect.MessageDescriptor) int {
	n := desc.Fields().Len()
	oneofs := desc.Oneofs()
	for i := range oneofs.Len() {
		if od := oneofs.Get(i); !od.IsSynthetic() {
			n -= od.Fields().Len() - 1
		}
	}
	return n
}

// clearOneof drops the other members of od: the last one given wins.
func (v *wireView) clearOneof(od protoreflect.OneofDescriptor, keep protoreflect.FieldDescriptor) {
	for i := 0; i < len(v.fields); i++ {
		if fd := v.fields[i].fd; fd != keep && fd.ContainingOneof() == od {
			v.fields = append(v.fields[:i], v.fields[i+1:]...)
			i--
		}
	}
}

func (v *wireView) addMessageRecord(fd protoreflect.FieldDescriptor, typ protowire.Type, rec []byte) error {
	if typ != protowire.BytesType {
		return errNotViewable
	}
	body, _ := protowire.ConsumeBytes(rec)
	if i := v.find(fd); i >= 0 {
		// Records of one message field merge: read as one.
		child := v.fields[i].value.Message().(*wireView)
		child.records = append(child.records, body)
		return nil
	}
	v.set(fd, protoreflect.ValueOfMessage(newWireView(fd.Message(), body)))
	return nil
}

func (v *wireView) addListRecord(fd protoreflect.FieldDescriptor, typ protowire.Type, rec []byte) error {
	i := v.find(fd)
	if i < 0 {
		v.set(fd, protoreflect.ValueOfList(&viewList{}))
		i = len(v.fields) - 1
	}
	list := v.fields[i].value.List().(*viewList)
	if fd.Kind() == protoreflect.MessageKind {
		if typ != protowire.BytesType {
			return errNotViewable
		}
		body, _ := protowire.ConsumeBytes(rec)
		list.values = append(list.values, protoreflect.ValueOfMessage(newWireView(fd.Message(), body)))
		return nil
	}
	if typ == protowire.BytesType && packable(fd.Kind()) {
		packed, _ := protowire.ConsumeBytes(rec)
		elemType := wireTypeOf(fd.Kind())
		for len(packed) > 0 {
			n := protowire.ConsumeFieldValue(fd.Number(), elemType, packed)
			if n < 0 {
				return protowire.ParseError(n)
			}
			val, err := scalarValue(fd, elemType, packed[:n])
			if err != nil {
				return err
			}
			list.values = append(list.values, val)
			packed = packed[n:]
		}
		return nil
	}
	val, err := scalarValue(fd, typ, rec)
	if err != nil {
		return err
	}
	list.values = append(list.values, val)
	return nil
}

func (v *wireView) addMapEntry(fd protoreflect.FieldDescriptor, typ protowire.Type, rec []byte) error {
	if typ != protowire.BytesType {
		return errNotViewable
	}
	body, _ := protowire.ConsumeBytes(rec)
	keyFd, valFd := fd.MapKey(), fd.MapValue()
	key, val := keyFd.Default(), protoreflect.Value{}
	var child *wireView // a message value's records merge
	for len(body) > 0 {
		num, typ, entryRec, rest, err := nextRecord(body)
		if err != nil {
			return err
		}
		body = rest
		switch {
		case num == keyFd.Number():
			key, err = scalarValue(keyFd, typ, entryRec)
		case num != valFd.Number() || typ == protowire.StartGroupType:
			return errNotViewable
		case valFd.Kind() == protoreflect.MessageKind:
			if typ != protowire.BytesType {
				return errNotViewable
			}
			value, _ := protowire.ConsumeBytes(entryRec)
			if child == nil {
				child = newWireView(valFd.Message(), value)
			} else {
				child.records = append(child.records, value)
			}
		default:
			val, err = scalarValue(valFd, typ, entryRec)
		}
		if err != nil {
			return err
		}
	}
	switch {
	case valFd.Kind() == protoreflect.MessageKind:
		if child == nil {
			// A missing value of a message map is an empty message.
			child = newWireView(valFd.Message())
		}
		val = protoreflect.ValueOfMessage(child)
	case !val.IsValid():
		val = valFd.Default()
	}
	i := v.find(fd)
	if i < 0 {
		v.set(fd, protoreflect.ValueOfMap(&viewMap{}))
		i = len(v.fields) - 1
	}
	m := v.fields[i].value.Map().(*viewMap)
	k := key.MapKey()
	if j := m.index(k); j >= 0 {
		m.values[j] = val
		return nil
	}
	m.add(k, val)
	return nil
}

func packable(k protoreflect.Kind) bool {
	return k != protoreflect.StringKind && k != protoreflect.BytesKind && k != protoreflect.MessageKind && k != protoreflect.GroupKind
}

// wireTypeOf is the wire type of one element of kind k.
func wireTypeOf(k protoreflect.Kind) protowire.Type {
	switch k {
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
		return protowire.Fixed32Type
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
		return protowire.Fixed64Type
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind:
		return protowire.BytesType
	}
	return protowire.VarintType
}
