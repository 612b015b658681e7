package collection

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HeaderLine is a header with a concrete value, as a frontend holds it.
type HeaderLine struct{ Key, Value string }

// Draft is a request as a frontend holds it, to be saved: concrete values,
// each body message as JSON. Text in it is saved to load back as it is
// (a literal ${ is written $${), except the values of secret-looking
// headers, which must be ${VAR} references (see SecretReference).
type Draft struct {
	Name     string
	Address  string
	Method   string
	Headers  []HeaderLine
	Body     []json.RawMessage
	Deadline time.Duration
}

// plainText is what may stand unquoted in a block mapping and load back as
// the same string.
var plainText = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z_/.][A-Za-z0-9_./@:+-]*$|^[0-9.]+[a-zµ][a-z0-9.µ]*$`)
})

var yamlWords = map[string]bool{"true": true, "false": true, "null": true, "yes": true, "no": true, "on": true, "off": true, "y": true, "n": true, "~": true}

// yamlString writes s as a YAML scalar: plain when that is safe, else
// double-quoted as JSON quotes it (which YAML reads the same).
func yamlString(s string) string {
	if plainText().MatchString(s) && !yamlWords[strings.ToLower(s)] && !strings.HasSuffix(s, ":") {
		return s
	}
	return jsonString(s)
}

func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// quotedExpr writes a jq expression single-quoted when it can be (jq uses
// double quotes for its strings), else as JSON.
func quotedExpr(s string) string {
	if strings.ContainsAny(s, "\n\r\t") || !strconv.IsPrint(firstRune(s)) {
		return jsonString(s)
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return ' '
}

// spacedJSON puts one space after each colon and comma outside strings in
// compact JSON: {"a": 1, "b": [1, 2]}, as people write it, and as YAML's
// flow style reads it without doubt.
func spacedJSON(compact []byte) string {
	var b strings.Builder
	inString, escaped := false, false
	for _, c := range compact {
		b.WriteByte(c)
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
		case c == ':' || c == ',':
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// maxInlineBody is the longest body written on its key's line.
const maxInlineBody = 80

// field renders "key: value" at indent spaces; value lines after the
// first are indented past the key.
func field(indent int, key, value string) string {
	pad := strings.Repeat(" ", indent)
	lines := strings.Split(value, "\n")
	var b strings.Builder
	b.WriteString(pad + key + ":")
	if lines[0] != "" {
		b.WriteString(" " + lines[0])
	}
	b.WriteString("\n")
	for _, l := range lines[1:] {
		b.WriteString(pad + "  " + l + "\n")
	}
	return b.String()
}

// bodyValue renders a body: one message as JSON (on one line when short,
// else indented), several as a list of one message a line.
func bodyValue(msgs []json.RawMessage) (string, error) {
	if len(msgs) == 1 {
		var compact bytes.Buffer
		if err := json.Compact(&compact, msgs[0]); err != nil {
			return "", err
		}
		if compact.Len() <= maxInlineBody {
			return escapeRefs(spacedJSON(compact.Bytes())), nil
		}
		var indented bytes.Buffer
		if err := json.Indent(&indented, compact.Bytes(), "", "  "); err != nil {
			return "", err
		}
		return escapeRefs(indented.String()), nil
	}
	var b strings.Builder
	for _, m := range msgs {
		var compact bytes.Buffer
		if err := json.Compact(&compact, m); err != nil {
			return "", err
		}
		b.WriteString("\n- " + escapeRefs(spacedJSON(compact.Bytes())))
	}
	return b.String(), nil
}

func headersValue(headers []HeaderLine) string {
	parts := make([]string, len(headers))
	for i, h := range headers {
		v := h.Value
		if !isSecret(h.Key) {
			v = escapeRefs(v)
		}
		parts[i] = jsonString(h.Key) + ": " + jsonString(v)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// renderedFields are the fields Save manages, rendered at indent, keyed
// by name; a field the draft leaves empty is absent. ownAddress says the
// request needs its own address (it differs from the file's).
func renderedFields(d Draft, indent int, ownAddress bool) (map[string]string, error) {
	out := map[string]string{
		"name":   field(indent, "name", yamlString(escapeRefs(d.Name))),
		"method": field(indent, "method", yamlString(escapeRefs(d.Method))),
	}
	if ownAddress {
		out["address"] = field(indent, "address", yamlString(escapeRefs(d.Address)))
	}
	if len(d.Headers) > 0 {
		out["headers"] = field(indent, "headers", headersValue(d.Headers))
	}
	if len(d.Body) > 0 {
		v, err := bodyValue(d.Body)
		if err != nil {
			return nil, err
		}
		out["body"] = field(indent, "body", v)
	}
	if d.Deadline > 0 {
		out["deadline"] = field(indent, "deadline", yamlString(d.Deadline.String()))
	}
	return out, nil
}

// expectFields re-render what a request expects and captures, for an
// entry that Save rewrites whole.
func expectFields(r *Request, indent int) map[string]string {
	out := map[string]string{}
	if r.Expect.CodeText != "" || len(r.Expect.JQ) > 0 {
		var b strings.Builder
		if r.Expect.CodeText != "" {
			b.WriteString("\n" + "code: " + yamlString(r.Expect.CodeText))
		}
		if len(r.Expect.JQ) > 0 {
			exprs := make([]string, len(r.Expect.JQ))
			for i, x := range r.Expect.JQ {
				exprs[i] = quotedExpr(x.Text)
			}
			b.WriteString("\njq: [" + strings.Join(exprs, ", ") + "]")
		}
		out["expect"] = field(indent, "expect", b.String())
	}
	if len(r.Capture) > 0 {
		var b strings.Builder
		for _, c := range r.Capture {
			b.WriteString("\n" + c.Name + ": " + quotedExpr(c.Expr.Text))
		}
		out["capture"] = field(indent, "capture", b.String())
	}
	return out
}

// entryText is a whole request entry with its "-" at dashIndent spaces.
func entryText(fields map[string]string, dashIndent int) string {
	var b strings.Builder
	first := true
	for _, k := range requestKeys {
		text, ok := fields[k]
		if !ok {
			continue
		}
		if first {
			// The first field shares the dash's line.
			text = strings.Repeat(" ", dashIndent) + "- " + text[dashIndent+2:]
			first = false
		}
		b.WriteString(text)
	}
	return b.String()
}
