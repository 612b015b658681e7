package collection

import (
	"bytes"
	"sort"
	"strings"
)

// text is a collection's source, edited by line and column so that what
// Save does not rewrite stays byte for byte.
type text struct {
	src    []byte
	starts []int // offset of each line's start; starts[0] is line 1
}

func newText(src []byte) *text {
	t := &text{src: src, starts: []int{0}}
	for i, c := range src {
		if c == '\n' && i+1 < len(src) {
			t.starts = append(t.starts, i+1)
		}
	}
	return t
}

func (t *text) lines() int { return len(t.starts) }

func (t *text) lineStart(line int) int {
	if line < 1 {
		return 0
	}
	if line > len(t.starts) {
		return len(t.src)
	}
	return t.starts[line-1]
}

// lineEnd is the offset just past line's newline (or the end of the text).
func (t *text) lineEnd(line int) int {
	if line >= len(t.starts) {
		return len(t.src)
	}
	return t.starts[line]
}

// indentOf is the 1-based column of line's first character that is not a
// space; 0 for a blank line.
func (t *text) indentOf(line int) int {
	l := t.src[t.lineStart(line):t.lineEnd(line)]
	trimmed := bytes.TrimLeft(l, " ")
	if len(bytes.TrimSpace(trimmed)) == 0 {
		return 0
	}
	return len(l) - len(trimmed) + 1
}

// spanEnd is where the block that starts on line at column col ends: after
// its last line before one that is not blank and starts at col or left
// of it (the next entry, key or a comment at that level). Trailing blank
// lines stay outside it.
func (t *text) spanEnd(line, col int) int {
	last := line
	for l := line + 1; l <= t.lines(); l++ {
		indent := t.indentOf(l)
		if indent == 0 {
			continue
		}
		if indent <= col {
			break
		}
		last = l
	}
	return t.lineEnd(last)
}

func (t *text) entryEnd(r *Request) int {
	return t.spanEnd(r.layout.dash.Line, r.layout.dash.Column)
}

// insertAfter puts s at offset, starting a line of its own.
func (t *text) insertAfter(offset int, s string) []byte {
	if offset > 0 && t.src[offset-1] != '\n' {
		s = "\n" + s
	}
	return t.splice(offset, offset, s)
}

func (t *text) splice(start, end int, s string) []byte {
	out := make([]byte, 0, len(t.src)+len(s))
	out = append(out, t.src[:start]...)
	out = append(out, s...)
	return append(out, t.src[end:]...)
}

type edit struct {
	start, end int
	text       string
}

// managedKeys are the fields a replacing Save rewrites; the others
// (name, expect, capture) stay as written.
var managedKeys = []string{"method", "address", "headers", "body", "deadline"}

// replace rewrites r's managed fields with d's. A request written as
// {…}, or with one of those fields on its "-" line, is rewritten whole,
// keeping what it expects and captures.
func (t *text) replace(r *Request, d Draft, ownAddress bool) ([]byte, error) {
	keyCol := r.layout.keys["name"].Column
	whole := r.layout.flow
	for _, k := range managedKeys {
		if p, ok := r.layout.keys[k]; ok && p.Line == r.layout.dash.Line {
			whole = true
		}
	}
	if whole {
		keyCol = r.layout.dash.Column + 2
	}
	fields, err := renderedFields(d, keyCol-1, ownAddress)
	if err != nil {
		return nil, err
	}
	end := t.entryEnd(r)
	if whole {
		for k, v := range expectFields(r, keyCol-1) {
			fields[k] = v
		}
		return t.splice(t.lineStart(r.layout.dash.Line), end, entryText(fields, r.layout.dash.Column-1)), nil
	}
	var edits []edit
	var added strings.Builder
	for _, k := range managedKeys {
		rendered, want := fields[k]
		p, has := r.layout.keys[k]
		switch {
		case has:
			edits = append(edits, edit{t.lineStart(p.Line), t.spanEnd(p.Line, p.Column), rendered})
		case want:
			added.WriteString(rendered)
		}
	}
	if added.Len() > 0 {
		s := added.String()
		if end > 0 && t.src[end-1] != '\n' {
			s = "\n" + s
		}
		edits = append(edits, edit{end, end, s})
	}
	sort.Slice(edits, func(i, j int) bool {
		if edits[i].start != edits[j].start {
			return edits[i].start < edits[j].start
		}
		return edits[i].end < edits[j].end
	})
	var out []byte
	at := 0
	for _, e := range edits {
		out = append(out, t.src[at:e.start]...)
		out = append(out, e.text...)
		at = e.end
	}
	return append(out, t.src[at:]...), nil
}
