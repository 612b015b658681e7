package tap

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// maxRawDepth bounds how deep DecodeRaw looks into nested messages, so a
// hostile message cannot make it recurse without end.
const maxRawDepth = 32

// DecodeRaw shows a protobuf message of unknown type by field number and
// wire type, as protoc --decode_raw does: varints in decimal, fixed32 and
// fixed64 in hex, groups and length-delimited fields that parse as a
// message in braces, other length-delimited fields as quoted strings
// (escaped, so the text is safe for a terminal). Bytes that do not parse
// are shown as such at the end, with their offset, rather than failing.
func DecodeRaw(b []byte) string {
	var sb strings.Builder
	if rest := writeRaw(&sb, b, 0, 0); rest >= 0 {
		fmt.Fprintf(&sb, "(bytes from offset %d do not parse as protobuf: %s)\n", rest, strconv.Quote(string(b[rest:])))
	}
	return sb.String()
}

// writeRaw writes b's fields at indent depth and returns the offset where
// parsing failed, or -1 when all of b parsed. Within a group it stops at
// the group's end.
func writeRaw(sb *strings.Builder, b []byte, depth int, endGroup protowire.Number) int {
	indent := strings.Repeat("  ", depth)
	for off := 0; off < len(b); {
		num, typ, n := protowire.ConsumeTag(b[off:])
		if n < 0 {
			return off
		}
		field := b[off+n:]
		switch typ {
		case protowire.VarintType:
			v, m := protowire.ConsumeVarint(field)
			if m < 0 {
				return off
			}
			fmt.Fprintf(sb, "%s%d: %d\n", indent, num, v)
			n += m
		case protowire.Fixed32Type:
			v, m := protowire.ConsumeFixed32(field)
			if m < 0 {
				return off
			}
			fmt.Fprintf(sb, "%s%d: 0x%08x\n", indent, num, v)
			n += m
		case protowire.Fixed64Type:
			v, m := protowire.ConsumeFixed64(field)
			if m < 0 {
				return off
			}
			fmt.Fprintf(sb, "%s%d: 0x%016x\n", indent, num, v)
			n += m
		case protowire.BytesType:
			v, m := protowire.ConsumeBytes(field)
			if m < 0 {
				return off
			}
			writeRawBytes(sb, indent, num, v, depth)
			n += m
		case protowire.StartGroupType:
			m := protowire.ConsumeFieldValue(num, typ, field)
			if m < 0 || depth >= maxRawDepth {
				return off
			}
			fmt.Fprintf(sb, "%s%d {\n", indent, num)
			// The group's fields end at its end tag, which m includes.
			writeRaw(sb, field[:m], depth+1, num)
			fmt.Fprintf(sb, "%s}\n", indent)
			n += m
		case protowire.EndGroupType:
			if num == endGroup {
				return -1
			}
			return off
		default:
			return off
		}
		off += n
	}
	return -1
}

// writeRawBytes shows a length-delimited field: as text when it reads as
// text, else as a nested message when it parses as one, else quoted.
func writeRawBytes(sb *strings.Builder, indent string, num protowire.Number, v []byte, depth int) {
	if len(v) > 0 && !looksLikeText(v) && depth < maxRawDepth && parsesAsMessage(v) {
		fmt.Fprintf(sb, "%s%d {\n", indent, num)
		writeRaw(sb, v, depth+1, 0)
		fmt.Fprintf(sb, "%s}\n", indent)
		return
	}
	fmt.Fprintf(sb, "%s%d: %s\n", indent, num, strconv.Quote(string(v)))
}

// looksLikeText tells text from bytes: valid UTF-8 of printable characters
// and ordinary white space only. Short strings often parse as messages too,
// so text is preferred.
func looksLikeText(v []byte) bool {
	if !utf8.Valid(v) {
		return false
	}
	for _, r := range string(v) {
		if !unicode.IsPrint(r) && r != '\n' && r != '\t' && r != '\r' {
			return false
		}
	}
	return true
}

// parsesAsMessage tells whether v is a whole sequence of well-formed fields.
func parsesAsMessage(v []byte) bool {
	for off := 0; off < len(v); {
		num, typ, n := protowire.ConsumeTag(v[off:])
		if n < 0 || typ == protowire.EndGroupType {
			return false
		}
		m := protowire.ConsumeFieldValue(num, typ, v[off+n:])
		if m < 0 {
			return false
		}
		off += n + m
	}
	return true
}
