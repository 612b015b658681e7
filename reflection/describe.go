package reflection

import (
	"fmt"
	"strings"

	"github.com/jhump/protoreflect/v2/protoprint"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Describe renders a service, method, message, enum or field in proto syntax,
// with the comments the schema carries. A method is followed by its request
// and response messages, since those are what a caller needs next.
func Describe(d protoreflect.Descriptor) (string, error) {
	p := protoprint.Printer{Compact: true, OmitComments: protoprint.CommentsDetached}
	text, err := p.PrintProtoToString(d)
	if err != nil {
		return "", fmt.Errorf("describe %s: %w", d.FullName(), err)
	}
	header := fmt.Sprintf("// %s is a %s in %s\n", d.FullName(), KindName(d), d.ParentFile().Path())
	md, ok := d.(protoreflect.MethodDescriptor)
	if !ok {
		return header + text, nil
	}
	var b strings.Builder
	b.WriteString(header + text)
	for _, msg := range []protoreflect.MessageDescriptor{md.Input(), md.Output()} {
		t, err := p.PrintProtoToString(msg)
		if err != nil {
			return "", fmt.Errorf("describe %s: %w", msg.FullName(), err)
		}
		fmt.Fprintf(&b, "\n// %s\n%s", msg.FullName(), t)
	}
	return b.String(), nil
}

// KindName says what d is in a few words: "service", "unary method",
// "bidi-stream method", "message", "enum value", ….
func KindName(d protoreflect.Descriptor) string {
	switch d := d.(type) {
	case protoreflect.ServiceDescriptor:
		return "service"
	case protoreflect.MethodDescriptor:
		return RPCKind(d) + " method"
	case protoreflect.MessageDescriptor:
		return "message"
	case protoreflect.EnumDescriptor:
		return "enum"
	case protoreflect.FieldDescriptor:
		return "field"
	case protoreflect.EnumValueDescriptor:
		return "enum value"
	case protoreflect.FileDescriptor:
		return "file"
	}
	return "symbol"
}

// RPCKind names a method's kind as --list --long and the TUI show it:
// "unary", "server-stream", "client-stream" or "bidi-stream".
func RPCKind(md protoreflect.MethodDescriptor) string {
	switch {
	case md.IsStreamingClient() && md.IsStreamingServer():
		return "bidi-stream"
	case md.IsStreamingClient():
		return "client-stream"
	case md.IsStreamingServer():
		return "server-stream"
	}
	return "unary"
}

// MethodName is "pkg.Service/Method", the form --call takes.
func MethodName(md protoreflect.MethodDescriptor) string {
	return string(md.Parent().FullName()) + "/" + string(md.Name())
}
