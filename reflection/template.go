package reflection

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// maxTemplateDepth bounds how deeply messages nest in a template, as a
// guard for very deep schemas; recursion itself (a tree node holding nodes)
// is cut where a message would contain itself, as {}.
const maxTemplateDepth = 24

// Template returns a JSON request for md with every field present: the
// declared default of a field that has one (proto2's [default = …]), else
// zero values and the enum's default value, one element in repeated fields,
// one entry in maps, the first member of each oneof, and the JSON forms of
// well-known types. protojson accepts it back unchanged, and a proto2
// message read from it, which tracks presence, holds the defaults it would
// have held with the fields left out.
func Template(md protoreflect.MessageDescriptor) ([]byte, error) {
	var b strings.Builder
	t := &templater{b: &b, stack: map[protoreflect.FullName]int{}}
	t.message(md, 0)
	b.WriteByte('\n')
	return []byte(b.String()), nil
}

type templater struct {
	b     *strings.Builder
	stack map[protoreflect.FullName]int
	depth int // messages open around the one being written
}

func (t *templater) indent(level int) {
	t.b.WriteString(strings.Repeat("  ", level))
}

func (t *templater) message(md protoreflect.MessageDescriptor, level int) {
	if wkt, ok := wellKnownTemplate(md); ok {
		t.b.WriteString(wkt)
		return
	}
	if t.stack[md.FullName()] > 0 || t.depth >= maxTemplateDepth {
		t.b.WriteString("{}")
		return
	}
	t.stack[md.FullName()]++
	t.depth++
	defer func() { t.stack[md.FullName()]--; t.depth-- }()

	var fields []protoreflect.FieldDescriptor
	seenOneof := map[protoreflect.FullName]bool{}
	for i := 0; i < md.Fields().Len(); i++ {
		fd := md.Fields().Get(i)
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			if seenOneof[od.FullName()] {
				continue
			}
			seenOneof[od.FullName()] = true
		}
		fields = append(fields, fd)
	}
	if len(fields) == 0 {
		t.b.WriteString("{}")
		return
	}
	t.b.WriteString("{\n")
	for i, fd := range fields {
		t.indent(level + 1)
		t.b.WriteString(quote(fd.JSONName()) + ": ")
		t.field(fd, level+1)
		if i < len(fields)-1 {
			t.b.WriteByte(',')
		}
		t.b.WriteByte('\n')
	}
	t.indent(level)
	t.b.WriteByte('}')
}

func (t *templater) field(fd protoreflect.FieldDescriptor, level int) {
	switch {
	case fd.IsMap():
		t.b.WriteString("{\n")
		t.indent(level + 1)
		t.b.WriteString(mapKey(fd.MapKey()) + ": ")
		t.single(fd.MapValue(), level+1)
		t.b.WriteByte('\n')
		t.indent(level)
		t.b.WriteByte('}')
	case fd.IsList():
		t.b.WriteString("[\n")
		t.indent(level + 1)
		t.single(fd, level+1)
		t.b.WriteByte('\n')
		t.indent(level)
		t.b.WriteByte(']')
	default:
		t.single(fd, level)
	}
}

// single writes one value of fd's type (ignoring its cardinality).
func (t *templater) single(fd protoreflect.FieldDescriptor, level int) {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		t.message(fd.Message(), level)
	case protoreflect.EnumKind:
		if fd.Enum().FullName() == "google.protobuf.NullValue" {
			t.b.WriteString("null")
			return
		}
		t.b.WriteString(quote(string(enumDefault(fd).Name())))
	default:
		if fd.HasDefault() && !fd.IsList() && !fd.IsMap() {
			t.b.WriteString(scalarJSON(fd.Kind(), fd.Default()))
			return
		}
		t.b.WriteString(scalarTemplate(fd.Kind()))
	}
}

// enumDefault is the value a field of enum type holds when unset: its
// declared default, which for an enum without a zero value (proto2 allows
// one) is its first value.
func enumDefault(fd protoreflect.FieldDescriptor) protoreflect.EnumValueDescriptor {
	if !fd.IsList() && !fd.IsMap() {
		if v := fd.DefaultEnumValue(); v != nil {
			return v
		}
	}
	values := fd.Enum().Values()
	if v := values.ByNumber(0); v != nil {
		return v
	}
	return values.Get(0)
}

// scalarJSON writes v, a value of kind k, as protojson does.
func scalarJSON(k protoreflect.Kind, v protoreflect.Value) string {
	switch k {
	case protoreflect.BoolKind:
		return strconv.FormatBool(v.Bool())
	case protoreflect.StringKind:
		return quote(v.String())
	case protoreflect.BytesKind:
		return quote(base64.StdEncoding.EncodeToString(v.Bytes()))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return quote(strconv.FormatInt(v.Int(), 10))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return quote(strconv.FormatUint(v.Uint(), 10))
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return strconv.FormatInt(v.Int(), 10)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return strconv.FormatUint(v.Uint(), 10)
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		bits := 64
		if k == protoreflect.FloatKind {
			bits = 32
		}
		switch f := v.Float(); {
		case math.IsNaN(f):
			return `"NaN"`
		case math.IsInf(f, 1):
			return `"Infinity"`
		case math.IsInf(f, -1):
			return `"-Infinity"`
		default:
			return strconv.FormatFloat(f, 'g', -1, bits)
		}
	}
	return scalarTemplate(k)
}

func scalarTemplate(k protoreflect.Kind) string {
	switch k {
	case protoreflect.BoolKind:
		return "false"
	case protoreflect.StringKind, protoreflect.BytesKind:
		return `""`
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind,
		protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		// protojson writes 64-bit integers as strings, so the template does too.
		return `"0"`
	default:
		return "0"
	}
}

func mapKey(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return `"key"`
	case protoreflect.BoolKind:
		return `"false"`
	default:
		return `"0"`
	}
}

// wellKnownTemplate gives the JSON form protojson uses for well-known types.
func wellKnownTemplate(md protoreflect.MessageDescriptor) (string, bool) {
	switch md.FullName() {
	case "google.protobuf.Timestamp":
		return `"1970-01-01T00:00:00Z"`, true
	case "google.protobuf.Duration":
		return `"0s"`, true
	case "google.protobuf.Struct":
		return "{}", true
	case "google.protobuf.Value":
		return "null", true
	case "google.protobuf.ListValue":
		return "[]", true
	case "google.protobuf.Empty":
		return "{}", true
	case "google.protobuf.FieldMask":
		return `""`, true
	case "google.protobuf.Any":
		return `{"@type": "type.googleapis.com/google.protobuf.Empty"}`, true
	case "google.protobuf.StringValue", "google.protobuf.BytesValue":
		return `""`, true
	case "google.protobuf.BoolValue":
		return "false", true
	case "google.protobuf.Int64Value", "google.protobuf.UInt64Value":
		return `"0"`, true
	case "google.protobuf.Int32Value", "google.protobuf.UInt32Value",
		"google.protobuf.FloatValue", "google.protobuf.DoubleValue":
		return "0", true
	}
	return "", false
}

func quote(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Sprintf("%q", s)
	}
	return string(b)
}
