package client

import (
	"bytes"
	"encoding/json"
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// ReplyFormat renders messages as JSON with stable spacing. protojson varies
// its whitespace on purpose between builds; output that people diff and grep
// must not, so the spacing is redone here.
type ReplyFormat struct {
	// Indent gives two-space indented JSON; otherwise one compact line.
	Indent bool
	// EmitDefaults prints fields that hold their zero value.
	EmitDefaults bool
	// Resolver finds the types of Any fields; nil means the global registry.
	// An Any whose type it does not know (or whose value does not decode)
	// prints as {"@type": URL, "value": BASE64} instead of failing the message.
	Resolver TypeResolver

	buf bytes.Buffer
}

// Marshal renders m. The returned slice is valid until the next call. An Any
// that Resolver cannot decode is printed as its type URL and base64 value
// rather than failing m; the error is for what no such fallback covers.
func (f *ReplyFormat) Marshal(m proto.Message) ([]byte, error) {
	// AllowPartial: a proto2 reply missing required fields is shown as it
	// came (the codec accepted it so), and the check costs a reflective walk
	// of every message.
	opts := protojson.MarshalOptions{EmitUnpopulated: f.EmitDefaults, Resolver: f.Resolver, AllowPartial: true}
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
	if !f.Indent {
		return compactJSON(b), nil
	}
	f.buf.Reset()
	if err := json.Indent(&f.buf, b, "", "  "); err != nil {
		return nil, fmt.Errorf("format %s as JSON: %w", m.ProtoReflect().Descriptor().FullName(), err)
	}
	return f.buf.Bytes(), nil
}

// compactJSON drops the spaces protojson puts between tokens, in place. It
// relies on the input being protojson's compact output: valid JSON whose only
// whitespace outside strings is single spaces. It is much cheaper than
// json.Compact, which matters at hundreds of thousands of stream messages.
func compactJSON(b []byte) []byte {
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
		case c == ' ':
			continue
		}
		out = append(out, c)
	}
	return out
}
