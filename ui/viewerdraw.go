package ui

import (
	"fmt"
	"strings"
)

// cutMarkWidth is about what the note on a cut line takes.
const cutMarkWidth = 16

func (v viewer) View() string {
	rows := v.rows()
	lines := make([]string, 0, rows+1)
	if v.doc != nil {
		hl := highlight{matches: v.found.matches, length: len(v.found.query), current: -1}
		if v.current >= 0 {
			hl.current = v.found.matches[v.current]
		}
		if v.wrap {
			lines = v.wrappedView(lines, rows, hl)
		} else {
			for i := v.top; i < v.doc.lines() && len(lines) < rows; i++ {
				lines = append(lines, v.row(i, hl))
			}
		}
	}
	for len(lines) < rows {
		lines = append(lines, "")
	}
	if v.footerShown() {
		lines = append(lines, v.footer())
	}
	return strings.Join(lines, "\n")
}

// row draws line i from v.left, noting its length when it goes on past
// the right edge.
func (v viewer) row(i int, hl highlight) string {
	text, total := v.doc.segment(v.styles, i, v.left, v.width, hl)
	// Whether the line goes on past the edge is a matter of cells, not runes.
	if v.left+v.doc.fit(i, v.left, v.width) >= total {
		return text
	}
	note := "…(" + groupDigits(total) + " chars)"
	text, _ = v.doc.segment(v.styles, i, v.left, max(1, v.width-len(note)+2), hl)
	return text + v.styles.Dim.Render(note)
}

func (v viewer) wrappedView(lines []string, rows int, hl highlight) []string {
	w := max(1, v.width)
	for i, from := v.top, v.topRune; i < v.doc.lines() && len(lines) < rows; i, from = i+1, 0 {
		total := v.doc.runes(i)
		for len(lines) < rows {
			text, _ := v.doc.segment(v.styles, i, from, w, hl)
			lines = append(lines, text)
			from += max(1, v.doc.fit(i, from, w))
			if from >= total {
				break
			}
		}
	}
	return lines
}

func (v viewer) footer() string {
	if v.searching {
		return v.input.View()
	}
	var parts []string
	switch q := v.found.query; {
	case q != "" && v.found.total == 0:
		parts = append(parts, fmt.Sprintf("/%s: no match", q))
	case q != "":
		parts = append(parts, fmt.Sprintf("/%s: match %d of %s", q, v.current+1, groupDigits(v.found.total)))
		if v.found.total > len(v.found.matches) {
			parts = append(parts, fmt.Sprintf("n/N visit the first %s", groupDigits(len(v.found.matches))))
		}
	}
	if v.doc != nil {
		parts = append(parts, fmt.Sprintf("line %d of %s", min(v.top+1, v.doc.lines()), groupDigits(v.doc.lines())))
		if v.left > 0 {
			parts = append(parts, fmt.Sprintf("from column %d", v.left+1))
		}
		if v.wrap {
			parts = append(parts, "wrapped")
		}
	}
	return v.styles.Dim.Render(truncate(strings.Join(parts, " · "), v.width))
}

// groupDigits writes n with thousands separated: 89,478,486.
func groupDigits(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && c != '-' && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
