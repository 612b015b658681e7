package ui

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestIndentedDocumentAsJSONIndent: the one-pass indenter writes what
// json.Indent writes, and a line index that matches it.
func TestIndentedDocumentAsJSONIndent(t *testing.T) {
	for _, compact := range []string{
		`{}`, `[]`, `{"a":{}}`, `{"a":[],"b":[1,2,{"c":"x,y:{z}"}]}`,
		`{"s":"quote \" and backslash \\ and \u001b","n":-1.5e3,"t":true,"f":null}`,
		`[[[]],[{}],"]"]`,
	} {
		var want bytes.Buffer
		if err := json.Indent(&want, []byte(compact), "", "  "); err != nil {
			t.Fatal(err)
		}
		d := newIndentedDocument([]byte(compact))
		if d.text != want.String() {
			t.Errorf("%s:\n%s\nwant\n%s", compact, d.text, want.String())
		}
		if lines := strings.Split(want.String(), "\n"); d.lines() != len(lines) || d.line(d.lines()-1) != lines[len(lines)-1] {
			t.Errorf("%s: %d lines, want %d", compact, d.lines(), len(lines))
		}
	}
}

// TestSegmentEscapesControls: what could drive a terminal is drawn
// escaped, in JSON and in text alike.
func TestSegmentEscapesControls(t *testing.T) {
	st := newStyles(true)
	for _, d := range []*document{
		newJSONDocument("{\"a\": \"\x1b]52;c;aGk=\x07 \u009b31m \x7f\"}"),
		newOwnDocument("x \x1b[2J \u009b y"),
	} {
		text, _ := d.segment(&st, 0, 0, 200, highlight{current: -1})
		plain := ansi.Strip(text)
		if strings.ContainsAny(plain, "\x1b\x07\x7f\u009b") {
			t.Errorf("a control character reached the screen: %q", plain)
		}
		if !strings.Contains(plain, `\x1b`) {
			t.Errorf("the escape is not shown: %q", plain)
		}
	}
}

// TestSegmentFromMark: a window far into a long line starts at the right
// rune whether it comes from a mark or from the line's start.
func TestSegmentFromMark(t *testing.T) {
	st := newStyles(true)
	line := `{"k": "` + strings.Repeat("0123456789é", 20000) + `"}`
	d := newJSONDocument(line)
	if d.long[0] == nil || len(d.long[0].marks) < 10 {
		t.Fatalf("no marks for a %d-byte line", len(line))
	}
	runes := []rune(line)
	for _, from := range []int{0, 7, 4095, 4096, 100001, len(runes) - 5} {
		got, total := d.segment(&st, 0, from, 30, highlight{current: -1})
		want := string(runes[from:min(len(runes), from+30)])
		if ansi.Strip(got) != want || total != len(runes) {
			t.Errorf("from %d: %q (of %d), want %q (of %d)", from, ansi.Strip(got), total, want, len(runes))
		}
	}
}
