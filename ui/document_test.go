package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestPartsDocumentAsDocument: a document joined from pieces, some empty,
// its lines found span by span, has the text and the line index of one prepared
// from the joined text, wherever the pieces and spans are cut.
func TestPartsDocumentAsDocument(t *testing.T) {
	long := strings.Repeat("x", longLineBytes+10)
	for _, text := range []string{
		"", "{}", "{\n  \"a\": 1\n}", "\n\n", "{\n  \"s\": \"" + long + "\",\n  \"t\": [\n    1\n  ]\n}",
		strings.Repeat("{\n  \"k\": \"v\"\n},\n", 400000),
	} {
		want := newJSONDocument(text)
		for _, cuts := range []int{1, 2, 7} {
			var parts [][]byte
			for i := range cuts {
				parts = append(parts, []byte(text[i*len(text)/cuts:(i+1)*len(text)/cuts]))
				if i%2 == 1 {
					// An empty piece, as a part of no fields gives.
					parts = append(parts, nil)
				}
			}
			for _, workers := range []int{1, 2, 3} {
				got := newPartsDocument(parts, workers)
				if got.text != want.text || !slices.Equal(got.starts, want.starts) || len(got.long) != len(want.long) {
					t.Errorf("%.20q in %d parts, %d workers: %d lines, %d long, want %d, %d",
						text, cuts, workers, got.lines(), len(got.long), want.lines(), len(want.long))
				}
			}
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
