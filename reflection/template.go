package reflection

import (
	"encoding/json"
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// maxTemplateDepth bounds how deeply messages nest in a template, as a
// guard for very deep schemas; recursion itself (a tree node holding nodes)
// is cut where a message would contain itself, as {}.
const maxTemplateDepth = 24

// Template returns a JSON request for md with every field present: zero
// values, the first enum value, one element in repeated fields, one entry in
// maps, the first member of each oneof, and the JSON forms of well-known
// types. protojson accepts it back unchanged.
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
		t.b.WriteString(quote(string(fd.Enum().Values().Get(0).Name())))
	default:
		t.b.WriteString(scalarTemplate(fd.Kind()))
	}
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
