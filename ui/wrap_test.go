package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"sockscope/session"
)

// TestWrapCountsCells: wrapping and cutting count terminal cells, so a
// line of CJK or emoji, two cells a rune, fills each row to the pane's
// width and loses nothing, and a line cut at the edge says so.
func TestWrapCountsCells(t *testing.T) {
	for _, tc := range []struct{ name, unit string }{{"CJK", "漢字かな"}, {"emoji", "😀🎉👍🚀"}, {"mixed", "a漢😀b"}} {
		t.Run(tc.name, func(t *testing.T) {
			line := strings.Repeat(tc.unit, 25)
			v := newViewer(newCommon())
			v.SetSize(21, 40)
			v.setDocument(newOwnDocument(line + "\nend"))
			if view := ansi.Strip(v.View()); !strings.Contains(view, "chars)") {
				t.Errorf("the line wider than the pane is not marked as cut:\n%s", view)
			}
			v, _ = v.Update(press("z"))
			rows := strings.Split(ansi.Strip(v.View()), "\n")
			var joined strings.Builder
			for _, r := range rows {
				if r == "end" {
					break
				}
				if w := ansi.StringWidth(r); w > 21 {
					t.Errorf("row %q is %d cells wide in a pane of 21", r, w)
				}
				joined.WriteString(r)
			}
			if joined.String() != line {
				t.Errorf("wrapped rows do not give the line back:\n%s", strings.Join(rows, "\n"))
			}
			if first := ansi.StringWidth(rows[0]); first < 19 {
				t.Errorf("the first row fills %d cells of 21", first)
			}
			// Scrolling by rows meets the same rows, down and up again.
			v.SetSize(21, 4)
			v.scroll(1)
			if got := ansi.Strip(strings.Split(v.View(), "\n")[0]); got != rows[1] {
				t.Errorf("one row down shows %q, want %q", got, rows[1])
			}
			v.scroll(-1)
			if got := ansi.Strip(strings.Split(v.View(), "\n")[0]); got != rows[0] {
				t.Errorf("one row up again shows %q, want %q", got, rows[0])
			}
		})
	}
}

// TestServiceNotesWrapByCells: why a service is left out wraps to the
// services pane in cells, however wide its characters.
func TestServiceNotesWrapByCells(t *testing.T) {
	for _, line := range noteLines(strings.Repeat("説明されていないサービス ", 3), 20) {
		if w := ansi.StringWidth(line); w > 20 {
			t.Errorf("note line %q is %d cells wide, want at most 20", line, w)
		}
	}
}

// TestHintLinesFitThePane: the hint and the notes under the response
// never run past the pane, so its border stays in place, whatever the
// width and wherever a line breaks (at a hyphen of --import-path, say).
func TestHintLinesFitThePane(t *testing.T) {
	for w := 20; w <= 120; w++ {
		p := newResponsePane(newCommon())
		p.SetSize(w, 30)
		p.showHint(session.UndescribedHint + "\n" + strings.Repeat("漢字 ", 40))
		p.note = session.UndescribedHint
		for _, l := range append(p.hintLines(), p.noteLines()...) {
			if got := ansi.StringWidth(l); got > w {
				t.Fatalf("width %d: a line of %d cells: %q", w, got, ansi.Strip(l))
			}
		}
	}
}
