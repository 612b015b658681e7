package ui

import (
	"bytes"
	"encoding/json"
	"strings"
)

// colorJSON styles JSON text that is already valid (protojson output) token by
// token; anything it does not recognise is passed through unstyled, so it can
// never lose characters.
func colorJSON(s *styles, text string) string {
	var b strings.Builder
	b.Grow(len(text) * 2)
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(text) && text[j] != '"' {
				if text[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(text))
			tok := text[i:j]
			k := j
			for k < len(text) && (text[k] == ' ' || text[k] == '\t') {
				k++
			}
			if k < len(text) && text[k] == ':' {
				b.WriteString(s.JSONKey.Render(tok))
			} else {
				b.WriteString(s.JSONString.Render(tok))
			}
			i = j
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(text) && strings.IndexByte("0123456789.eE+-", text[j]) >= 0 {
				j++
			}
			b.WriteString(s.JSONNumber.Render(text[i:j]))
			i = j
		case c == 't' || c == 'f' || c == 'n':
			j := i
			for j < len(text) && text[j] >= 'a' && text[j] <= 'z' {
				j++
			}
			b.WriteString(s.JSONLit.Render(text[i:j]))
			i = max(j, i+1)
		case strings.IndexByte("{}[]:,", c) >= 0:
			b.WriteString(s.JSONPunct.Render(string(c)))
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// indentCompact indents compact JSON for reading; text that is not JSON is returned as is.
func indentCompact(text string) string {
	var out bytes.Buffer
	if err := json.Indent(&out, []byte(text), "", "  "); err != nil {
		return text
	}
	return out.String()
}
