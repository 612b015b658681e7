package collection

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
)

// validName says whether s may name a variable: ${s} in the file and $s
// in jq, so jq's rule.
func validName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// ParseVars reads --var K=V flags. A bad one is an error naming it.
func ParseVars(flags []string) (map[string]string, error) {
	vars := map[string]string{}
	for _, f := range flags {
		name, value, ok := strings.Cut(f, "=")
		if !ok || !validName(name) {
			return nil, fmt.Errorf("--var %q: want NAME=VALUE, the name of letters, digits and _", f)
		}
		vars[name] = value
	}
	return vars, nil
}

// parseCode reads a gRPC code by number or by name, in either spelling
// (NotFound, NOT_FOUND; Canceled, CANCELLED), ignoring case.
func parseCode(s string) (codes.Code, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return codes.Code(n), n >= 0 && n <= 16
	}
	want := strings.ToLower(strings.ReplaceAll(s, "_", ""))
	if want == "cancelled" {
		want = "canceled"
	}
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		if strings.ToLower(c.String()) == want {
			return c, true
		}
	}
	return 0, false
}

// Lookup finds a variable's value: a string, or any JSON value a capture
// stored.
type Lookup func(name string) (any, bool)

// UndefinedError names a ${VAR} that nothing sets.
type UndefinedError struct {
	Name string
	// LostTo names the request that would have captured it but failed.
	LostTo string
}

func (e *UndefinedError) Error() string {
	if e.LostTo != "" {
		return fmt.Sprintf("${%s} is not set: request %q, which captures it, failed", e.Name, e.LostTo)
	}
	return fmt.Sprintf("${%s} is not set (in vars, by --var, in the environment or by a capture)", e.Name)
}

// expand replaces each ${NAME} in s by its value; $${ is a literal ${.
// When s is exactly one ${NAME}, the value is returned as it is, so a
// captured number or object stays one in a message; anything else is
// text, a non-string value written as its JSON.
func expand(s string, lookup Lookup) (any, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	if name, ok := soleReference(s); ok {
		v, found := lookup(name)
		if !found {
			return nil, &UndefinedError{Name: name}
		}
		return v, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			b.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 || !validName(s[i+2:i+end]) {
				b.WriteString("${")
				i += 2
				continue
			}
			name := s[i+2 : i+end]
			v, found := lookup(name)
			if !found {
				return nil, &UndefinedError{Name: name}
			}
			b.WriteString(textOf(v))
			i += end + 1
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), nil
}

// expandText is expand for places that take text: an address, a header.
func expandText(s string, lookup Lookup) (string, error) {
	v, err := expand(s, lookup)
	if err != nil {
		return "", err
	}
	return textOf(v), nil
}

func soleReference(s string) (string, bool) {
	if !strings.HasPrefix(s, "${") || !strings.HasSuffix(s, "}") {
		return "", false
	}
	name := s[2 : len(s)-1]
	return name, validName(name)
}

func textOf(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// references are the names s refers to with ${NAME}.
func references(s string) []string {
	var names []string
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i:], '}')
			if end > 0 && validName(s[i+2:i+end]) {
				names = append(names, s[i+2:i+end])
				i += end + 1
			} else {
				i += 2
			}
		default:
			i++
		}
	}
	return names
}

// expandValue expands every string in a message (keys too).
func expandValue(v any, lookup Lookup) (any, error) {
	switch x := v.(type) {
	case string:
		return expand(x, lookup)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, item := range x {
			key, err := expandText(k, lookup)
			if err != nil {
				return nil, err
			}
			if out[key], err = expandValue(item, lookup); err != nil {
				return nil, err
			}
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			var err error
			if out[i], err = expandValue(item, lookup); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}

// valueReferences are the names a message refers to, sorted.
func valueReferences(v any) []string {
	seen := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			for _, n := range references(x) {
				seen[n] = true
			}
		case map[string]any:
			for k, item := range x {
				walk(k)
				walk(item)
			}
		case []any:
			for _, item := range x {
				walk(item)
			}
		}
	}
	walk(v)
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// escapeRefs writes s so that it loads back as s: every ${ becomes $${.
func escapeRefs(s string) string { return strings.ReplaceAll(s, "${", "$${") }
