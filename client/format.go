package client

import (
	"bytes"
	"encoding/json"
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// ReplyFormat renders messages as JSON with stable spacing. protojson varies
// its whitespace on purpose between builds; output that people diff and grep
// must not, so the spacing is redone here.
type ReplyFormat struct {
	// Indent gives two-space indented JSON; otherwise one compact line.
	Indent bool
	// Text gives protobuf text format instead of JSON, each message after
	// the first preceded by RecordSeparator, as grpcurl's -format text.
	Text bool
	// EmitDefaults prints fields that hold their zero value.
	EmitDefaults bool
	// Resolver finds the types of Any fields; nil means the global registry.
	// An Any whose type it does not know (or whose value does not decode)
	// prints as {"@type": URL, "value": BASE64} instead of failing the message.
	Resolver TypeResolver

	buf       bytes.Buffer
	formatted int
}

// Marshal renders m. The returned slice is valid until the next call. An Any
// that Resolver cannot decode is printed as its type URL and base64 value
// rather than failing m; the error is for what no such fallback covers.
func (f *ReplyFormat) Marshal(m proto.Message) ([]byte, error) {
	if f.Text {
		return f.marshalText(m)
	}
	b, err := f.protoJSON(m, f.jsonOptions(false))
	if err != nil {
		return nil, err
	}
	if !f.Indent {
		return CompactJSON(b), nil
	}
	f.buf.Reset()
	if err := json.Indent(&f.buf, b, "", "  "); err != nil {
		return nil, fmt.Errorf("format %s as JSON: %w", m.ProtoReflect().Descriptor().FullName(), err)
	}
	return f.buf.Bytes(), nil
}

// jsonOptions is how protojson is asked to write f's JSON.
func (f *ReplyFormat) jsonOptions(multiline bool) protojson.MarshalOptions {
	// AllowPartial: a proto2 reply missing required fields is shown as it
	// came (the codec accepted it so), and the check costs a reflective walk
	// of every message.
	opts := protojson.MarshalOptions{EmitUnpopulated: f.EmitDefaults, Resolver: f.Resolver, AllowPartial: true}
	if multiline {
		opts.Indent = "  "
	}
	return opts
}

// protoJSON is protojson's text of m, with the declared defaults filled in
// when f asks for them and undecodable Anys printed as their URL and bytes.
func (f *ReplyFormat) protoJSON(m proto.Message, opts protojson.MarshalOptions) ([]byte, error) {
	if f.EmitDefaults {
		m = withDeclaredDefaults(m)
	}
	b, err := opts.Marshal(m)
	if err != nil {
		// Only a failed message is searched for Anys of unknown types, so
		// replies that print cost nothing more.
		if patched, resolver, ok := withUndecodedAnys(m, f.Resolver); ok {
			opts.Resolver = resolver
			b, err = opts.Marshal(patched)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("format %s as JSON: %w", m.ProtoReflect().Descriptor().FullName(), err)
	}
	return b, nil
}

// withDeclaredDefaults is m with every unset scalar field that tracks
// presence (proto2's, and proto3's optional ones), outside oneofs, set to
// the value it reads as: its declared default ([default = …]) or zero.
// protojson's EmitUnpopulated writes such a field as null, which hides the
// very value the server's code sees. m itself is left alone; when it has no
// such field, it is returned as it is.
func withDeclaredDefaults(m proto.Message) proto.Message {
	if !needsDefaults(m.ProtoReflect(), 0) {
		return m
	}
	c := proto.Clone(m)
	fillDefaults(c.ProtoReflect(), 0)
	return c
}

// maxDefaultsDepth bounds how deep withDeclaredDefaults looks into nested
// messages, as a guard against a reply nested beyond reason.
const maxDefaultsDepth = 100

func unsetWithDefault(m protoreflect.Message, fd protoreflect.FieldDescriptor) bool {
	return fd.HasPresence() && fd.ContainingOneof() == nil && fd.Message() == nil && !m.Has(fd)
}

func needsDefaults(m protoreflect.Message, depth int) bool {
	if depth > maxDefaultsDepth {
		return false
	}
	fields := m.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		if unsetWithDefault(m, fields.Get(i)) {
			return true
		}
	}
	found := false
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		found = eachMessage(fd, v, func(sub protoreflect.Message) bool { return needsDefaults(sub, depth+1) })
		return !found
	})
	return found
}

func fillDefaults(m protoreflect.Message, depth int) {
	if depth > maxDefaultsDepth {
		return
	}
	fields := m.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		if fd := fields.Get(i); unsetWithDefault(m, fd) {
			m.Set(fd, m.Get(fd))
		}
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		eachMessage(fd, v, func(sub protoreflect.Message) bool { fillDefaults(sub, depth+1); return false })
		return true
	})
}

// eachMessage calls fn with each message v holds as field fd's value, until
// fn returns true, and reports whether it did.
func eachMessage(fd protoreflect.FieldDescriptor, v protoreflect.Value, fn func(protoreflect.Message) bool) bool {
	switch {
	case fd.IsMap():
		if fd.MapValue().Message() == nil {
			return false
		}
		found := false
		v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
			found = fn(mv.Message())
			return !found
		})
		return found
	case fd.IsList():
		if fd.Message() == nil {
			return false
		}
		for i := 0; i < v.List().Len(); i++ {
			if fn(v.List().Get(i).Message()) {
				return true
			}
		}
		return false
	case fd.Message() != nil:
		return fn(v.Message())
	}
	return false
}

// CompactJSON drops the whitespace outside strings from JSON text, in
// place, and returns the shortened slice: protojson's varying spaces in a
// reply, a template's indentation in a request put on one command line. It
// does not check the text is JSON, which is what makes it cheaper than
// json.Compact on a stream of many messages; text that is not JSON comes out
// with the same whitespace dropped.
func CompactJSON(b []byte) []byte {
	out := b[:0]
	inString, escaped := false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\n' || c == '\t' || c == '\r':
			continue
		}
		out = append(out, c)
	}
	return out
}

// marshalText renders m in protobuf text format. An Any of a type Resolver
// does not know prints as its type_url and value fields.
func (f *ReplyFormat) marshalText(m proto.Message) ([]byte, error) {
	opts := prototext.MarshalOptions{Multiline: true, Indent: "  ", EmitUnknown: true, Resolver: f.Resolver}
	f.buf.Reset()
	if f.formatted > 0 {
		f.buf.WriteByte(RecordSeparator)
	}
	b, err := opts.MarshalAppend(f.buf.Bytes(), m)
	if err != nil {
		return nil, fmt.Errorf("format %s as text: %w", m.ProtoReflect().Descriptor().FullName(), err)
	}
	f.formatted++
	return steadyText(bytes.TrimSuffix(b, []byte{'\n'})), nil
}

// steadyText undoes the spacing prototext varies on purpose between
// builds: in multi-line output, one or two spaces after a field name's
// colon. Every line starts with its field name (or a closing brace), and
// strings never span lines, so only that one place on a line is touched.
func steadyText(b []byte) []byte {
	out := b[:0]
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i+1], b[i+1:]
		} else {
			b = nil
		}
		start := len(line) - len(bytes.TrimLeft(line, " \x1e"))
		end := start
		if end < len(line) && line[end] == '[' {
			// An extension or an expanded Any: [pkg.ext] or [type.googleapis.com/pkg.T].
			if j := bytes.IndexByte(line[end:], ']'); j >= 0 {
				end += j + 1
			}
		} else {
			for end < len(line) && (line[end] == '_' || line[end] >= 'a' && line[end] <= 'z' || line[end] >= 'A' && line[end] <= 'Z' || line[end] >= '0' && line[end] <= '9') {
				end++
			}
		}
		if end > start && bytes.HasPrefix(line[end:], []byte(":  ")) {
			out = append(out, line[:end+2]...)
			out = append(out, line[end+3:]...)
			continue
		}
		out = append(out, line...)
	}
	return out
}
