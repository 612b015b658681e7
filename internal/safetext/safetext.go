// Package safetext is the one escaper for text that comes from outside
// sockscope (server names, comments, error messages, metadata, file and
// process names) on its way to a terminal or a table: control characters
// and invalid UTF-8 are written visibly instead of reaching the terminal,
// where an escape sequence could retitle the window, write the clipboard
// or hide what is printed, and nothing is dropped silently, so a shown
// path names the file that exists.
package safetext

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Line escapes s for one line of output: every control character (C0, C1,
// DEL, newlines and tabs included) as \n, \t, \r or \xHH (\u0085 for C1),
// every byte of invalid UTF-8 as \xHH, and the backslash as \\, so that
// distinct inputs stay distinct.
func Line(s string) string { return escape(s, false) }

// Text escapes s as Line does but keeps newlines and tabs, for text shown
// over several lines (a schema's comments, a multi-line message).
func Text(s string) string { return escape(s, true) }

func escape(s string, keepLayout bool) string {
	if clean(s, keepLayout) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case keepLayout && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// clean reports whether s needs no escaping, the common case, so that
// escaping costs one pass and no allocation.
func clean(s string, keepLayout bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80:
			return checkUnicode(s[i:])
		case c == '\\' || c == 0x7f:
			return false
		case c < 0x20 && !(keepLayout && (c == '\n' || c == '\t')):
			return false
		}
	}
	return true
}

func checkUnicode(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 || r == 0x7f || r == '\\' || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return utf8.ValidString(s)
}

// DefaultLimit is how much of one outside text a table row, a list row or
// a one-line message shows.
const DefaultLimit = 300

// Clip escapes s for one line and cuts it to about limit characters,
// noting the full length in bytes when it cut, so one enormous server
// message cannot blow up a table or a row: "…(10,485,760 bytes)".
func Clip(s string, limit int) string {
	if len(s) <= limit {
		return Line(s)
	}
	// Cut on a rune boundary so the end is not reported as invalid UTF-8.
	end := limit
	for end > 0 && end > limit-utf8.UTFMax && !utf8.RuneStart(s[end]) {
		end--
	}
	return Line(s[:end]) + "…(" + groupThousands(len(s)) + " bytes)"
}

func groupThousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
