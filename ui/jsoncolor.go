package ui

import (
	"bytes"
	"encoding/json"
	"strings"
)

// tokenKind is what a byte of JSON text belongs to, for colouring.
type tokenKind uint8

const (
	tokPlain tokenKind = iota
	tokKey
	tokString
	tokNumber
	tokLiteral
	tokPunct
)

// keyLookahead bounds how far the lexer looks for the end of a string to
// tell an object's key from a value: keys are short, and a value string
// may run for megabytes.
const keyLookahead = 512

// lexState is where a JSON lexer stands between two bytes: inside a
// string (a key or a value) or a number or a literal, or between tokens.
type lexState struct {
	tok     tokenKind
	escaped bool
}

// next classifies byte i of line and moves past it.
func (st *lexState) next(line string, i int) tokenKind {
	b := line[i]
	switch st.tok {
	case tokKey, tokString:
		kind := st.tok
		switch {
		case st.escaped:
			st.escaped = false
		case b == '\\':
			st.escaped = true
		case b == '"':
			st.tok = tokPlain
		}
		return kind
	case tokNumber:
		if b >= '0' && b <= '9' || strings.IndexByte(".eE+-", b) >= 0 {
			return tokNumber
		}
		st.tok = tokPlain
	case tokLiteral:
		if b >= 'a' && b <= 'z' {
			return tokLiteral
		}
		st.tok = tokPlain
	}
	switch {
	case b == '"':
		st.tok = stringKind(line, i)
		return st.tok
	case b == '-' || b >= '0' && b <= '9':
		st.tok = tokNumber
		return tokNumber
	case b == 't' || b == 'f' || b == 'n':
		st.tok = tokLiteral
		return tokLiteral
	case strings.IndexByte("{}[]:,", b) >= 0:
		return tokPunct
	}
	return tokPlain
}

// advance moves past bytes [from, to) of line, skipping the inside of a
// string at the speed of strings.IndexAny.
func (st *lexState) advance(line string, from, to int) {
	for i := from; i < to; {
		if (st.tok == tokString || st.tok == tokKey) && !st.escaped {
			j := strings.IndexAny(line[i:to], `"\`)
			if j < 0 {
				return
			}
			i += j
		}
		st.next(line, i)
		i++
	}
}

// stringKind says whether the string opening at line[i] is a key: its
// closing quote, within keyLookahead, is followed by a colon.
func stringKind(line string, i int) tokenKind {
	end := min(len(line), i+1+keyLookahead)
	for j := i + 1; j < end; j++ {
		switch line[j] {
		case '\\':
			j++
		case '"':
			k := j + 1
			for k < len(line) && (line[k] == ' ' || line[k] == '\t') {
				k++
			}
			if k < len(line) && line[k] == ':' {
				return tokKey
			}
			return tokString
		}
	}
	return tokString
}

// drawLine draws the start of one line of JSON (a stream message's
// compact text, say) in width cells, coloured.
func drawLine(st *styles, text string, width int) string {
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	d := &document{text: text, starts: []uint32{0}, json: true}
	s, _ := d.segment(st, 0, 0, width, highlight{current: -1})
	return s
}

// indentCompact indents compact JSON for reading; text that is not JSON is returned as is.
func indentCompact(text string) string {
	var out bytes.Buffer
	if err := json.Indent(&out, []byte(text), "", "  "); err != nil {
		return text
	}
	return out.String()
}
