package ui

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"sockscope/internal/safetext"
)

// document is a text prepared once, off the update loop, so that showing
// any window of it costs the same whatever its size: where every line
// starts and, for each line too long to scan on every frame (a 64 MiB
// bytes field is one line of 89 MB of base64), marks of how far in runes
// and in what lexical state it is every markEvery bytes. Nothing about it
// changes once built, so commands may read it on their own goroutines.
type document struct {
	text   string
	starts []uint32 // byte offset of each line in text
	json   bool     // coloured as JSON (pretty-printed: no string spans two lines)
	long   map[int]*longLine
}

// longLine is what a window into a long line starts from.
type longLine struct {
	runes int
	marks []lineMark
}

// lineMark is a place in a long line: its byte offset, how many runes
// come before it, and the lexer's state there.
type lineMark struct {
	off, runes int
	state      lexState
}

const (
	// longLineBytes is the length from which a line gets marks; a
	// shorter line is scanned from its start whenever it is drawn.
	longLineBytes = 16 << 10
	// markEvery is the distance between two marks of a long line.
	markEvery = 4 << 10
	// maxDocumentBytes bounds the text a document holds; the reply cap
	// keeps any JSON well under it, so only a text gone wrong is cut.
	maxDocumentBytes = 1 << 31
)

// newJSONDocument prepares indented JSON from protojson or json.Indent:
// such text escapes every C0 control character, and the rest that could
// drive a terminal is escaped as it is drawn.
func newJSONDocument(text string) *document { return newDocument(text, true) }

// newTextDocument prepares text from outside (a schema's comments, a
// server's messages, metadata): escaped by safetext, tabs as spaces.
func newTextDocument(text string) *document {
	return newDocument(strings.ReplaceAll(safetext.Text(text), "\t", "    "), false)
}

// newOwnDocument prepares text sockscope wrote itself (help, command
// lines) as it is; drawing still escapes any control character.
func newOwnDocument(text string) *document { return newDocument(text, false) }

func newDocument(text string, isJSON bool) *document {
	text = strings.TrimSuffix(text, "\n")
	if len(text) > maxDocumentBytes {
		text = text[:maxDocumentBytes]
	}
	d := &document{text: text, json: isJSON, starts: make([]uint32, 0, 1+len(text)/64)}
	for off := 0; ; {
		d.starts = append(d.starts, uint32(off))
		n := strings.IndexByte(text[off:], '\n')
		if n < 0 {
			break
		}
		off += n + 1
	}
	d.markLongLines()
	return d
}

// markLongLines gives each line of longLineBytes or more its marks.
func (d *document) markLongLines() {
	for i := range d.starts {
		end := len(d.text)
		if i+1 < len(d.starts) {
			end = int(d.starts[i+1]) - 1
		}
		if end-int(d.starts[i]) >= longLineBytes {
			if d.long == nil {
				d.long = map[int]*longLine{}
			}
			d.long[i] = markLine(d.text[d.starts[i]:end], d.json)
		}
	}
}

// markLine lexes a long line once, leaving a mark every markEvery bytes.
func markLine(line string, isJSON bool) *longLine {
	ll := &longLine{marks: make([]lineMark, 0, len(line)/markEvery+1)}
	var st lexState
	runes := 0
	for off := 0; off < len(line); {
		ll.marks = append(ll.marks, lineMark{off: off, runes: runes, state: st})
		end := min(off+markEvery, len(line))
		for end < len(line) && !utf8.RuneStart(line[end]) {
			end++
		}
		if isJSON {
			st.advance(line, off, end)
		}
		runes += utf8.RuneCountInString(line[off:end])
		off = end
	}
	ll.runes = runes
	return ll
}

func (d *document) lines() int { return len(d.starts) }

func (d *document) line(i int) string {
	start := int(d.starts[i])
	if i+1 < len(d.starts) {
		return d.text[start : d.starts[i+1]-1]
	}
	return d.text[start:]
}

// runes is the length of line i in runes.
func (d *document) runes(i int) int {
	if ll := d.long[i]; ll != nil {
		return ll.runes
	}
	return utf8.RuneCountInString(d.line(i))
}

// lineOf is the line holding byte offset off.
func (d *document) lineOf(off int) int {
	return sort.Search(len(d.starts), func(i int) bool { return int(d.starts[i]) > off }) - 1
}

// runeAt is how many runes of its line come before byte offset off.
func (d *document) runeAt(off int) (line, runes int) {
	line = d.lineOf(off)
	start, pos := int(d.starts[line]), 0
	text := d.line(line)
	if ll := d.long[line]; ll != nil {
		k := sort.Search(len(ll.marks), func(k int) bool { return ll.marks[k].off > off-start }) - 1
		pos, runes = ll.marks[k].off, ll.marks[k].runes
	}
	end := min(off-start, len(text))
	return line, runes + utf8.RuneCountInString(text[pos:end])
}

// highlight is the matches of a search, byte offsets into the text.
type highlight struct {
	matches []int
	length  int
	current int // offset of the match the cursor is on, -1 for none
}

// segment draws width cells of line i from its rune from on, coloured
// when the document is JSON and with matches highlighted, and says how
// many runes the line has. Its cost depends on width and on the distance
// from the nearest mark, never on the length of the line or the text.
func (d *document) segment(st *styles, i, from, width int, hl highlight) (string, int) {
	line := d.line(i)
	base := int(d.starts[i])
	pos, lx, total := d.seek(i, from)
	var b strings.Builder
	b.Grow(width + 64)
	mi := sort.Search(len(hl.matches), func(k int) bool { return hl.matches[k]+hl.length > base+pos })
	cur, cells := drawPlain, 0
	for pos < len(line) && cells < width {
		r, size := utf8.DecodeRuneInString(line[pos:])
		look := drawPlain
		if d.json {
			look = drawStyle(lx.next(line, pos))
			if size > 1 {
				lx.advance(line, pos+1, pos+size)
			}
		}
		at := base + pos
		for mi < len(hl.matches) && hl.matches[mi]+hl.length <= at {
			mi++
		}
		if mi < len(hl.matches) && hl.matches[mi] <= at {
			look = drawMatch
			if hl.matches[mi] == hl.current {
				look = drawCurrent
			}
		}
		text, w := cell(r, line[pos:pos+size])
		if cells+w > width {
			break
		}
		if look != cur {
			b.WriteString(st.draw[cur].close)
			b.WriteString(st.draw[look].open)
			cur = look
		}
		b.WriteString(text)
		cells += w
		pos += size
	}
	b.WriteString(st.draw[cur].close)
	return b.String(), total
}

// seek finds rune from of line i: its byte offset, the lexer's state
// there and the line's length in runes, from the nearest mark before it.
func (d *document) seek(i, from int) (pos int, lx lexState, total int) {
	line := d.line(i)
	runes := 0
	if ll := d.long[i]; ll != nil {
		total = ll.runes
		if k := sort.Search(len(ll.marks), func(k int) bool { return ll.marks[k].runes > from }) - 1; k >= 0 {
			m := ll.marks[k]
			pos, runes, lx = m.off, m.runes, m.state
		}
	} else {
		total = utf8.RuneCountInString(line)
	}
	for pos < len(line) && runes < from {
		_, size := utf8.DecodeRuneInString(line[pos:])
		if d.json {
			lx.advance(line, pos, pos+size)
		}
		pos += size
		runes++
	}
	return pos, lx, total
}

// fit is how many runes of line i from rune from fill width cells, as
// segment draws them: fewer than width where a rune takes two cells (CJK,
// emoji) or an escape takes four. It is at least one while the line goes
// on, so that a row of wrapped text always moves forward.
func (d *document) fit(i, from, width int) int {
	line := d.line(i)
	pos, _, _ := d.seek(i, from)
	n, cells := 0, 0
	for pos < len(line) {
		r, size := utf8.DecodeRuneInString(line[pos:])
		_, w := cell(r, line[pos:pos+size])
		if cells+w > width && n > 0 {
			break
		}
		cells += w
		pos += size
		n++
	}
	return n
}

// rowStarts are the runes at which line i's rows begin when wrapped to
// width cells, while at most limit rows; more says the line goes on.
func (d *document) rowStarts(i, width, limit int) (starts []int, more bool) {
	total := d.runes(i)
	for from := 0; ; {
		if len(starts) == limit {
			return starts, true
		}
		starts = append(starts, from)
		from += max(1, d.fit(i, from, width))
		if from >= total {
			return starts, false
		}
	}
}

// cell is how one rune is drawn and how many cells it takes: control
// characters and invalid UTF-8 as safetext writes them, so that nothing
// in a reply can drive the terminal.
func cell(r rune, raw string) (string, int) {
	switch {
	case r == utf8.RuneError && len(raw) == 1, r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		esc := safetext.Line(raw)
		return esc, len(esc)
	case r < 0x300:
		return raw, 1
	}
	return raw, ansi.StringWidth(raw)
}
